"""Who may do what, on every adapter through its real parse path: every verb of the command
table (`core/verbs.py`, so verbs added later join) as a participant, as a member of another
match, as a coordinator of another program, and as a coordinator.

Two programs run in the workspace: the bundled `mentoring` (Cora coordinates it) and `second`
(Dee coordinates it, and only it). Ana and Cy are mentees of Ben, each in a match of their own.
Each questionnaire's free-text goal is a marker only its author (and coordinators) may see.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import yaml

from core.clock import ManualClock
from core.programs.program import Program
from core.verbs import COORDINATOR_VERBS, PARTICIPANT_VERBS
from tests.kit.drivers import Driver, driver_for, platforms
from tests.kit.drivers.discord import IDS as DISCORD_IDS
from tests.kit.drivers.wiring import ROOT
from tests.kit.harness import START
from tests.kit.scenario import MENTEE, MENTOR

REFUSED = "Only coordinators of this program can use"  # `admin` commands (rendered per platform)
DISCORD_DEE = DISCORD_IDS["dee"]
MARKERS = {
    "ana": "Ana's private goal: lead a team of five.",
    "cy": "Cy's private goal: ship a side project by June.",
    "ben": "Ben's private bio note: ex-astronaut.",
}


def second_program(tmp_path: Path) -> Path:
    data = yaml.safe_load((ROOT / "programs" / "default.yaml").read_text(encoding="utf-8"))
    dee = ["shell:dee", "slack:U0DEE", f"discord:{DISCORD_DEE}"]
    data.update(id="second", name="Second Circle", coordinators=dee)
    path = tmp_path / "second.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@asynccontextmanager
async def running(
    platform: str, request: pytest.FixtureRequest, tmp_path: Path, program: Program
) -> AsyncIterator[Driver]:
    programs = [ROOT / "programs" / "default.yaml", second_program(tmp_path)]
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    make = driver_for(platform, request)
    driver: Driver = await make(url, program, ManualClock(START), programs).start()
    try:
        yield driver
    finally:
        await driver.close()


def lines() -> list[str]:
    """Every verb as typed, without arguments: participant verbs, then each `admin` one."""
    return [f"/mentor {v.name}" for v in PARTICIPANT_VERBS] + [
        f"/mentor admin {v.name}" for v in COORDINATOR_VERBS
    ]


async def seen(d: Driver, who: str, line: str) -> str:
    """What the person is shown in answer to `line`: the reply and any file they receive."""
    before = len(d.files_to(who))
    shown = await d.say(who, line)
    files = [data.decode("utf-8", "replace") for _, data in d.files_to(who)[before:]]
    return "\n".join([shown, *files])


@pytest.mark.parametrize("platform", platforms())
async def test_every_verb_as_everyone(
    platform: str, request: pytest.FixtureRequest, tmp_path: Path, program: Program
) -> None:
    async with running(platform, request, tmp_path, program) as d:
        await d.join("ana", "mentee", {**MENTEE, "goals": MARKERS["ana"]})
        await d.join("cy", "mentee", {**MENTEE, "goals": MARKERS["cy"]})
        await d.join("ben", "mentor", {**MENTOR, "bio": MARKERS["ben"]})
        await d.say("cora", "/mentor admin match commit")
        assert d.space_of("ana", "ben") is not None
        assert d.space_of("cy", "ben") is not None
        spaces = (d.space_of("ana", "ben"), d.space_of("cy", "ben"))

        # Dee coordinates `second` only: there she may act, on `mentoring` she may not.
        assert REFUSED not in await d.say("dee", "/mentor admin status second")
        for line in ("/mentor admin status mentoring", "/mentor admin match commit mentoring"):
            assert REFUSED in await d.say("dee", line), line
        assert (d.space_of("ana", "ben"), d.space_of("cy", "ben")) == spaces

        # Ana (a participant), Cy (a member of another match), Dee (a coordinator of another
        # program) and Ben (the mentor): coordinator verbs refused, nobody sees the others'
        # private answers. Ben's bio is in each match's introduction, so only strangers to
        # him (Dee) must not see it.
        for who in ("ana", "cy", "dee", "ben"):
            others = {k: v for k, v in MARKERS.items() if k != who}
            if who in ("ana", "cy"):
                others.pop("ben")
            for line in lines():
                shown = await seen(d, who, line)
                assert shown.strip(), f"{who}: {line} showed nothing"
                if line.startswith("/mentor admin"):
                    assert REFUSED in shown, f"{who}: {line} was not refused:\n{shown}"
                leaked = [name for name, marker in others.items() if marker in shown]
                assert not leaked, f"{who}: {line} showed what {leaked} wrote:\n{shown}"
                if line == "/mentor my-data" and who in MARKERS:  # the search does find them
                    assert MARKERS[who] in shown, f"{who}'s own data is missing:\n{shown}"

        # The coordinator: every admin verb answers (and the export holds the answers).
        for line in lines()[len(PARTICIPANT_VERBS) :]:
            shown = await seen(d, "cora", line)
            assert shown.strip(), line
            assert REFUSED not in shown, f"cora: {line} was refused"
