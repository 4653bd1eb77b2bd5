"""Every reminder kind, and the check that each has a handler.

The outbox stores a kind as a string; whoever delivers reminders (`Engagement`) maps each kind
to the coroutine that decides what it means. `require_handlers` runs when that table is built —
at start-up — so a kind planned somewhere without a handler fails the bot's start, not a
delivery at 3 a.m. weeks later.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class ReminderKind(StrEnum):
    CHECKIN = "checkin"
    INACTIVITY = "inactivity"
    NUDGE = "nudge"
    AT_RISK = "at_risk"
    GOALS = "goals"
    FEEDBACK = "feedback"
    CYCLE_END_ASK = "cycle_end_ask"
    CYCLE_END = "cycle_end"
    ROUND_NOTICE = "round_notice"
    ROUND = "round"
    ONBOARDING = "onboarding"
    REQUEST_REMINDER = "request_reminder"
    REQUEST_EXPIRY = "request_expiry"
    RESUME = "resume"
    MESSAGE = "message"  # a message decided in an event: a notification, an introduction
    UNREACHABLE = "unreachable"  # tell coordinators, once, that someone can't be DMed


SILENT_KINDS = frozenset({ReminderKind.INACTIVITY, ReminderKind.ROUND, ReminderKind.CYCLE_END})
"""Kinds that are watches and deadlines rather than messages (not counted as messages)."""

MESSAGE_KINDS = frozenset(kind.value for kind in ReminderKind if kind not in SILENT_KINDS)


class MissingHandler(RuntimeError):
    """A reminder kind that nothing can deliver: a programming error, raised at start-up."""


def require_handlers(handled: Collection[str]) -> None:
    """Raise `MissingHandler` unless `handled` covers every kind (and names no unknown one)."""
    known = {kind.value for kind in ReminderKind}
    missing, unknown = known - set(handled), set(handled) - known
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"no handler for reminder kind(s) {', '.join(sorted(missing))}")
        if unknown:
            parts.append(f"handler(s) for unknown kind(s) {', '.join(sorted(unknown))}")
        raise MissingHandler("; ".join(parts))


__all__ = ["MESSAGE_KINDS", "SILENT_KINDS", "MissingHandler", "ReminderKind", "require_handlers"]
