"""Core's neutral markup on every platform: formatting where core asked for it, and text a person
typed shown as typed — never a ping, a mention, a tag, markup or a terminal escape."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.render import render as discord
from adapters.matrix.render import render as matrix
from adapters.shell.render import render as shell
from adapters.slack.text import mrkdwn as slack
from core.identity import PlatformUser
from core.markup import (
    WORD_JOINER,
    CodeBlock,
    Kind,
    Line,
    Span,
    escape,
    literal,
    mention,
    neutralise,
    parse,
    plain,
    unmark,
)

SAMPLE = (
    "*Match preview* — _nothing changed_\n"
    "• Send `/mentor help` or read [the guide](https://example.org/guide)\n"
    "```\nraw *text*\n```\n"
    "Hello {who}, \\*not bold\\*"
)
HOSTILE = [
    "@everyone look",
    "@HERE",
    "@room",
    "@channel",
    "<!channel> <!here|here> <!subteam^S1>",
    "<@U0BEN> <@123456> <@&987> <#C0GENERAL> <t:1700000000>",
    "*bold* _it_ ~strike~ `code` ```block```",
    "[click](https://evil.example) <https://evil.example|x>",
    "<script>alert(1)</script> &amp; <b>bold</b>",
    "\x1b[2J\x1b[31mred\x07",
    "line one\n```\n• fake bullet\n# heading\n> quote",
]
MASS = re.compile(r"@(everyone|here|room|channel)\b", re.IGNORECASE)
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.sampled_from(list("@<>!&#*_~`|[]()\\:everyonhcaml \n\x1b")), max_size=60),
    st.text(max_size=80),
)


def typed(text: str) -> str:
    """What `literal` keeps of a person's text (control characters go, newlines stay, and so
    does nothing that reorders or hides text: tested in `test_invisible_text.py`)."""
    return neutralise(re.sub(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\ue000-\ue004]", "", text))


def sample(who: str) -> str:
    return SAMPLE.format(who=who)


# --- the parser -----------------------------------------------------------------------------


def test_parse_reads_every_construct() -> None:
    ana = PlatformUser("slack", "T1", "U0ANA")
    blocks = parse(sample(mention(ana, "Ana")))
    first, bullet, code, last = blocks
    assert isinstance(first, Line)
    assert first.spans[0] == Span(Kind.TEXT, "Match preview", bold=True)
    assert first.spans[-1] == Span(Kind.TEXT, "nothing changed", italic=True)
    assert isinstance(bullet, Line)
    assert bullet.bullet
    assert Span(Kind.CODE, "/mentor help") in bullet.spans
    assert Span(Kind.LINK, "the guide", url="https://example.org/guide") in bullet.spans
    assert code == CodeBlock("raw *text*")
    assert isinstance(last, Line)
    assert Span(Kind.MENTION, "Ana", user=ana) in last.spans
    assert last.spans[-1] == Span(Kind.TEXT, ", *not bold*")


def test_an_unclosed_or_labelled_fence_is_still_code() -> None:
    assert parse("```csv\na,b\n```\nafter") == [
        CodeBlock("a,b"),
        Line((Span(Kind.TEXT, "after"),)),
    ]
    assert parse("x\n```\n*y*") == [Line((Span(Kind.TEXT, "x"),)), CodeBlock("*y*")]


def test_escape_and_plain_and_unmark() -> None:
    assert parse(escape("2 * 3 = _six_"))[0] == Line((Span(Kind.TEXT, "2 * 3 = _six_"),))
    assert plain("*Hi* _there_ [docs](https://x.org)") == "Hi there docs (https://x.org)"
    assert unmark(f"a {literal('*b*')} {mention(PlatformUser('x', 'w', 'u1'))}") == "a *b* u1"


@given(hostile_text)
def test_a_literal_is_one_span_per_line_with_the_text_as_typed(text: str) -> None:
    lines = parse(f"x {literal(text)} y")
    got = [
        "".join(s.text for s in block.spans if s.kind is Kind.LITERAL)
        for block in lines
        if isinstance(block, Line)
    ]
    assert "\n".join(got) == typed(text)
    assert not any(isinstance(block, CodeBlock) for block in lines)


# --- Slack mrkdwn ---------------------------------------------------------------------------


def test_slack_formats_what_core_asked_for() -> None:
    out = slack(sample(mention(PlatformUser("slack", "T1", "U0ANA"), "Ana")))
    assert out.startswith("*Match preview* — _nothing changed_\n")
    assert "• Send `/mentor help` or read <https://example.org/guide|the guide>" in out
    assert "```\nraw *text*\n```" in out
    assert "Hello <@U0ANA>, *not bold*" in out  # the escaped stars come out as plain stars
    other = slack(f"Hi {mention(PlatformUser('discord', 'g', '123'), 'Bo')}")
    assert other == "Hi Bo"  # a person of another platform is named, not mentioned


@given(hostile_text)
def test_slack_shows_typed_text_verbatim_and_inert(text: str) -> None:
    out = slack(literal(text))
    assert "<" not in out
    assert ">" not in out
    assert not re.search(r"&(?!amp;|lt;|gt;)", out)
    assert not MASS.search(out)
    assert not re.search(r"[*_~`]", out)  # markers became look-alikes
    shown = html.unescape(out).replace(WORD_JOINER, "")
    assert shown.translate(str.maketrans("∗ˍ∼ˋ", "*_~`")) == typed(text)


def test_slack_bold_around_typed_text_keeps_the_text_inert() -> None:
    assert slack(f"Hi *{literal('<!here> *x*')}*") == "Hi *&lt;!here&gt; ∗x∗*"


# --- Discord markdown ------------------------------------------------------------------------


def test_discord_formats_what_core_asked_for() -> None:
    out = discord(sample(mention(PlatformUser("discord", "g1", "123456"), "Ana")))
    assert out.startswith("**Match preview** — _nothing changed_\n")
    assert "- Send `/mentor help` or read [the guide](https://example.org/guide)" in out
    assert "```\nraw *text*\n```" in out
    assert "Hello <@123456>, \\*not bold\\*" in out


def discord_unescape(text: str) -> str:
    """What Discord shows: a backslash before any non-alphanumeric character is dropped."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", text)


@given(hostile_text)
def test_discord_shows_typed_text_verbatim_and_inert(text: str) -> None:
    out = discord(literal(text))
    assert not MASS.search(out)
    assert not re.search(r"(?<!\\)<[@#&:t]", out)  # no user, role, channel or time mention
    assert not re.search(r"(?<!\\)[*_~`|\[\]]", out)  # every marker escaped
    assert discord_unescape(out).replace(WORD_JOINER, "") == typed(text)


# --- Matrix HTML ---------------------------------------------------------------------------


def test_matrix_formats_what_core_asked_for() -> None:
    ana = PlatformUser("matrix", "example.org", "@ana:example.org")
    out = matrix(sample(mention(ana, "Ana")))
    assert out.formatted_body.startswith("<strong>Match preview</strong> — <em>nothing changed")
    assert (
        '<ul><li>Send <code>/mentor help</code> or read <a href="https://example.org/guide">'
        in (out.formatted_body)
    )
    assert "<pre><code>raw *text*</code></pre>" in out.formatted_body
    assert 'Hello <a href="https://matrix.to/#/@ana:example.org">Ana</a>' in out.formatted_body
    assert out.body.splitlines()[0] == "Match preview — nothing changed"
    assert "• Send /mentor help or read the guide (https://example.org/guide)" in out.body
    assert out.content()["format"] == "org.matrix.custom.html"


@given(hostile_text)
def test_matrix_shows_typed_text_verbatim_and_inert(text: str) -> None:
    out = matrix(literal(text))
    assert not re.search(r"<(?!br>)", out.formatted_body)  # no tag but core's line breaks
    assert not MASS.search(out.body)
    assert not MASS.search(out.formatted_body)
    shown = html.unescape(out.formatted_body.replace("<br>", "\n")).replace(WORD_JOINER, "")
    assert shown == typed(text)
    assert out.body.replace(WORD_JOINER, "") == typed(text)


# --- the shell -------------------------------------------------------------------------------


def test_shell_shows_plain_text() -> None:
    out = shell(sample(mention(PlatformUser("shell", "local", "ana"), "Ana")))
    assert out.splitlines() == [
        "Match preview — nothing changed",
        "• Send /mentor help or read the guide (https://example.org/guide)",
        "raw *text*",
        "Hello @ana, *not bold*",
    ]


@given(hostile_text)
def test_shell_shows_typed_text_without_terminal_controls(text: str) -> None:
    out = shell(f"From ana: {literal(text)}")
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)
    assert not MASS.search(out)
    assert out.replace(WORD_JOINER, "") == "From ana: " + typed(text)
