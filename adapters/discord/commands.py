"""The `/mentor` command group, built from core's verb table, and read back (pure).

Every verb of `core.verbs` is a subcommand (`admin …` a nested group) with its summary as the
description and options read from its usage: `[mentor|mentee|both]` becomes a choice, anything
else one text option. A command interaction is read back into `(verb, args)` as if typed.
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
_CHOICES = re.compile(r"^\[?([a-z-]+(?:\|[a-z-]+)+)\]?$")


def _describe(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if len(text) <= DESCRIPTION else text[: DESCRIPTION - 1] + "…"


def _options(verb: Verb, prefix: str = "") -> list[dict[str, Any]]:
    """Options from the usage: a first word of alternatives is a choice, the rest one text."""
    words = verb.usage.removeprefix(prefix).split()[1:]
    if not words:  # verbs take more words than their usage shows (`goals add …`)
        return [
            {
                "type": STRING,
                "name": "details",
                "description": "More words, as you would type them after the command",
                "required": False,
            }
        ]
    options: list[dict[str, Any]] = []
    found = _CHOICES.match(words[0])
    if found and not words[0].startswith("<"):
        optional = words[0].startswith("[")
        options.append(
            {
                "type": STRING,
                "name": "choice",
                "description": "What to do",
                "required": not optional,
                "choices": [{"name": c, "value": c} for c in found.group(1).split("|")],
            }
        )
        words = words[1:]
    if words:
        required = any(w.startswith("<") for w in words) and not options
        options.append(
            {
                "type": STRING,
                "name": "details",
                "description": _describe(" ".join(words).strip("[]<>")),
                "required": required,
            }
        )
    return options


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
        for option in options:
            value = option.get("value")
            if value is not None:
                words.extend(str(value).split())
        break
    if not words:
        return "help", ()
    return words[0].lower(), tuple(words[1:])
