"""The form steps shown on this instance, by key: what each shows, what was picked so far, and
the step before (for Back). Each step's answers also reach core's draft when it is sent, so a
step lost with a restart costs only the picks made on it."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from adapters.discord import ui
from core.content import Form

TTL = 3600.0


@dataclass(slots=True)
class Step:
    state: ui.FormState
    expires: float
    previous: str | None = None  # the key of the step before


class Steps:
    def __init__(self, ttl: float = TTL) -> None:
        self._ttl = ttl
        self._steps: dict[str, Step] = {}

    def add(self, form: Form, previous: str | None = None) -> str:
        now = time.monotonic()
        self._steps = {k: v for k, v in self._steps.items() if v.expires > now}
        key = secrets.token_urlsafe(9)
        self._steps[key] = Step(ui.FormState(form), now + self._ttl, previous)
        return key

    def get(self, key: str) -> Step | None:
        found = self._steps.get(key)
        return found if found and found.expires > time.monotonic() else None

    def message(self, key: str) -> ui.Message:
        """The step as its message; with Back when the step before is still known."""
        step = self._steps[key]
        back = step.previous is not None and self.get(step.previous) is not None
        return ui.form_message(step.state, key, back=back)
