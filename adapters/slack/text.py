"""Text rules of Slack: escaping, core's neutral markup as mrkdwn, lengths, channel names."""

from __future__ import annotations

import re
import unicodedata

from core.markup import CodeBlock, Kind, Span, defuse_mass_mentions, parse, shorten

PLATFORM = "slack"
# mrkdwn has no escape for its markers: in text a person typed they become look-alikes.
LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})
NOT_IN_NAME = re.compile(r"[^a-z0-9_-]+")
DASHES = re.compile(r"-{2,}")
CHANNEL_NAME_MAX = 80


def escape(text: str) -> str:
    """Escape Slack's control characters, so no text can carry `<!channel>` or `<@U…>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def literal(text: str) -> str:
    """Text a person typed, shown verbatim: no markers, no `<!channel>`, no `@here`."""
    return escape(defuse_mass_mentions(text.translate(LOOKALIKES)))


def _span(span: Span) -> str:
    if span.kind is Kind.CODE:
        text = f"`{escape(span.text.replace('`', 'ˋ'))}`"
    elif span.kind is Kind.LINK and span.url:
        url = span.url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
        text = f"<{url}|{literal(span.text)}>"
    elif span.kind is Kind.MENTION and span.user and span.user.platform == PLATFORM:
        text = f"<@{re.sub(r'[^A-Za-z0-9]', '', span.user.user_id)}>"
    elif span.kind in (Kind.LITERAL, Kind.MENTION):
        text = literal(span.text)
    else:
        text = escape(defuse_mass_mentions(span.text))
    if span.italic and text:
        text = f"_{text}_"
    if span.bold and text:
        text = f"*{text}*"
    return text


def mrkdwn(markup: str) -> str:
    """Core's neutral markup as Slack mrkdwn, every text escaped (`&`, `<`, `>`)."""
    lines: list[str] = []
    for block in parse(markup):
        if isinstance(block, CodeBlock):
            body = escape(defuse_mass_mentions(block.text.replace("```", "ˋˋˋ")))
            lines.append(f"```\n{body}\n```")
            continue
        words = "".join(_span(span) for span in block.spans)
        lines.append(" " * block.indent + ("• " if block.bullet else "") + words)
    return "\n".join(lines)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word with an ellipsis when shortened."""
    return shorten(text, limit)


def chunks(text: str, limit: int) -> list[str]:
    """Split at line breaks into pieces of at most `limit` characters (a line longer is cut)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            candidate = line
        current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def channel_name(name: str, suffix: str = "") -> str:
    """A valid channel name: lowercase letters, digits, `-`, `_`; at most 80 characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = DASHES.sub("-", NOT_IN_NAME.sub("-", ascii_name.lower())).strip("-_") or "mentoring"
    slug = slug[: CHANNEL_NAME_MAX - len(suffix)].rstrip("-_") or "mentoring"
    return f"{slug}{suffix}"
