"""The prompt id codec: short enough for every platform, stable, and read back as written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.prompt_ids import MAX_LENGTH, PromptId, arg_parts, digest

KINDS = st.sampled_from(["role", "policy", "q", "checkin", "goal", "feedback", "end", "form"])


@given(program=st.text(min_size=1), kind=KINDS, arg=st.text())
def test_any_id_fits_and_reads_back(program: str, kind: str, arg: str) -> None:
    prompt = PromptId(program, kind, arg)
    encoded = prompt.encode()
    assert len(encoded) <= MAX_LENGTH
    assert encoded == PromptId(program, kind, arg).encode()  # stable: nothing random
    decoded = PromptId.decode(encoded)
    assert decoded is not None
    assert decoded.kind == kind
    assert decoded.names_program(program)
    assert decoded.is_about(arg)
    assert decoded.same_as(prompt)
    if len(encoded) < 60 and "~" not in encoded:
        assert decoded == prompt


@given(program=st.from_regex(r"[a-z][a-z0-9_-]{0,63}", fullmatch=True), arg=st.text(max_size=40))
def test_program_ids_of_valid_programs_read_back_exactly_when_short(program: str, arg: str) -> None:
    decoded = PromptId.decode(PromptId(program, "q", arg).encode())
    assert decoded is not None
    if len(program) <= 32:
        assert decoded.program == program
    else:
        assert decoded.program == digest(program)


def test_longest_real_ids_fit_and_a_digest_is_not_mistaken() -> None:
    program, question = "p" * 64, "q" * 64
    encoded = PromptId(program, "q", question).encode()
    assert len(encoded) <= MAX_LENGTH
    decoded = PromptId.decode(encoded)
    assert decoded is not None
    assert decoded.names_program(program)
    assert not decoded.names_program("p" * 63)
    assert decoded.is_about(question)
    assert not decoded.is_about("q" * 63)


def test_ids_written_before_the_codec_still_decode() -> None:
    assert PromptId.decode("mentoring:role") == PromptId("mentoring", "role", "")
    assert PromptId.decode("mentoring:checkin:12:3") == PromptId("mentoring", "checkin", "12:3")
    assert PromptId("mentoring", "checkin", "12:3").encode() == "mentoring:checkin:12%3A3"


@given(st.text())
def test_anything_else_decodes_to_none_or_an_id_without_raising(text: str) -> None:
    decoded = PromptId.decode(text)
    assert decoded is None or isinstance(decoded, PromptId)


def test_foreign_ids_are_refused() -> None:
    assert PromptId.decode("") is None
    assert PromptId.decode("mentor_reopen") is None
    assert PromptId.decode("x:NOT A KIND:y") is None


@given(
    parts=st.lists(
        st.text(alphabet=st.characters(blacklist_characters=":"), min_size=1), max_size=3
    )
)
def test_an_arg_of_several_parts_reads_back_part_by_part(parts: list[str]) -> None:
    prompt = PromptId.of("mentoring", "checkin", *parts)
    decoded = PromptId.decode(prompt.encode())
    assert decoded is not None
    if decoded.arg == prompt.arg:  # not digested
        assert arg_parts(decoded.arg, len(parts)) == (tuple(parts) if parts else None)


def test_parts_with_the_separator_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot contain"):
        PromptId.of("mentoring", "checkin", "a:b")
    assert arg_parts("12:3", 2) == ("12", "3")
    assert arg_parts("12", 2) is None
    assert arg_parts("12:", 2) is None
