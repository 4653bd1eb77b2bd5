"""The `custom_id`s mentorbot puts on Discord components (each at most 100 characters).

* a prompt's button: `<prompt id>¦<choice id>`; a prompt's select: `<prompt id>` (its values
  are the choice ids); a prompt too long for that, or with more than 25 choices: selects
  `<prompt id>¦#<n>`;
* a step of a form: `mb¦<form key>¦<action>` (`next`, `back`, `f:<field id>`), its modal
  `mb¦<key>¦modal`.

Prompt ids are percent-escaped ASCII (`core.prompt_ids`), so they never contain `¦`: the first
`¦` always ends the prompt id. They come from the prompt registry, so a button on a message sent
before a restart still names its prompt.
"""

from __future__ import annotations

from dataclasses import dataclass

SEP = "¦"
MAX = 100
OURS = f"mb{SEP}"


def button(prompt_id: str, choice_id: str) -> str | None:
    """The id of a prompt's button, or None when it would not fit in 100 characters."""
    found = f"{prompt_id}{SEP}{choice_id}"
    return found if len(found) <= MAX else None


def select(prompt_id: str, part: int | None = None) -> str:
    return prompt_id if part is None else f"{prompt_id}{SEP}#{part}"


def form(key: str, action: str) -> str:
    return f"{OURS}{key}{SEP}{action}"[:MAX]


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a `custom_id` names: a prompt (and a button's choice), or a form step."""

    prompt_id: str = ""
    choice_id: str | None = None
    form_key: str = ""
    action: str = ""


def parse(custom_id: str) -> Parsed:
    if custom_id.startswith(OURS):
        key, _, action = custom_id[len(OURS) :].partition(SEP)
        return Parsed(form_key=key, action=action)
    prompt_id, sep, rest = custom_id.partition(SEP)
    if not sep or rest.startswith("#"):
        return Parsed(prompt_id=prompt_id)
    return Parsed(prompt_id=prompt_id, choice_id=rest)
