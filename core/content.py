"""Outbound content is intent, not widgets: adapters render it natively or as text.

Texts are written in core's neutral markup (`core.markup`: `*bold*`, `_italic_`, `` `code` ``,
code blocks, `•` bullets, links, mentions). Anything a person typed goes through `user_text()`
(`markup.literal`), so each adapter shows it verbatim in its platform's escaping: it can
neither ping a crowd nor inject markup when shown to others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core import markup
from core.programs.answers import choice_tokens
from core.programs.program import QuestionKind


@dataclass(frozen=True, slots=True)
class Text:
    body: str


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """A question with choices: buttons or a select natively, a numbered list as text."""

    id: str
    text: str
    choices: tuple[Choice, ...]
    multiple: bool = False
    max_choices: int | None = None
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class FormField:
    id: str
    label: str
    kind: QuestionKind
    required: bool = True
    options: tuple[Choice, ...] = ()
    max_length: int | None = None
    max_choices: int | None = None
    hint: str | None = None
    initial: Any = None


@dataclass(frozen=True, slots=True)
class Form:
    """Fields to fill in at once: a modal where the platform has them."""

    id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"
    intro: str | None = None
    step: int = 1  # of `steps`: a long questionnaire is cut to fit the platform (core.forms)
    steps: int = 1


@dataclass(frozen=True, slots=True)
class File:
    """A file to hand over (an export, a chart); platforms without files show `as_text()`."""

    name: str
    media_type: str
    data: bytes = field(repr=False)
    alt_text: str = ""

    def __post_init__(self) -> None:
        if not self.name or "/" in self.name or "\\" in self.name or self.name in (".", ".."):
            raise ValueError(f"a file name must be a plain name, not {self.name!r}")


Content = Text | Prompt | Form | File


@dataclass(slots=True)
class Reply:
    """What core answers the person who acted, shown where they acted.

    A `private` reply shows personal data: adapters show it only to that person (ephemeral,
    or in their direct messages), never in a shared room, whatever room they typed in.
    """

    messages: list[Content] = field(default_factory=list)
    form_errors: dict[str, str] = field(default_factory=dict)
    private: bool = False

    def say(self, *contents: Content | str) -> Reply:
        self.messages.extend(Text(c) if isinstance(c, str) else c for c in contents)
        return self

    def extend(self, other: Reply) -> Reply:
        """Add another reply's messages; the result is private if either was."""
        self.messages.extend(other.messages)
        self.form_errors.update(other.form_errors)
        self.private = self.private or other.private
        return self


def private_reply() -> Reply:
    """A reply showing personal data (see `Reply.private`)."""
    return Reply(private=True)


def user_text(text: str, *, limit: int = 1000) -> str:
    """Text a person typed, marked so every adapter shows it verbatim: no pings, no markup."""
    return markup.literal(text, limit=limit)


def plain(text: str) -> str:
    """Core's markup as plain text: markers removed, escapes resolved."""
    return markup.plain(text)


def plural(count: int, word: str, words: str | None = None) -> str:
    """`plural(1, "match", "matches")` → `1 match`; `plural(3, "mentee")` → `3 mentees`."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def plural_noun(noun: str) -> str:
    """`department` → `departments`, `country` → `countries`, `branch` → `branches`."""
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def listing(items: list[str] | tuple[str, ...]) -> str:
    """`Ana`, `Ana and Ben`, `Ana, Ben and Chen`: names or phrases as a sentence lists them."""
    if len(items) < 3:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def prompt_as_text(prompt: Prompt) -> str:
    lines = [prompt.text]
    lines.extend(
        f"  {i}. {markup.literal(choice.label)}" for i, choice in enumerate(prompt.choices, start=1)
    )
    if prompt.hint:
        lines.append(prompt.hint)
    elif prompt.multiple:
        most = f" (up to {prompt.max_choices})" if prompt.max_choices else ""
        lines.append(f"Reply with the numbers of your choices{most}, separated by commas.")
    else:
        lines.append("Reply with a number.")
    return "\n".join(lines)


def form_as_text(form: Form) -> str:
    step = f" (step {form.step} of {form.steps})" if form.steps > 1 else ""
    lines = [f"*{markup.literal(form.title)}*{step}"]
    if form.intro:
        lines.append(form.intro)
    for number, item in enumerate(form.fields, start=1):
        optional = "" if item.required else " (optional)"
        lines.append(f"{number}. {markup.literal(item.label)}{optional}")
        lines.extend(f"     - {markup.literal(choice.label)}" for choice in item.options)
    return "\n".join(lines)


def as_text(content: Content) -> str:
    """The text fallback for platforms without native widgets."""
    if isinstance(content, Text):
        return content.body
    if isinstance(content, Prompt):
        return prompt_as_text(content)
    if isinstance(content, File):
        return file_as_text(content)
    return form_as_text(content)


def file_as_text(file: File) -> str:
    """What a platform without files shows instead: the name, the description, the size."""
    size = f"{len(file.data):,} bytes"
    about = f" — {user_text(file.alt_text, limit=300)}" if file.alt_text else ""
    return f"📎 {user_text(file.name, limit=200)}{about} ({size}; files can't be shown here)"


def parse_choice_text(prompt: Prompt, text: str) -> tuple[str, ...] | None:
    """Read a typed answer to a prompt: numbers (`2`, `1, 3`) or labels (a label may contain
    commas: the whole text is tried as one first). None if it is not one."""
    labels = [c.label for c in prompt.choices] + [c.id for c in prompt.choices]
    tokens = choice_tokens(text, labels)
    if not tokens:
        return None
    chosen: list[str] = []
    for token in tokens:
        token = token.strip()
        if token.isdecimal() and 1 <= int(token) <= len(prompt.choices):
            chosen.append(prompt.choices[int(token) - 1].id)
            continue
        match = next(
            (c for c in prompt.choices if token.lower() in (c.id.lower(), c.label.lower())), None
        )
        if match is None:
            return None
        chosen.append(match.id)
    if not prompt.multiple and len(chosen) != 1:
        return None
    return tuple(dict.fromkeys(chosen))
