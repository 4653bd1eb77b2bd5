"""Many participants (and history matches) in a few statements: the roster import's writes.

Load, then diff: one SELECT per chunk finds who is there already, then multi-row INSERTs
(SQLAlchemy's "insertmanyvalues", with RETURNING for the new ids) and executemany UPDATEs write
only what changed. The same SQL on SQLite and PostgreSQL; everything runs in the caller's
transaction, so a failure anywhere leaves nothing behind. Core statements bypass the session's
identity map, so the session is flushed before and emptied after (as `delete` does).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Enrolled, MatchRecord, Participant, ParticipantStatus
from core.identity import PlatformUser
from storage.tables import AnswerRow, MatchMemberRow, MatchRow, ParticipantRow
from storage.values import json_copy, roles_to_text

CHUNK = 500
"""Ids per `IN (…)` list: well below SQLite's and asyncpg's bound-parameter limits."""

T = TypeVar("T")

PARTICIPANT: Table = ParticipantRow.__table__  # type: ignore[assignment]
ANSWER: Table = AnswerRow.__table__  # type: ignore[assignment]
MATCH: Table = MatchRow.__table__  # type: ignore[assignment]
MEMBER: Table = MatchMemberRow.__table__  # type: ignore[assignment]


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _same(a: Any, b: Any) -> bool:
    """Equal as stored JSON: 1, 1.0 and True differ; lists and mappings compare deeply."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _one_program(people: Sequence[Participant]) -> tuple[int, str, str]:
    first = people[0]
    where = (first.program_state_id, first.user.platform, first.user.workspace_id)
    for person in people:
        if person.id is not None:
            raise ValueError(f"participant {person.id} already has an id")
        if (person.program_state_id, person.user.platform, person.user.workspace_id) != where:
            raise ValueError("enrol_many takes people of one program and one workspace")
    users = [person.user.user_id for person in people]
    if len(set(users)) != len(users):
        raise ValueError("enrol_many got the same user twice")
    return where


async def enrol_many(session: AsyncSession, people: Sequence[Participant]) -> Enrolled:
    """See `core.ports.ParticipantRepository.enrol_many`."""
    if not people:
        return Enrolled({}, 0)
    state_id, platform, workspace = _one_program(people)
    # One JSON round trip for every answer: detaches them and rejects what JSON cannot hold.
    answers: list[dict[str, Any]] = json_copy([dict(p.answers) for p in people], "answers")
    await session.flush()
    # The whole program's people in this workspace in one query, not `IN` lists: on a table
    # whose statistics are stale (right after a first import) PostgreSQL scans it per list.
    rows = await session.execute(
        select(
            PARTICIPANT.c.id,
            PARTICIPANT.c.user_id,
            PARTICIPANT.c.roles,
            PARTICIPANT.c.status,
            PARTICIPANT.c.capacity,
            PARTICIPANT.c.paused_until,
        ).where(
            PARTICIPANT.c.program_state_id == state_id,
            PARTICIPANT.c.platform == platform,
            PARTICIPANT.c.workspace_id == workspace,
        )
    )
    wanted = {p.user.user_id for p in people}
    found = {row.user_id: row for row in rows if row.user_id in wanted}

    ids: dict[str, int] = {}
    changed: list[dict[str, Any]] = []
    fresh: list[dict[str, Any]] = []
    for person in people:
        row = found.get(person.user.user_id)
        fields = {
            "roles": roles_to_text(person.roles),
            "status": ParticipantStatus(person.status).value,
            "capacity": person.capacity,
            "paused_until": person.paused_until,
        }
        if row is None:
            fresh.append(
                {
                    "program_state_id": state_id,
                    "platform": platform,
                    "workspace_id": workspace,
                    "user_id": person.user.user_id,
                    "display_name": person.display_name,
                    "policy_accepted_at": person.policy_accepted_at,
                    "joined_at": person.joined_at,
                    **fields,
                }
            )
            continue
        ids[person.user.user_id] = row.id
        if any(getattr(row, name) != value for name, value in fields.items()):
            changed.append({"b_id": row.id, **fields})
    if changed:
        await session.execute(
            update(PARTICIPANT).where(PARTICIPANT.c.id == bindparam("b_id")), changed
        )
    if fresh:
        result = await session.execute(
            insert(PARTICIPANT).returning(PARTICIPANT.c.id, PARTICIPANT.c.user_id), fresh
        )
        ids.update((user_id, pid) for pid, user_id in result)
    await _write_answers(
        session,
        [(ids[p.user.user_id], given) for p, given in zip(people, answers, strict=True)],
        known={ids[user] for user in found},
        where=(state_id, platform, workspace),
    )
    session.expunge_all()
    return Enrolled(
        {PlatformUser(platform, workspace, user): pid for user, pid in ids.items()},
        len(fresh),
    )


async def _write_answers(
    session: AsyncSession,
    wanted: list[tuple[int, dict[str, Any]]],
    known: set[int],
    where: tuple[int, str, str],
) -> None:
    """Make everyone's answers exactly `wanted`; `known` are the people who may have some,
    `where` their program state, platform and workspace (one query reads all their answers)."""
    stored: dict[int, dict[str, tuple[int, Any]]] = {pid: {} for pid in known}
    if known:
        state_id, platform, workspace = where
        rows = await session.execute(
            select(ANSWER.c.id, ANSWER.c.participant_id, ANSWER.c.question_id, ANSWER.c.value)
            .join(PARTICIPANT, PARTICIPANT.c.id == ANSWER.c.participant_id)
            .where(
                PARTICIPANT.c.program_state_id == state_id,
                PARTICIPANT.c.platform == platform,
                PARTICIPANT.c.workspace_id == workspace,
            )
            .order_by(ANSWER.c.id)
        )
        for answer_id, pid, question_id, value in rows:
            if pid in stored:
                stored[pid][question_id] = (answer_id, value)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    stale: list[int] = []
    for pid, answers in wanted:
        have = stored.get(pid, {})
        for question_id, value in answers.items():
            old = have.pop(question_id, None)
            if old is None:
                inserts.append({"participant_id": pid, "question_id": question_id, "value": value})
            elif not _same(old[1], value):
                updates.append({"b_id": old[0], "value": value})
        stale.extend(answer_id for answer_id, _ in have.values())
    for chunk in _chunks(stale):
        await session.execute(delete(ANSWER).where(ANSWER.c.id.in_(chunk)))
    if updates:
        await session.execute(update(ANSWER).where(ANSWER.c.id == bindparam("b_id")), updates)
    if inserts:
        await _insert_answers(session, inserts)


async def _insert_answers(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # One statement, three arrays: PostgreSQL unpacks them server-side. The values are
        # serialized as SQLAlchemy's JSON type does it (`json.dumps`), so the text stored is
        # the same either way.
        await session.execute(
            text(
                "INSERT INTO answer (participant_id, question_id, value) "
                "SELECT p, q, CAST(v AS json) FROM unnest("
                "CAST(:p AS integer[]), CAST(:q AS varchar[]), CAST(:v AS text[])) AS t(p, q, v)"
            ),
            {
                "p": [row["participant_id"] for row in rows],
                "q": [row["question_id"] for row in rows],
                "v": [json.dumps(row["value"]) for row in rows],
            },
        )
        return
    # RETURNING makes SQLAlchemy send multi-row VALUES pages ("insertmanyvalues"); plain
    # executemany is slower for this many rows.
    await session.execute(insert(ANSWER).returning(ANSWER.c.id), rows)


async def add_matches(session: AsyncSession, matches: Sequence[MatchRecord]) -> int:
    """See `core.ports.MatchRepository.add_many`."""
    keys = list(dict.fromkeys(m.idempotency_key for m in matches))
    taken: set[str] = set()
    for chunk in _chunks(keys):
        taken.update(
            await session.scalars(
                select(MATCH.c.idempotency_key).where(MATCH.c.idempotency_key.in_(chunk))
            )
        )
    new: dict[str, MatchRecord] = {}
    for match in matches:
        if match.idempotency_key not in taken:
            new.setdefault(match.idempotency_key, match)
    if not new:
        return 0
    await session.flush()
    explanations = json_copy([m.explanation for m in new.values()], "explanation")
    result = await session.execute(
        insert(MATCH).returning(MATCH.c.id, MATCH.c.idempotency_key),
        [
            {
                "program_state_id": m.program_state_id,
                "cycle_id": m.cycle_id,
                "status": m.status.value,
                "score": m.score,
                "explanation": explanation,
                "created_at": m.created_at,
                "idempotency_key": m.idempotency_key,
                "introduced_at": m.introduced_at,
                "ended_at": m.ended_at,
                "ends_at": m.ends_at,
            }
            for m, explanation in zip(new.values(), explanations, strict=True)
        ],
    )
    match_ids = {key: match_id for match_id, key in result}
    await session.execute(
        insert(MEMBER).returning(MEMBER.c.match_id),
        [
            {
                "match_id": match_ids[key],
                "participant_id": member.participant_id,
                "role": member.role.value,
            }
            for key, m in new.items()
            for member in m.members
        ],
    )
    session.expunge_all()
    return len(new)
