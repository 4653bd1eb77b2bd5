"""Core's neutral markup as terminal text: markers removed, nothing that can steer a terminal.

Text a person typed is shown as typed, minus control characters (an `ESC` could recolour or
rewrite the screen), and `@everyone`-style mass mentions are defused as on every platform.
"""

from __future__ import annotations

import re

from core.markup import CodeBlock, Kind, Span, defuse_mass_mentions, parse

PLATFORM = "shell"
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    return defuse_mass_mentions(_CONTROL.sub("", text))


def _span(span: Span) -> str:
    if span.kind is Kind.LINK and span.url and span.url != span.text:
        return f"{_clean(span.text)} ({_clean(span.url)})"
    if span.kind is Kind.MENTION:
        name = span.user.user_id if span.user and span.user.platform == PLATFORM else span.text
        return "@" + _clean(name)
    return _clean(span.text)


def render(markup: str) -> str:
    """The plain text of a core text, one terminal line per line."""
    lines: list[str] = []
    for block in parse(markup):
        if isinstance(block, CodeBlock):
            lines.extend(_clean(line) for line in block.text.split("\n"))
            continue
        words = "".join(_span(span) for span in block.spans)
        lines.append(" " * block.indent + ("• " if block.bullet else "") + words)
    return "\n".join(lines)
