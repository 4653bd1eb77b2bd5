"""The neutral markup core writes, and the parser adapters render it from.

Core's texts are strings in one small markup that no platform speaks as-is:

* `*bold*`, `_italic_`, `` `code` ``, a fenced block between two lines of three backticks,
  a line starting with `• ` is a bullet item, `[label](https://…)` is a link;
* a backslash before a markup character (`\\*`) shows the character itself;
* `mention(user)` refers to a person (a `PlatformUser`, never platform syntax);
* `literal(text)` wraps text a person typed: it is never read as markup, and each adapter
  escapes it the way its platform needs (and defuses `@everyone` and friends there).
  `literal` also drops what could reorder or hide text for others (`neutralise`).

`mention` and `literal` use characters from Unicode's private use area as delimiters; `literal`
removes them from what it wraps, so a person cannot forge one. Adapters call `parse()` and
render the blocks; nothing here knows any platform.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from core.identity import PlatformUser

LITERAL_OPEN, LITERAL_CLOSE = "\ue000", "\ue001"
MENTION_OPEN, MENTION_CLOSE = "\ue002", "\ue003"
_SLOT = "\ue004"  # stands for an atom while emphasis is parsed
_SEP = "\x1f"
_RESERVED = re.compile("[\ue000-\ue004]")
_MENTION = re.compile(f"{MENTION_OPEN}([^{MENTION_CLOSE}]*){MENTION_CLOSE}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
MARKUP_CHARS = "*_`[]\\•"
# embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they reorder what follows
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# zero-width space, word joiner, BOM: invisible, so they hide or disguise text; the zero-width
# (non-)joiners too, unless they shape what is around them (`neutralise`)
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")
ZWNJ, ZWJ = "\u200c", "\u200d"
_VIRAMA = 9  # canonical combining class: Indic scripts use ZWJ/ZWNJ after it to pick a form
_EMOJI_TAIL = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")  # emoji presentation, skin tones


class Kind(StrEnum):
    TEXT = "text"  # core's own words
    LITERAL = "literal"  # what a person typed: adapters escape it
    CODE = "code"
    LINK = "link"
    MENTION = "mention"


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one kind and emphasis."""

    kind: Kind
    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None  # links
    user: PlatformUser | None = None  # mentions: `text` is a fallback name


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text; `bullet` lines are items of a list."""

    spans: tuple[Span, ...]
    bullet: bool = False
    indent: int = 0


@dataclass(frozen=True, slots=True)
class CodeBlock:
    text: str


Block = Line | CodeBlock


ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: cut at a word with an ellipsis when too long.

    A single word longer than half the room is cut inside, so a long URL still shows its start.
    """
    if len(text) <= limit:
        return text
    if limit < 1:
        return ""
    cut = text[: limit - len(ELLIPSIS)]
    if not text[len(cut)].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        if space >= limit // 2:
            cut = cut[:space]
    return cut.rstrip(" \n\t,;:.-–—") + ELLIPSIS


def literal(text: str, *, limit: int = 1000) -> str:
    """Mark text a person typed: shown verbatim, never markup, at most `limit` characters
    (cut at a word with an ellipsis)."""
    cleaned = neutralise(_CONTROL.sub("", _RESERVED.sub("", text)))
    return f"{LITERAL_OPEN}{shorten(cleaned, limit)}{LITERAL_CLOSE}"


def neutralise(text: str) -> str:
    """Text a person typed without what could reorder or hide text when others read it.

    Bidirectional embeddings, overrides and isolates are removed (U+202E would show the rest of
    a message backwards), and so are zero-width characters — except a joiner that means
    something: ZWJ inside an emoji sequence (👩‍💻) or after a virama, and ZWNJ after a virama or
    between Arabic-script letters (Persian spelling), so people's names and words stay theirs.
    """
    text = _INVISIBLE.sub("", BIDI_CONTROLS.sub("", text))
    if ZWJ not in text and ZWNJ not in text:
        return text
    kept: list[str] = []
    for index, char in enumerate(text):
        if char in (ZWJ, ZWNJ):
            before = kept[-1] if kept else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            if not _meaningful_joiner(char, before, after):
                continue
        kept.append(char)
    return "".join(kept)


def _meaningful_joiner(char: str, before: str, after: str) -> bool:
    """Whether a ZWJ/ZWNJ between `before` and `after` changes how the text looks."""
    if not before or not after or unicodedata.category(after) == "Cf":
        return False
    if unicodedata.combining(before) == _VIRAMA:  # a conjunct's form: the next consonant
        return unicodedata.category(after).startswith("L") and _script(after) == _script(before)
    if char == ZWJ:
        return (_pictographic(before) or bool(_EMOJI_TAIL.fullmatch(before))) and _pictographic(
            after
        )
    return _arabic_letter(before) and _arabic_letter(after)


def _pictographic(char: str) -> bool:
    """A symbol that can take part in an emoji ZWJ sequence (👩, 💻, ♀, ⚕, 🔥, …)."""
    return ord(char) >= 0x2000 and unicodedata.category(char) == "So"


def _script(char: str) -> str:
    """The script a character's Unicode name starts with (`DEVANAGARI SIGN VIRAMA`)."""
    return unicodedata.name(char, "").partition(" ")[0]


def _arabic_letter(char: str) -> bool:
    """A letter of the Arabic script (Arabic, Persian, Urdu, …), where ZWNJ is spelling."""
    code = ord(char)
    arabic = 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF
    return arabic and unicodedata.category(char).startswith("L")


def mention(user: PlatformUser, fallback: str = "") -> str:
    """A reference to a person; adapters render their platform's mention (or `fallback`)."""
    parts = (user.platform, user.workspace_id, user.user_id, neutralise(fallback))
    clean = [_CONTROL.sub("", _RESERVED.sub("", part)).replace("\n", " ") for part in parts]
    return f"{MENTION_OPEN}{_SEP.join(clean)}{MENTION_CLOSE}"


def unmark(text: str) -> str:
    """Text for a field that shows plain text as-is (a button label): marks removed."""

    def name(match: re.Match[str]) -> str:
        parts = [*match.group(1).split(_SEP), "", "", ""]
        return parts[3] or parts[2]

    return _RESERVED.sub("", _MENTION.sub(name, text))


def escape(text: str) -> str:
    """Core's own text with markup characters shown as themselves (`*` → `\\*`)."""
    return re.sub(r"([*_`\[\]\\])", r"\\\1", text)


_ATOM = re.compile(
    rf"{LITERAL_OPEN}(?P<literal>[^{LITERAL_CLOSE}]*){LITERAL_CLOSE}"
    rf"|{MENTION_OPEN}(?P<mention>[^{MENTION_CLOSE}]*){MENTION_CLOSE}"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>(?:https?://|mailto:)[^)\s]+)\)"
    r"|\\(?P<escaped>[*_`\[\]\\•])"
)
_EMPHASIS = re.compile(r"(?<![\w\\])([*_])(?=[^\s*_])(.+?)(?<=[^\s\\])\1(?!\w)")
_FENCE = "```"


def parse(markup: str) -> list[Block]:
    """The blocks of a text in core's markup (see the module docstring)."""
    blocks: list[Block] = []
    code: list[str] | None = None
    for raw in _lines(markup):
        if code is not None:
            if raw.strip() == _FENCE:
                blocks.append(CodeBlock("\n".join(code)))
                code = None
            else:
                code.append(_RESERVED.sub("", raw))
            continue
        if raw.strip().startswith(_FENCE) and raw.count(_FENCE) == 1:
            code = []  # what follows the fence names a language; renderers show none
            continue
        stripped = raw.lstrip(" ")
        indent = len(raw) - len(stripped)
        bullet = stripped.startswith("• ")
        body = stripped[2:] if bullet else stripped
        blocks.append(Line(tuple(parse_inline(body)), bullet, indent))
    if code is not None:  # an unclosed fence: the rest is code
        blocks.append(CodeBlock("\n".join(code)))
    return blocks


def _lines(markup: str) -> list[str]:
    """The text's lines, a literal that spans several closed and reopened on each line."""
    lines: list[str] = []
    inside = False
    for raw in markup.split("\n"):
        line = LITERAL_OPEN + raw if inside else raw
        inside = line.rfind(LITERAL_OPEN) > line.rfind(LITERAL_CLOSE)
        lines.append(line + LITERAL_CLOSE if inside else line)
    return lines


def parse_inline(text: str) -> list[Span]:
    """The spans of one line: atoms first (literals, mentions, code, links), then emphasis."""
    atoms: list[Span] = []

    def stash(match: re.Match[str]) -> str:
        atoms.append(_atom(match))
        return _SLOT

    skeleton = _ATOM.sub(stash, text)
    return _merge(_emphasis(skeleton, iter(atoms), bold=False, italic=False))


def _atom(match: re.Match[str]) -> Span:
    if match.group("literal") is not None:
        return Span(Kind.LITERAL, match.group("literal"))
    if match.group("mention") is not None:
        platform, workspace, user_id, fallback = ([*match.group("mention").split(_SEP), "", ""])[:4]
        user = PlatformUser(platform, workspace, user_id)
        return Span(Kind.MENTION, fallback or user_id, user=user)
    if match.group("code") is not None:
        return Span(Kind.CODE, match.group("code"))
    if match.group("url") is not None:
        return Span(Kind.LINK, match.group("label"), url=match.group("url"))
    return Span(Kind.TEXT, match.group("escaped"))


def _emphasis(text: str, atoms: Iterator[Span], *, bold: bool, italic: bool) -> list[Span]:
    spans: list[Span] = []
    position = 0
    for match in _EMPHASIS.finditer(text):
        spans.extend(_plain(text[position : match.start()], atoms, bold, italic))
        inner_bold, inner_italic = (True, italic) if match.group(1) == "*" else (bold, True)
        spans.extend(_emphasis(match.group(2), atoms, bold=inner_bold, italic=inner_italic))
        position = match.end()
    spans.extend(_plain(text[position:], atoms, bold, italic))
    return spans


def _plain(text: str, atoms: Iterator[Span], bold: bool, italic: bool) -> list[Span]:
    spans: list[Span] = []
    for index, piece in enumerate(text.split(_SLOT)):
        if index:
            atom = next(atoms)
            spans.append(_styled(atom, bold, italic))
        if piece:
            spans.append(Span(Kind.TEXT, piece, bold, italic))
    return spans


def _styled(span: Span, bold: bool, italic: bool) -> Span:
    return Span(span.kind, span.text, bold or span.bold, italic or span.italic, span.url, span.user)


def _merge(spans: list[Span]) -> list[Span]:
    """Neighbouring spans of the same kind and style become one (simpler output)."""
    merged: list[Span] = []
    for span in spans:
        last = merged[-1] if merged else None
        if (
            last is not None
            and span.kind is last.kind is Kind.TEXT
            and (span.bold, span.italic) == (last.bold, last.italic)
        ):
            merged[-1] = Span(Kind.TEXT, last.text + span.text, last.bold, last.italic)
        else:
            merged.append(span)
    return merged


def plain(markup: str) -> str:
    """The text without any markup (notifications, logs, platforms that show plain text)."""
    lines: list[str] = []
    for block in parse(markup):
        if isinstance(block, CodeBlock):
            lines.append(block.text)
            continue
        words = "".join(
            f"{s.text} ({s.url})" if s.kind is Kind.LINK and s.url != s.text else s.text
            for s in block.spans
        )
        lines.append(" " * block.indent + ("• " if block.bullet else "") + words)
    return "\n".join(lines)


MASS_MENTIONS = re.compile(r"@(everyone|here|room|channel)\b", re.IGNORECASE)
WORD_JOINER = "\u2060"


def defuse_mass_mentions(text: str) -> str:
    """`@everyone` → `@\u2060everyone`: reads the same, pings nobody (shared by renderers)."""
    return MASS_MENTIONS.sub(lambda m: f"@{WORD_JOINER}{m.group(1)}", text)
