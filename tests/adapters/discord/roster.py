"""Many people enrolled on Discord at once, through the bot's roster import."""

from __future__ import annotations

from typing import Any

from core.matching import parse_roster
from core.onboarding.roster_import import import_roster
from tests.kit.discord import GUILD
from tests.kit.drivers.discord import DiscordDriver

ANSWERS: dict[str, Any] = {
    "languages": ["en"],
    "timezone": "Europe/Berlin",
    "communication": ["chat"],
    "availability": "regular",
    "bio": "Here to learn.",
}


async def enrol_pairs(driver: DiscordDriver, count: int) -> set[str]:
    """`count` mentees and `count` mentors (capacity 1), all alike: `count` matches."""
    assert driver.wired is not None
    program = driver.wired.programs[0]
    mentee = {**ANSWERS, "topics_wanted": ["career"], "goals": "Grow.", "years_experience": 2}
    mentor = {**ANSWERS, "topics_offered": ["career"], "mentee_capacity": 1, "years_experience": 12}
    rows: list[dict[str, Any]] = []
    for n in range(count):
        rows.append({"id": str(710000000000000000 + n), "role": "mentee", "answers": mentee})
        rows.append(
            {"id": str(720000000000000000 + n), "role": "mentor", "capacity": 1, "answers": mentor}
        )
    roster = parse_roster({"participants": rows}, program)
    await import_roster(
        driver.wired.store,
        program,
        roster,
        platform="discord",
        workspace=GUILD,
        now=driver.clock.now(),
    )
    return {row["id"] for row in rows}
