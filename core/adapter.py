"""The contract between the bot and a chat platform: an `Adapter`, and what it is given to run.

An adapter is built from its own configuration only (tokens, ports, URLs). Everything it needs
from the bot arrives in one `AdapterServices` value passed to `start`, never assigned afterwards,
so an adapter cannot be half-wired: before `start` it can only be inspected (its `port`, for the
bot to send through), after `start` it serves until `close`.

`start` returns once the adapter serves (a socket is connected, a server listens); the work it
then does runs on the event loop in the background. It raises `AdapterConfigError` when its
configuration cannot work (a missing token: retrying would not help) and anything else when the
platform could not be reached (`OSError`, `TimeoutError`: the runtime retries with backoff).

`singleton` adapters hold one connection per bot account (Slack Socket Mode, a Discord gateway,
a Matrix sync loop): two instances of the bot must not both run one, so the runtime runs such an
adapter on one instance at a time and keeps the others on stand-by.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from core.clock import Clock
from core.content import Content, Reply
from core.events import Event
from core.identity import Conversation, PlatformUser
from core.ports import ChatPort, MessageRef
from core.spaces import SpaceInfo

if TYPE_CHECKING:  # core.service is heavy; adapters only need the type
    from core.service import Standing


async def _no_spaces(platform: str, workspace_id: str) -> list[SpaceInfo]:
    return []


async def _nothing_pending(user: PlatformUser) -> list[Content]:
    return []


async def _not_noted(where: Conversation, prompt_id: str, message: MessageRef) -> None:
    return None


class AdapterConfigError(ValueError):
    """The adapter's configuration cannot work; the message names the setting to fix."""


@dataclass(frozen=True, slots=True)
class AdapterServices:
    """What the bot lends an adapter for its lifetime (one value per adapter).

    * `handle` — the inbound entry point: one event in, core's reply out;
    * `standing` — whether a person is enrolled / coordinates (home screens differ);
    * `first_time` — True the first time this platform's event id is seen on *any* instance of
      the bot (backed by the shared database), so a platform's retried delivery is handled once;
    * `clock` — the bot's clock (a `ManualClock` in the tour and the tests);
    * `run_due` — deliver the reminders due now (the shell's `/advance` moves time, then this);
    * `stop` — ask the whole process to stop (the shell does at end of input or `/quit`);
    * `spaces` — the match spaces made on a platform in a workspace, with their members' user
      ids (from the database: an adapter without memory of its own learns its rooms here);
    * `pending` — what a person still has to answer in their DM (their onboarding step or the
      latest open prompt), to show again when they come back after a restart;
    * `shown` — a prompt of a reply was shown as this platform message (so a reaction to that
      message answers it, even after a restart).
    """

    handle: Callable[[Event], Awaitable[Reply]]
    standing: Callable[[PlatformUser], Awaitable[Standing]]
    first_time: Callable[[str], Awaitable[bool]]
    clock: Clock
    run_due: Callable[[], Awaitable[object]]
    stop: Callable[[], None]
    spaces: Callable[[str, str], Awaitable[list[SpaceInfo]]] = _no_spaces
    pending: Callable[[PlatformUser], Awaitable[list[Content]]] = _nothing_pending
    shown: Callable[[Conversation, str, MessageRef], Awaitable[None]] = _not_noted


class Adapter(Protocol):
    """One chat platform: its outbound `port` and its inbound lifecycle."""

    @property
    def platform(self) -> str:
        """The platform name used in `PlatformUser.platform` (e.g. `slack`)."""
        ...

    @property
    def port(self) -> ChatPort:
        """What core sends through; usable for building the bot before `start`."""
        ...

    @property
    def singleton(self) -> bool:
        """True when only one instance of the bot may run this adapter at a time."""
        ...

    async def start(self, services: AdapterServices) -> None:
        """Start serving; return once serving. Raises `AdapterConfigError` for bad settings."""
        ...

    async def close(self) -> None:
        """Stop serving and release connections; safe to call if `start` failed or never ran."""
        ...
