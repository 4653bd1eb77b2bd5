"""Outbound content is intent, not widgets: adapters render it natively or as text.

`Text` carries limited markdown (`*bold*`, `_italic_`, `` `code` ``, `•` bullets) written by
core. Anything a person typed goes through `user_text()` first, so it can neither ping a
crowd (`@everyone`, `@here`, `@room`, `<!channel>`) nor inject markup when shown to others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

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


Content = Text | Prompt | Form


@dataclass(slots=True)
class Reply:
    """What core answers the person who acted, shown where they acted."""

    messages: list[Content] = field(default_factory=list)
    form_errors: dict[str, str] = field(default_factory=dict)

    def say(self, *contents: Content | str) -> Reply:
        self.messages.extend(Text(c) if isinstance(c, str) else c for c in contents)
        return self


_MASS_MENTION = re.compile(r"@(everyone|here|room|channel)\b", re.IGNORECASE)
_SLACK_CONTROL = re.compile(r"<\s*[!@#]")
_MARKUP = re.compile(r"([*_~`>|\\\[\]])")
WORD_JOINER = "\u2060"


def user_text(text: str, *, limit: int = 1000) -> str:
    """Make text a person typed safe to show others: no mass pings, no markup, bounded length."""
    cleaned = "".join(ch for ch in text if ch == "\n" or ch >= " ")[:limit]
    cleaned = _MASS_MENTION.sub(lambda m: f"@{WORD_JOINER}{m.group(1)}", cleaned)
    cleaned = _SLACK_CONTROL.sub(lambda m: m.group(0).replace("<", "‹"), cleaned)
    return _MARKUP.sub(r"\\\1", cleaned)


_BOLD_ITALIC = re.compile(r"(?<![\\\w])([*_])(?=\S)(.+?)(?<=\S)(?<!\\)\1(?!\w)")
_ESCAPED = re.compile(r"\\([*_~`>|\\\[\]])")


def plain(markdown: str) -> str:
    """Limited markdown as plain text: markers removed, escapes resolved (shell, Matrix body)."""
    return _ESCAPED.sub(r"\1", _BOLD_ITALIC.sub(r"\2", markdown))


def plural(count: int, word: str, words: str | None = None) -> str:
    """`plural(1, "match", "matches")` → `1 match`; `plural(3, "mentee")` → `3 mentees`."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def prompt_as_text(prompt: Prompt) -> str:
    lines = [prompt.text]
    lines.extend(f"  {i}. {choice.label}" for i, choice in enumerate(prompt.choices, start=1))
    if prompt.hint:
        lines.append(prompt.hint)
    elif prompt.multiple:
        most = f" (up to {prompt.max_choices})" if prompt.max_choices else ""
        lines.append(f"Reply with the numbers of your choices{most}, separated by commas.")
    else:
        lines.append("Reply with a number.")
    return "\n".join(lines)


def form_as_text(form: Form) -> str:
    lines = [f"*{form.title}*" + (f" (step {form.step} of {form.steps})" if form.steps > 1 else "")]
    if form.intro:
        lines.append(form.intro)
    for number, item in enumerate(form.fields, start=1):
        optional = "" if item.required else " (optional)"
        lines.append(f"{number}. {item.label}{optional}")
        lines.extend(f"     - {choice.label}" for choice in item.options)
    return "\n".join(lines)


def as_text(content: Content) -> str:
    """The text fallback for platforms without native widgets."""
    if isinstance(content, Text):
        return content.body
    if isinstance(content, Prompt):
        return prompt_as_text(content)
    return form_as_text(content)


def parse_choice_text(prompt: Prompt, text: str) -> tuple[str, ...] | None:
    """Read a typed answer to a prompt: numbers (`2`, `1, 3`) or labels. None if it is not one."""
    tokens = [t for t in re.split(r"[,;]+|\s+(?=\d)", text.strip()) if t.strip()]
    if not tokens:
        return None
    chosen: list[str] = []
    for token in tokens:
        token = token.strip()
        if token.isdigit() and 1 <= int(token) <= len(prompt.choices):
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
