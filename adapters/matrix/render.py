"""Core's neutral markup as a Matrix message: HTML (`formatted_body`) with a plain `body`.

Pure; no SDK. Everything is HTML-escaped, so text a person typed can carry no tags, links or
pills. `@room` is defused in both bodies (Matrix clients ping on the plain body's text), and
mentions of Matrix users become pills (`https://matrix.to/#/@user:server`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote

from core.markup import CodeBlock, Kind, Line, Span, defuse_mass_mentions, parse

PLATFORM = "matrix"
FORMAT = "org.matrix.custom.html"


@dataclass(frozen=True, slots=True)
class MatrixText:
    """`body` and `formatted_body` of an `m.text`/`m.notice` event."""

    body: str
    formatted_body: str

    def content(self, msgtype: str = "m.notice") -> dict[str, str]:
        return {
            "msgtype": msgtype,
            "body": self.body,
            "format": FORMAT,
            "formatted_body": self.formatted_body,
        }


def _safe(text: str) -> str:
    return html.escape(defuse_mass_mentions(text), quote=True)


def _pill(span: Span) -> tuple[str, str]:
    assert span.user is not None
    user_id = span.user.user_id
    name = span.text if span.text and span.text != user_id else user_id
    href = "https://matrix.to/#/" + quote(user_id, safe="@:")
    return f'<a href="{html.escape(href, quote=True)}">{_safe(name)}</a>', defuse_mass_mentions(
        name
    )


def _span(span: Span) -> tuple[str, str]:
    """(HTML, plain text) of one span."""
    if span.kind is Kind.CODE:
        markup, text = f"<code>{_safe(span.text)}</code>", span.text
    elif span.kind is Kind.LINK and span.url:
        href = html.escape(span.url, quote=True)
        markup = f'<a href="{href}">{_safe(span.text)}</a>'
        text = span.text if span.text == span.url else f"{span.text} ({span.url})"
    elif span.kind is Kind.MENTION and span.user and span.user.platform == PLATFORM:
        markup, text = _pill(span)
    else:
        markup, text = _safe(span.text), span.text
    if span.italic:
        markup = f"<em>{markup}</em>"
    if span.bold:
        markup = f"<strong>{markup}</strong>"
    return markup, defuse_mass_mentions(text)


def _line(line: Line) -> tuple[str, str]:
    parts = [_span(span) for span in line.spans]
    return "".join(p[0] for p in parts), "".join(p[1] for p in parts)


def render(markup: str) -> MatrixText:
    """The HTML and plain bodies of a core text."""
    html_parts: list[str] = []
    plain_parts: list[str] = []
    items: list[str] = []

    def close_list() -> None:
        if items:
            html_parts.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items.clear()

    for block in parse(markup):
        if isinstance(block, CodeBlock):
            close_list()
            html_parts.append(f"<pre><code>{_safe(block.text)}</code></pre>")
            plain_parts.append(defuse_mass_mentions(block.text))
            continue
        formatted, text = _line(block)
        if block.bullet:
            items.append(formatted)
            plain_parts.append(" " * block.indent + "• " + text)
            continue
        close_list()
        html_parts.append(formatted + "<br>")
        plain_parts.append(" " * block.indent + text)
    close_list()
    formatted_body = "".join(html_parts)
    if formatted_body.endswith("<br>"):
        formatted_body = formatted_body[: -len("<br>")]
    return MatrixText("\n".join(plain_parts), formatted_body)
