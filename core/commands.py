"""The command verbs shared by every platform, and how typed commands are split."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Verb:
    name: str
    usage: str
    summary: str
    coordinator: bool = False


PARTICIPANT_VERBS = (
    Verb("help", "help", "show this list"),
    Verb(
        "join", "join [mentor|mentee|both]", "enrol: answer a few questions and accept the policy"
    ),
    Verb("profile", "profile [edit N]", "see your answers, or change answer N"),
    Verb("status", "status", "your enrolment and matches"),
    Verb("request", "request", "see suggested mentors and ask one"),
    Verb("pause", "pause [2w|10d|…]", "take a break from matching and reminders"),
    Verb("resume", "resume", "end a pause"),
    Verb("leave", "leave", "leave the program"),
    Verb("goals", "goals", "set or review your goals"),
    Verb("my-data", "my-data", "everything the bot stores about you"),
    Verb("forget-me", "forget-me", "delete everything the bot stores about you"),
)
COORDINATOR_VERBS = (
    Verb("admin status", "admin status", "program health at a glance", coordinator=True),
    Verb("admin open", "admin open", "open enrolment", coordinator=True),
    Verb("admin close", "admin close", "close enrolment", coordinator=True),
    Verb("admin match", "admin match preview|commit", "run a matching round", coordinator=True),
    Verb(
        "admin match schedule",
        "admin match schedule 48h",
        "announce a round now, run it later",
        coordinator=True,
    ),
    Verb("admin stats", "admin stats", "numbers for reports", coordinator=True),
    Verb("admin export", "admin export", "export the program's data", coordinator=True),
    Verb("admin end-match", "admin end-match <match>", "end a match", coordinator=True),
    Verb(
        "admin broadcast", "admin broadcast <text>", "message every participant", coordinator=True
    ),
)
VERB_NAMES = frozenset(v.name for v in PARTICIPANT_VERBS) | {"admin"}


def split_command(text: str, prefix: str) -> tuple[str, tuple[str, ...]] | None:
    """`/mentor join mentee` → (`join`, (`mentee`,)); None when `text` is not a command."""
    stripped = text.strip()
    if not stripped.lower().startswith(prefix.lower()):
        return None
    rest = stripped[len(prefix) :]
    if rest and not rest[0].isspace():
        return None
    words = rest.split()
    if not words:
        return "help", ()
    return words[0].lower(), tuple(words[1:])


def help_text(command: str, *, coordinator: bool, unknown: str | None = None) -> str:
    lines = []
    if unknown is not None:
        lines.append(f"I don't know the command `{unknown}`. Here is what I can do:")
    else:
        lines.append("*mentorbot* — mentoring, right here in chat. Commands:")
    lines.extend(f"• `{command} {v.usage}` — {v.summary}" for v in PARTICIPANT_VERBS)
    if coordinator:
        lines.append("*Coordinators*")
        lines.extend(f"• `{command} {v.usage}` — {v.summary}" for v in COORDINATOR_VERBS)
    return "\n".join(lines)
