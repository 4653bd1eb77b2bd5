"""Text rules of Slack: escaping, core's limited markdown as mrkdwn, lengths, channel names."""

from __future__ import annotations

import re
import unicodedata

CORE_ESCAPE = re.compile(r"\\([*_~`>|\\\[\]])")
NOT_IN_NAME = re.compile(r"[^a-z0-9_-]+")
DASHES = re.compile(r"-{2,}")
CHANNEL_NAME_MAX = 80


def escape(text: str) -> str:
    """Escape Slack's control characters, so no text can carry `<!channel>` or `<@U…>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(markdown: str) -> str:
    """Core's limited markdown is Slack mrkdwn already; resolve core's backslash escapes, escape."""
    return escape(CORE_ESCAPE.sub(r"\1", markdown))


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, with an ellipsis when shortened."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


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
