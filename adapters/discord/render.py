"""Core's neutral markup as Discord markdown (pure; no SDK).

Discord reads `**bold**`, `*italic*`/`_italic_`, `` `code` ``, fenced blocks, `[label](url)` and
`<@id>` mentions. Text a person typed is backslash-escaped so none of it is markdown or a mention
(`<@&role>`, `<#channel>`, `<t:…>`), and `@everyone`/`@here` are defused. The adapter should also
send `allowed_mentions` that permits user mentions only, as a second guard.
"""

from __future__ import annotations

import re

from core.markup import CodeBlock, Kind, Span, defuse_mass_mentions, parse

PLATFORM = "discord"
_SPECIAL = re.compile(r"([\\*_~`|>#\-\[\]()<:@])")


def escape(text: str) -> str:
    """Text shown verbatim: every markdown character escaped, mass mentions defused."""
    return defuse_mass_mentions(_SPECIAL.sub(r"\\\1", text))


def _span(span: Span) -> str:
    if span.kind is Kind.CODE:
        text = f"`{span.text.replace('`', 'ˋ')}`"
    elif span.kind is Kind.LINK and span.url:
        text = f"[{escape(span.text)}]({span.url.replace(')', '%29')})"
    elif span.kind is Kind.MENTION and span.user and span.user.platform == PLATFORM:
        text = f"<@{re.sub(r'[^0-9]', '', span.user.user_id)}>"
    elif span.kind is Kind.MENTION or span.kind is Kind.LITERAL:
        text = escape(span.text)
    else:
        text = _keep_plain(span.text)
    if span.italic and text:
        text = f"_{text}_"
    if span.bold and text:
        text = f"**{text}**"
    return text


def _keep_plain(text: str) -> str:
    """Core's own words: only what Discord would misread is escaped (`*`, `_`, `~`, `<`, `|`)."""
    return defuse_mass_mentions(re.sub(r"([\\*_~`|<])", r"\\\1", text))


def render(markup: str) -> str:
    """The Discord message content of a core text."""
    out: list[str] = []
    for block in parse(markup):
        if isinstance(block, CodeBlock):
            body = defuse_mass_mentions(block.text.replace("```", "`\u200b``"))
            out.append(f"```\n{body}\n```")
            continue
        line = "".join(_span(span) for span in block.spans)
        out.append(" " * block.indent + ("- " if block.bullet else "") + line)
    return "\n".join(out)
