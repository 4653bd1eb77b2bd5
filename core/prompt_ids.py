"""One typed codec for the ids of prompts and forms: which program, what kind, about what.

A prompt's id travels through the platform (a Slack `block_id`, a Discord `custom_id`, a
number typed in Matrix) and comes back with the answer, possibly after a restart, so it must
be stable and short: Discord allows 100 characters. Program keys and question ids may each be
64 characters long, so a part that would not fit is replaced by a short stable digest
(`~` + 12 base32 characters of its SHA-256); `PromptId.names_program` and `PromptId.is_about`
compare a decoded id with the real names whether or not they were digested.

Format: `<program>:<kind>:<arg>`, each part percent-escaped for `%`, `:` and `~`. Ids written
before this codec (`program:kind` and `program:kind:a:b`) decode to the same `PromptId`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

MAX_LENGTH = 100
PROGRAM_PART = 32  # the longest program part kept as written; longer ones are digested
DIGEST = "~"
ARG_SEPARATOR = ":"
_KIND = re.compile(r"^[a-z][a-z0-9_-]{0,15}$")
_DIGEST = re.compile(r"^~[a-z2-7]{12}$")
_SAFE = " !\"#$&'()*+,-./;<=>?@[\\]^_`{|}"  # printable ASCII kept verbatim (not % : ~)


def digest(text: str) -> str:
    """A short, stable stand-in for a part too long to carry (same text → same digest)."""
    raw = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return DIGEST + base64.b32encode(raw).decode("ascii").lower()[:12]


def _escape(text: str) -> str:
    # surrogatepass: text from JSON payloads may hold lone surrogates; they round-trip too
    return quote(text, safe=_SAFE, errors="surrogatepass").replace("~", "%7E")


@dataclass(frozen=True, slots=True)
class PromptId:
    """What a prompt or form asks about: `kind` (e.g. `q`, `checkin`, `form`) and its `arg`.

    A decoded id may hold digests in `program` or `arg` (see the module docstring): compare
    with `names_program` and `is_about`, not `==`.
    """

    program: str
    kind: str
    arg: str = ""

    def __post_init__(self) -> None:
        if not _KIND.match(self.kind):
            raise ValueError(f"prompt kind {self.kind!r} must be a short lowercase word")

    @classmethod
    def of(cls, program: str, kind: str, *parts: object) -> PromptId:
        """An id whose arg is several parts (`match 12, check-in 3`); read back with `arg_parts`."""
        texts = [str(part) for part in parts]
        if any(ARG_SEPARATOR in text for text in texts):
            raise ValueError(f"prompt id parts cannot contain {ARG_SEPARATOR!r}: {texts}")
        return cls(program, kind, ARG_SEPARATOR.join(texts))

    def encode(self) -> str:
        """The id as sent to platforms: at most 100 characters, the same on every run."""
        program = _escape(self.program)
        if len(program) > PROGRAM_PART or _DIGEST.match(self.program):
            program = self.program if _DIGEST.match(self.program) else digest(self.program)
        head = f"{program}:{self.kind}:"
        arg = _escape(self.arg)
        if len(head) + len(arg) > MAX_LENGTH or _DIGEST.match(self.arg):
            arg = self.arg if _DIGEST.match(self.arg) else digest(self.arg)
        return head + arg

    @classmethod
    def decode(cls, text: str) -> PromptId | None:
        """The id a platform gave back, or None when it is not one of ours."""
        if not isinstance(text, str) or len(text) > 4 * MAX_LENGTH:
            return None
        program, sep, rest = text.partition(":")
        kind, _, arg = rest.partition(":")
        if not sep or not program or not _KIND.match(kind):
            return None
        try:
            return cls(_unescape(program), kind, _unescape(arg))
        except ValueError:
            return None

    def names_program(self, key: str) -> bool:
        """Whether this id belongs to the program `key` (written out or digested)."""
        return self.program in (key, digest(key))

    def is_about(self, arg: str) -> bool:
        """Whether this id's arg is `arg` (written out or digested)."""
        return self.arg in (arg, digest(arg))

    def same_as(self, other: PromptId) -> bool:
        """Whether two ids name the same prompt, one of them possibly decoded with digests."""
        return (
            self.kind == other.kind
            and (self.names_program(other.program) or other.names_program(self.program))
            and (self.is_about(other.arg) or other.is_about(self.arg))
        )


def arg_parts(arg: str, count: int) -> tuple[str, ...] | None:
    """The `count` parts of an arg made by `PromptId.of`, or None if it has another shape."""
    parts = tuple(arg.split(ARG_SEPARATOR))
    return parts if len(parts) == count and all(parts) else None


def _unescape(part: str) -> str:
    if _DIGEST.match(part):
        return part
    return unquote(part, errors="surrogatepass")
