"""Text cut to a length is cut at a word, with an ellipsis: one helper (`core.markup.shorten`)
used by every place that shortens what people read."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.text import clip
from core.content import user_text
from core.forms import short_label
from core.markup import ELLIPSIS, shorten, unmark


def test_a_long_text_is_cut_at_a_word_with_an_ellipsis() -> None:
    assert shorten("Ben offers both topics you asked for", 20) == "Ben offers both…"
    assert shorten("short", 20) == "short"
    assert shorten("one, two, three", 11) == "one, two…"  # no dangling comma


def test_one_long_word_is_cut_inside_it() -> None:
    assert shorten("https://example.org/a/very/long/path", 12) == "https://exa…"


def test_every_shortening_place_uses_it() -> None:
    text = "I would like to grow as a leader and learn to give talks"
    assert unmark(user_text(text, limit=30)) == "I would like to grow as a…"
    assert short_label(text, 30) == "I would like to grow as a…"
    assert clip(text, 30) == "I would like to grow as a…"


@given(st.text(alphabet=st.sampled_from("ab c,.\n")), st.integers(0, 40))
def test_shortened_text_fits_and_keeps_the_start(text: str, limit: int) -> None:
    cut = shorten(text, limit)
    assert len(cut) <= limit or cut == text
    if cut == text:
        return
    assert limit > 0 or cut == ""
    if cut:
        assert cut.endswith(ELLIPSIS)
        kept = cut.removesuffix(ELLIPSIS)
        assert text.startswith(kept)
        room = limit - len(ELLIPSIS)
        whole_words = " " in text[limit // 2 : room] or text[room : room + 1].isspace()
        if whole_words:  # a word boundary in reach: no word is cut in two
            assert not text[len(kept)].isalpha() or not kept or not kept[-1].isalpha()
