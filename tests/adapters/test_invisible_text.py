"""Text a person typed cannot reorder or hide text for the people who read it, on any platform.

Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and zero-width
characters (U+200B–U+200D, U+2060, U+FEFF) in a name, a goal or a broadcast are dropped before
any renderer sees them — except the joiners that are part of how something is written: an emoji
sequence (👩‍💻), an Indic conjunct, a Persian word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.render import render as discord
from adapters.matrix.render import render as matrix
from adapters.shell.render import render as shell
from adapters.slack.render import message as slack_message
from adapters.slack.text import mrkdwn as slack
from core.content import Prompt, Text
from core.identity import PlatformUser
from core.markup import WORD_JOINER, literal, mention, unmark
from tests.kit import Harness, enrol

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
BIDI_CONTROL = re.compile(f"[{BIDI}]")
MASS = re.compile(r"@(everyone|here|room|channel)\b", re.IGNORECASE)
EMOJI = "👩\u200d💻 ❤\ufe0f\u200d🔥 🏳\ufe0f\u200d🌈 🧑🏽\u200d🚀 🏃\u200d♀\ufe0f"
PERSIAN = "می\u200cخواهم"  # "I want": the non-joiner is spelling
DEVANAGARI = "क\u094d\u200dष"  # a half form: the joiner after the virama picks it


def _slack(markup: str) -> list[str]:
    """Slack's mrkdwn, and the whole message payload (blocks and notification text)."""
    return [slack(markup), json.dumps(slack_message([Text(markup)]), ensure_ascii=False)]


def _matrix(markup: str) -> list[str]:
    out = matrix(markup)
    return [out.body, out.formatted_body]


RENDERERS: dict[str, Callable[[str], list[str]]] = {
    "slack": _slack,
    "discord": lambda markup: [discord(markup)],
    "matrix": _matrix,
    "shell": lambda markup: [shell(markup)],
}
renderers = pytest.mark.parametrize("render", RENDERERS.values(), ids=RENDERERS.keys())


def shown(text: str) -> str:
    """What a reader sees of a rendered text, give or take escaping: defusing joiners removed."""
    return text.replace(WORD_JOINER, "")


@renderers
@pytest.mark.parametrize("control", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_bidi_controls_in_typed_text_are_dropped(
    render: Callable[[str], list[str]], control: str
) -> None:
    # "invoice" U+202E "fdp.exe" reads "invoiceexe.pdf": the name must show as typed, in order
    goal = literal(f"invoice{control}fdp.exe")
    for out in render(f"Goal of Ana: {goal} — well done"):
        assert control not in out
        assert "invoicefdp.exe" in shown(out).replace("\\", "")


@renderers
@pytest.mark.parametrize("invisible", ZERO_WIDTH, ids=[f"U+{ord(c):04X}" for c in ZERO_WIDTH])
def test_zero_width_characters_cannot_hide_a_mass_mention_or_disguise_a_name(
    render: Callable[[str], list[str]], invisible: str
) -> None:
    name, said = literal(f"a{invisible}na"), literal(f"@every{invisible}one hi")
    for out in render(f"From {name}: {said}"):
        assert invisible not in out.replace(f"@{WORD_JOINER}", "@")
        assert "ana" in out
        assert not MASS.search(out)  # the joiner gone, the mention is defused like any other


@renderers
@pytest.mark.parametrize("text", [EMOJI, PERSIAN, DEVANAGARI], ids=["emoji", "fa", "hi"])
def test_joiners_that_belong_to_the_writing_are_kept(
    render: Callable[[str], list[str]], text: str
) -> None:
    for out in render(f"Bio: {literal(text)}"):
        assert text in out


@renderers
def test_a_name_shown_in_place_of_a_mention_is_neutralised(
    render: Callable[[str], list[str]],
) -> None:
    elsewhere = PlatformUser("elsewhere", "w1", "u1")  # another platform: shown by name
    name = mention(elsewhere, "An\u202ea\u200b")
    for out in render(f"Hi {name}!"):
        assert not BIDI_CONTROL.search(out)
        assert "\u200b" not in out
        assert "Ana" in out


PIECES = [*BIDI, *ZERO_WIDTH, "@", "everyone", "here", "room", "channel", " ", "\n", "<", "*"]
PIECES += ["👩", "💻", "\ufe0f", "🏽", "a", "ب", "\u094d", "क"]
typed_text = st.lists(st.one_of(st.sampled_from(PIECES), st.characters()), max_size=30).map("".join)


def _joiner_in_context(out: str) -> bool:
    """Every ZWJ/ZWNJ left sits between non-ASCII characters, never inside a Latin word."""
    for found in re.finditer("[\u200c\u200d]", out):
        before = out[found.start() - 1] if found.start() else ""
        after = out[found.end()] if found.end() < len(out) else ""
        if not before or not after or before.isascii() or after.isascii():
            return False
    return True


@renderers
@given(typed_text)
def test_rendered_typed_text_has_no_bidi_control_and_no_mass_mention(
    render: Callable[[str], list[str]], text: str
) -> None:
    for out in render(f"{literal(text)} and {literal(text)}"):
        assert not BIDI_CONTROL.search(out)
        assert not MASS.search(out)
        assert not re.search("[\u200b\ufeff]", out)
        assert not re.search(f"(?<!@){WORD_JOINER}", out)  # only the renderer's own, after @
        assert _joiner_in_context(out)


async def test_a_name_and_a_goal_reach_the_other_person_without_bidi_controls(
    harness: Harness,
) -> None:
    mentor = "ben\u202edrow\u2066"  # a display name typed to look like another
    await enrol(harness, mentor, "mentor")
    await enrol(harness, "ana", goals="Lead\u202e a team\u200b within a year.")
    suggestions = await harness.say("ana", "/mentor request")
    prompt = harness.last["ana"]
    assert isinstance(prompt, Prompt)
    for text in [suggestions, *(unmark(choice.label) for choice in prompt.choices)]:
        assert not BIDI_CONTROL.search(text), text
        assert "BenDrow" in text  # as typed, in order
    await harness.click("ana", prompt.choices[0].id)
    (asked,) = [c for w, c in harness.port.sent if w.id == mentor]
    assert isinstance(asked, Prompt)
    assert "Lead a team within a year." in unmark(asked.text)


async def test_a_broadcast_reaches_everyone_without_bidi_controls(harness: Harness) -> None:
    await enrol(harness, "ana")
    sent = await harness.say(
        "coordinator", "/mentor admin broadcast Meet\u2067 at 5\u2069 \u202eok"
    )
    assert "Broadcast to 1 active participant: 1 delivered" in sent
    (note,) = harness.to("ana")
    assert "Meet at 5 ok" in note
    assert not BIDI_CONTROL.search(note)
