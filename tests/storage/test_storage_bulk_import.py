"""Roster import in bulk, on SQLite and PostgreSQL: idempotent, all-or-nothing, exact answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bench.roster_gen import RosterSpec, generate
from core.domain import MatchMember, MatchRecord, MatchStatus, Participant, ParticipantStatus
from core.identity import PlatformUser
from core.matching import Roster, RosterError, load_roster, parse_roster
from core.onboarding.roster_import import import_roster
from core.programs.program import Program, Role, load_program
from storage.store import SqlStore

PROGRAM = Path(__file__).resolve().parents[2] / "programs" / "default.yaml"
NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
TABLES = ("participant", "answer", "cycle", "match", "match_member")


@pytest.fixture(scope="module")
def program() -> Program:
    return load_program(PROGRAM)


def roster_json(people: int = 600, history: int = 40) -> dict[str, Any]:
    """Generated people (more than one chunk of 500) and some earlier pairs."""
    rows = generate(RosterSpec(people * 4 // 5, people // 5, 3, seed=5))
    mentees = [r["id"] for r in rows if r["role"] == "mentee"]
    mentors = [r["id"] for r in rows if r["role"] == "mentor"]
    pairs = [[mentees[n], mentors[n % len(mentors)]] for n in range(history)]
    return {"participants": rows, "history": pairs}


async def snapshot(store: SqlStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import writes, ids included, in a stable order."""
    out = {}
    async with store.transaction() as uow:
        for table in TABLES:
            rows = (await uow.session.execute(text(f'SELECT * FROM "{table}"'))).all()
            out[table] = sorted(tuple(json.dumps(v, default=str) for v in row) for row in rows)
    return out


async def run_import(store: SqlStore, program: Program, raw: dict[str, Any], at: datetime = NOW):
    roster = parse_roster(raw, program)
    return await import_roster(store, program, roster, platform="shell", workspace="w", now=at)


async def test_importing_twice_changes_no_row(store: SqlStore, program: Program) -> None:
    raw = roster_json()
    first = await run_import(store, program, raw)
    assert (first.created, first.updated, first.history) == (600, 0, 40)
    before = await snapshot(store)
    assert len(before["participant"]) == 600
    answers = sum(len(c.answers) for c in parse_roster(raw, program).candidates)
    assert len(before["answer"]) == answers
    assert len(before["match"]) == 40
    assert len(before["match_member"]) == 80
    again = await run_import(store, program, raw, at=NOW + timedelta(days=1))
    assert (again.created, again.updated, again.history) == (0, 600, 40)
    assert await snapshot(store) == before


async def test_reimport_updates_people_and_answers_exactly(
    store: SqlStore, program: Program
) -> None:
    raw = roster_json(people=50, history=0)
    mentor = next(r for r in raw["participants"] if r["role"] == "mentor")
    mentee = next(r for r in raw["participants"] if r["role"] == "mentee")
    mentee["answers"]["background"] = "Teacher."
    await run_import(store, program, raw)
    user = PlatformUser("shell", "w", mentor["id"])
    async with store.transaction() as uow:
        state = (await uow.programs.all())[0]
        person = await uow.participants.find(state.id, user)
        assert person is not None
        person.status = ParticipantStatus.PAUSED
        person.display_name = "Renamed In Chat"
        await uow.participants.save(person)
    mentor["answers"]["topics_offered"] = ["design"]
    mentor["capacity"] = 1
    del mentee["answers"]["background"]  # optional: no answer now
    mentee["answers"]["years_experience"] = 7
    later = NOW + timedelta(days=3)
    summary = await run_import(store, program, raw, at=later)
    assert (summary.created, summary.updated) == (0, 50)
    async with store.transaction() as uow:
        people = {p.user.user_id: p for p in await uow.participants.list(state.id)}
    again = people[mentor["id"]]
    assert again.status is ParticipantStatus.ACTIVE
    assert again.display_name == "Renamed In Chat"  # kept
    assert again.joined_at == NOW  # kept
    assert again.capacity == 1
    assert again.answers["topics_offered"] == ["design"]
    assert people[mentee["id"]].answers["background"] is None
    assert people[mentee["id"]].answers["years_experience"] == 7
    assert people[mentee["id"]].roles == frozenset({Role.MENTEE})


async def enrol_then_break(store: SqlStore, roster: Roster) -> None:
    """Update everyone in bulk (no answers, paused), add a newcomer, then add a history
    match the database must reject."""
    async with store.transaction() as uow:
        state = (await uow.programs.all())[0]
        people = [
            Participant(
                state.id,
                PlatformUser("shell", "w", user),
                user,
                NOW,
                roles=frozenset({Role.MENTEE}),
                status=ParticipantStatus.PAUSED,
            )
            for user in [c.id for c in roster.candidates] + ["newcomer"]
        ]
        enrolled = await uow.participants.enrol_many(people)
        assert enrolled.created == 1
        assert all(not p.answers for p in await uow.participants.list(state.id))
        cycle = await uow.cycles.current(state.id)
        assert cycle is not None
        some = next(iter(enrolled.ids.values()))
        members = (MatchMember(some, Role.MENTEE), MatchMember(10**9, Role.MENTOR))
        broken = MatchRecord(
            state.id, cycle.id, members, 0.0, [], NOW, "history:broken", MatchStatus.ENDED
        )
        await uow.matches.add_many([broken])


async def test_a_failure_late_in_the_import_leaves_nothing(
    store: SqlStore, program: Program
) -> None:
    """700 people updated and one added in bulk, then a history row the database rejects:
    everything is rolled back."""
    raw = roster_json(people=700, history=2)
    await run_import(store, program, raw)
    before = await snapshot(store)
    with pytest.raises(IntegrityError):
        await enrol_then_break(store, parse_roster(raw, program))
    assert await snapshot(store) == before


async def test_a_bad_last_row_imports_nothing(
    store: SqlStore, program: Program, tmp_path: Path
) -> None:
    raw = roster_json(people=600, history=5)
    raw["participants"][-1]["answers"]["topics_offered"] = ["juggling"]
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(RosterError, match="participant #600"):
        load_roster(path, program)
    assert all(rows == [] for rows in (await snapshot(store)).values())


async def test_enrol_many_rejects_people_it_cannot_place(store: SqlStore) -> None:
    async with store.transaction() as uow:
        workspace = await uow.workspaces.ensure("shell", "w")
        state = await uow.programs.ensure(workspace, "mentoring")
        one = Participant(state.id, PlatformUser("shell", "w", "a"), "a", NOW)
        with pytest.raises(ValueError, match="same user twice"):
            await uow.participants.enrol_many([one, one])
        other = Participant(state.id, PlatformUser("shell", "x", "b"), "b", NOW)
        with pytest.raises(ValueError, match="one workspace"):
            await uow.participants.enrol_many([one, other])
        assert (await uow.participants.enrol_many([])).created == 0


async def test_enrol_many_tells_1_from_true_and_1_0(store: SqlStore) -> None:
    """Changed answers are found by stored JSON, not `==` (for which 1 == 1.0 == True)."""
    async with store.transaction() as uow:
        workspace = await uow.workspaces.ensure("shell", "w")
        state = await uow.programs.ensure(workspace, "mentoring")
        person = Participant(
            state.id, PlatformUser("shell", "w", "a"), "a", NOW, answers={"n": 1, "l": [1]}
        )
        await uow.participants.enrol_many([person])
        person.answers = {"n": True, "l": [1.0]}
        await uow.participants.enrol_many([person])
        found = await uow.participants.find(state.id, person.user)
    assert found is not None
    assert found.answers["n"] is True
    assert type(found.answers["l"][0]) is float


async def test_bulk_answers_are_stored_as_the_one_by_one_path_stores_them(
    store: SqlStore,
) -> None:
    """The JSON text in the database is the same whichever path wrote it."""
    answers = {"l": ["a", "é"], "n": 1.5, "t": True, "none": None, "s": 'say "hi"'}
    async with store.transaction() as uow:
        workspace = await uow.workspaces.ensure("shell", "w")
        state = await uow.programs.ensure(workspace, "mentoring")
        one = await uow.participants.add(
            Participant(state.id, PlatformUser("shell", "w", "one"), "one", NOW, answers=answers)
        )
        bulk = await uow.participants.enrol_many(
            [Participant(state.id, PlatformUser("shell", "w", "bulk"), "b", NOW, answers=answers)]
        )
        stored = {}
        for pid in (one.key, next(iter(bulk.ids.values()))):
            rows = await uow.session.execute(
                text(
                    "SELECT question_id, CAST(value AS TEXT) FROM answer WHERE participant_id = :p"
                ),
                {"p": pid},
            )
            stored[pid] = sorted(rows.all())
    first, second = stored.values()
    assert first == second
    assert len(first) == len(answers)
