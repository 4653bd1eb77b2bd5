"""The bot's settings for a test: a database and the bundled program file, nothing from `.env`.

Kept apart from the drivers so the platform kits (`tests/kit/matrix/world.py`) can build a bot
without importing the drivers package, which imports them in turn.
"""

from __future__ import annotations

from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def settings_for(database_url: str, **more: str) -> Settings:
    """Settings with `database_url`, the bundled program, and `more` by their environment names."""
    values = {
        "DATABASE_URL": database_url,
        "MENTORBOT_PROGRAMS": str(ROOT / "programs" / "default.yaml"),
        **more,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
