"""How core's values are stored: roles as text, JSON values detached and checked."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from core.programs.program import Role


def roles_to_text(roles: Iterable[Role]) -> str:
    """`{MENTOR, MENTEE}` → `"mentee,mentor"`: sorted, so equal sets give equal text."""
    return ",".join(sorted(Role(role).value for role in roles))


def roles_from_text(text: str) -> frozenset[Role]:
    return frozenset(Role(part) for part in text.split(",") if part)


def json_copy(value: Any, what: str) -> Any:
    """A deep copy through JSON: detaches the value and rejects what JSON cannot hold."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} is not storable as JSON: {error}") from None
