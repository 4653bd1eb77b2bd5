"""How typed commands are split, and the shape of a verb in the command table (`core.verbs`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.content import Reply
    from core.context import Context

Handler = Callable[["Context", tuple[str, ...]], Awaitable["Reply"]]


@dataclass(frozen=True, slots=True)
class Verb:
    """One command: `name` as typed after the command (or after `admin`), and its handler.

    A `private` verb shows personal data: its reply is shown to the person alone."""

    name: str
    usage: str
    summary: str
    handler: Handler
    coordinator: bool = False
    private: bool = False


def split_command(text: str, prefix: str) -> tuple[str, tuple[str, ...]] | None:
    """`/mentor join mentee` → (`join`, (`mentee`,)); None when `text` is not a command."""
    stripped = text.strip()
    if not stripped.lower().startswith(prefix.lower()):
        return None
    rest = stripped[len(prefix) :]
    if rest and not rest[0].isspace():
        return None
    words = rest.split()
    if not words:
        return "help", ()
    return words[0].lower(), tuple(words[1:])
