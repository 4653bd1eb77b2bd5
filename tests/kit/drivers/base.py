"""What a conformance driver offers: one person at a time acting through a real adapter.

People are named `ana` (a mentee), `ben` (a mentor) and `cora` (a coordinator) in every
driver, plus `cy` (another mentee) and `dee` (coordinator of a second program only, where a
test adds one); each maps them to users of its platform. Answers to the questionnaire are given by
question id, choices by their option values (`["career", "leadership"]`), a skipped optional
question as `None` — each driver turns them into what a person does on its platform (typed
numbers in the shell, a modal on Slack).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from core.programs.program import Program, QuestionKind

Answer = str | list[str] | None
Answers = Mapping[str, Answer]

PROMPT_REGISTRY = "a persisted prompt registry (prompts answerable after a restart)"
PRIVATE_REPLIES = "a `private` flag on replies (shown only to the person, even in a shared room)"


@dataclass(frozen=True, slots=True)
class Joined:
    """How a join went: the reason an invalid answer was refused, and the last thing shown."""

    reason: str = ""  # what the person was told about the first (invalid) try; "" if none
    asked_again: bool = False  # the same question was put to them again after it
    done: str = ""  # what the person saw after accepting the policy


@dataclass(frozen=True, slots=True)
class Space:
    """A match's private space as the platform shows it."""

    id: str
    members: frozenset[str] = field(default_factory=frozenset)  # people's names, not ids


class Driver(Protocol):
    """A running bot behind one adapter, driven from the outside (see `tests/kit/scenario.py`)."""

    platform: str
    lacks: frozenset[str]
    """Features this adapter is known to lack today (`PROMPT_REGISTRY`, `PRIVATE_REPLIES`):
    scenario steps that need them are expected to fail here, and xfail with that reason."""

    async def join(
        self, who: str, role: str, answers: Answers, *, first_try: Answers | None = None
    ) -> Joined:
        """`/mentor join <role>`, answer everything (`first_try` values first, where given),
        then accept the policy."""
        ...

    async def say(self, who: str, line: str, *, in_space: str | None = None) -> str:
        """Type `line` (a `/mentor …` command or text) in their DM, or in a space; returns
        everything shown to them (privately, or in that space) as a result."""
        ...

    async def click(self, who: str, label: str, *, in_space: str | None = None) -> str:
        """Pick the choice labelled `label` in the newest prompt showing it (their DM and
        private views, or the space); returns what was shown to them as a result."""
        ...

    async def advance(self, delta: timedelta) -> None:
        """Let time pass and deliver whatever falls due, as the running bot's scheduler does."""
        ...

    async def restart(self) -> None:
        """Stop the bot and the adapter and build both again on the same database (the
        platform itself — the fake remote server, or the shell's terminal — stays)."""
        ...

    def messages_to(self, who: str) -> list[str]:
        """Everything shown to the person alone (DMs, ephemeral replies, modals), oldest first."""
        ...

    def files_to(self, who: str) -> list[tuple[str, bytes]]:
        """Every file the bot sent the person alone (an export, `my-data`): name and bytes,
        oldest first."""
        ...

    def messages_in(self, space: str) -> list[str]:
        """Everything shown in a space to all its members, oldest first."""
        ...

    def space_of(self, *people: str) -> Space | None:
        """The newest space whose members include all of `people`, if any."""
        ...

    async def close(self) -> None: ...


CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTI_CHOICE)


def typed(program: Program, question_id: str, answer: Answer) -> str:
    """What a person types on a text-only platform: the numbers of the choices as listed,
    `skip`, or the text."""
    if answer is None:
        return "skip"
    question = next(q for q in program.questions if q.id == question_id)
    values = [o.value for o in question.options]
    if question.kind in CHOICE_KINDS and isinstance(answer, list):
        return ", ".join(str(values.index(a) + 1) if a in values else a for a in answer)
    if question.kind in CHOICE_KINDS and answer in values:
        return str(values.index(answer) + 1)
    return str(answer)


async def join_by_typing(
    program: Program,
    say: Callable[[str], Awaitable[str]],
    click: Callable[[str], Awaitable[str]],
    role: str,
    answers: Answers,
    first_try: Answers | None,
) -> Joined:
    """`join` as a conversation (shell, Matrix): each answer typed, then the policy accepted."""
    asked = await say(f"/mentor join {role}")
    reason, again = "", False
    for question in program.questions:
        if question.ask.value not in (role, "both"):
            continue
        if first_try and question.id in first_try:
            reason = await say(typed(program, question.id, first_try[question.id]))
            again = question.prompt in reason
        asked = await say(typed(program, question.id, answers[question.id]))
    assert "policy" in asked.lower(), asked
    return Joined(reason, again, await click("I accept"))
