"""The `/mentor` command group, built from core's verb table, and read back (pure).

Every verb of `core.verbs` is a subcommand (`admin …` a nested group) with its summary as the
description and options read from its usage: `[mentor|mentee|both]` becomes a choice, anything
else one text option, and a last optional `program` names the program where several run in the
server. A command interaction is read back into `(verb, args)` as if typed, the program first
(`/mentor admin status second`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from core.commands import Verb

SUB_COMMAND, SUB_COMMAND_GROUP, STRING = 1, 2, 3
CHAT_INPUT = 1
DESCRIPTION = 100
NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
_CHOICES = re.compile(r"^(\[)?([a-z-]+(?:\|[a-z-]+)*)$")
INTEGER = 4
# Placeholders of the verb table's usages, as typed options: (type, name, description, required)
TYPED: dict[str, tuple[int, str, str, bool]] = {
    "<match>": (INTEGER, "match", "The match's number, as admin status shows it", True),
    "<text>": (STRING, "text", "The message to send", True),
    "[2w|10d|…": (STRING, "duration", "How long, e.g. 2w or 10d", False),
    "N": (INTEGER, "number", "Which one, by its number", False),
    "48h": (STRING, "when", "When, e.g. 48h (for schedule)", False),
}
MORE = (STRING, "details", "More words, as you would type them after the command", False)
PROGRAM = "program"  # every subcommand's last option: typed first after the verb, like core reads
PROGRAM_OPTION = (STRING, PROGRAM, "Which program, by id (where more than one runs here)", False)
FREE_WORDS = frozenset({"goals"})  # takes `add <text>`, `done N`, … though its usage shows none


def _describe(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if len(text) <= DESCRIPTION else text[: DESCRIPTION - 1] + "…"


def _option(kind: int, name: str, description: str, required: bool) -> dict[str, Any]:
    return {"type": kind, "name": name, "description": description, "required": required}


def _options(verb: Verb, prefix: str = "") -> list[dict[str, Any]]:
    """Options from the usage: a first word of alternatives (`[mentor|mentee|both]`,
    `preview|commit|schedule`) is a choice; known placeholders (`<match>`, `N`, `48h`) are
    typed options; a verb without any takes free words (`goals add …`)."""
    words = [w.rstrip("]") for w in verb.usage.split()][len(prefix.split()) + 1 :]
    options: list[dict[str, Any]] = []
    found = _CHOICES.match(words[0]) if words else None
    if found and (found.group(1) or "|" in found.group(2)):
        choices = [{"name": c, "value": c} for c in found.group(2).split("|")]
        options.append({**_option(STRING, "choice", "What to do", not found.group(1)),
                        "choices": choices})  # fmt: skip
        words = words[1:]
    for word in words:
        options.append(_option(*TYPED.get(word, MORE)))
    if not options and verb.name in FREE_WORDS:
        options.append(_option(*MORE))
    return [*options, _option(*PROGRAM_OPTION)]


def definition(
    name: str, verbs: Sequence[Verb], admin: Sequence[Verb], description: str
) -> dict[str, Any]:
    """The one chat-input command, e.g. `/mentor`, with a subcommand per verb."""
    subcommands: list[dict[str, Any]] = []
    for verb in verbs:
        if verb.name == "admin":
            continue
        subcommands.append(
            {
                "type": SUB_COMMAND,
                "name": verb.name,
                "description": _describe(verb.summary),
                "options": _options(verb),
            }
        )
    if admin:
        subcommands.append(
            {
                "type": SUB_COMMAND_GROUP,
                "name": "admin",
                "description": "Coordinator commands",
                "options": [
                    {
                        "type": SUB_COMMAND,
                        "name": verb.name,
                        "description": _describe(verb.summary),
                        "options": _options(verb, "admin "),
                    }
                    for verb in admin
                ],
            }
        )
    return {
        "type": CHAT_INPUT,
        "name": name.lstrip("/"),
        "description": _describe(description),
        "options": subcommands,
    }


def read(data: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """`data` of a command interaction → (verb, args) as if `/mentor verb args…` was typed."""
    words: list[str] = []
    options: Sequence[Mapping[str, Any]] = data.get("options") or []
    while options:
        first = options[0]
        if first.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            words.append(str(first.get("name")))
            options = first.get("options") or []
            continue
        ordered = sorted(options, key=lambda o: o.get("name") != PROGRAM)  # the program first
        for option in ordered:
            value = option.get("value")
            if value is not None:
                words.extend(str(value).split())
        break
    if not words:
        return "help", ()
    return words[0].lower(), tuple(words[1:])
