"""A program's data as a zip of CSV files: for reports, audits and moving to another tool.

`participants.csv` is a roster (`core.matching.roster`): `id`, `role`, `capacity`, then one
column per question holding answer *values* (choice ids, not labels), multi-choice values
joined by `;`, so `mentorbot roster import` and `mentorbot match` read it back. Its `name`,
`status` and `joined_at` columns are information the roster reader skips. People who are
part-way through joining or have left are in `others.csv` (their answers are incomplete).

Anonymised, every identity (participants and coordinators) becomes a pseudonym that stays the
same across the files of one export (and differs between exports), and free text — names, text
answers, goals, feedback comments, match explanations, audit details — is left out.

Spreadsheet safety: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
prefixed with `'`, so a spreadsheet shows it as text instead of running it as a formula; the
roster reader removes that prefix again.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.domain import (
    AuditEntry,
    MatchRecord,
    MatchStatus,
    Participant,
    ParticipantStatus,
    ProgramEngagement,
)
from core.identity import PlatformUser
from core.ports import Store, UnitOfWork
from core.programs.program import Program, QuestionKind, Role

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MULTI_SEPARATOR = ";"
ENROLLED = (ParticipantStatus.ACTIVE, ParticipantStatus.PAUSED)


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text: formulas neutralised with a leading `'`."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def answer_cell(value: Any) -> str:
    """An answer value as the roster reader reads it back (lists joined by `;`)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return MULTI_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _when(at: datetime | None) -> str:
    return "" if at is None else at.isoformat(timespec="seconds")


def _role(roles: frozenset[Role]) -> str:
    return "both" if len(roles) == 2 else next(iter(roles)).value if roles else ""


@dataclass(slots=True)
class Pseudonyms:
    """Identities as shown in an export: themselves, or per-export pseudonyms."""

    anonymised: bool
    _given: dict[PlatformUser, str] = field(default_factory=dict)

    def assign(self, people: Sequence[PlatformUser], prefix: str) -> None:
        """Numbers in a random order, so a pseudonym tells nothing about who joined when."""
        fresh = [p for p in dict.fromkeys(people) if p not in self._given]
        numbers = list(range(len(self._given) + 1, len(self._given) + len(fresh) + 1))
        random.SystemRandom().shuffle(numbers)
        width = max(3, len(str(len(self._given) + len(fresh))))
        for person, number in zip(fresh, numbers, strict=True):
            self._given[person] = f"{prefix}{number:0{width}d}"

    def of(self, user: PlatformUser) -> str:
        if not self.anonymised:
            return user.user_id
        if user not in self._given:
            self.assign([user], "person-")
        return self._given[user]


@dataclass(frozen=True, slots=True)
class Export:
    """The zip's bytes, with counts for the message that goes with it."""

    data: bytes
    participants: int
    matches: int


def _csv(rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8")


async def build_export(
    uow: UnitOfWork, program: Program, state_id: int, *, anonymised: bool = False
) -> Export:
    """Every file of the export, read in the caller's transaction."""
    people = await uow.participants.list(state_id)
    by_id = {p.key: p for p in people}
    names = Pseudonyms(anonymised)
    names.assign([p.user for p in people], "person-")
    matches = await uow.matches.list(state_id, (MatchStatus.ACTIVE, MatchStatus.ENDED))
    cycles = {c.id: c.number for c in await uow.cycles.all(state_id)}
    known = await uow.engagement.engagement_in(state_id)
    files = {
        "participants.csv": _participants(program, people, names),
        "others.csv": _others(people, names),
        "matches.csv": _matches(matches, by_id, cycles, names),
        "checkins.csv": _checkins(known, by_id, names),
        "goals.csv": _goals(known, by_id, names),
        "feedback.csv": await _feedback(uow, state_id, by_id, names),
        "audit.csv": await _audit(uow, state_id, names),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return Export(buffer.getvalue(), sum(p.status in ENROLLED for p in people), len(matches))


def _participants(program: Program, people: list[Participant], names: Pseudonyms) -> bytes:
    questions = [
        q for q in program.questions if not (names.anonymised and q.kind is QuestionKind.TEXT)
    ]
    info = [] if names.anonymised else ["name"]
    rows: list[list[object]] = [
        ["id", "role", "capacity", *info, "status", "joined_at", *[q.id for q in questions]]
    ]
    for person in people:
        if person.status not in ENROLLED or not person.roles:
            continue
        asked = {q.id for q in program.questions_for(person.roles)}
        rows.append(
            [
                names.of(person.user),
                _role(person.roles),
                person.capacity if Role.MENTOR in person.roles else "",
                *([] if names.anonymised else [person.display_name]),
                person.status.value,
                _when(person.joined_at),
                *[
                    answer_cell(person.answers.get(q.id)) if q.id in asked else ""
                    for q in questions
                ],
            ]
        )
    return _csv(rows)


def _others(people: list[Participant], names: Pseudonyms) -> bytes:
    info = [] if names.anonymised else ["name"]
    rows: list[list[object]] = [["id", *info, "role", "status", "joined_at"]]
    rows.extend(
        [
            names.of(p.user),
            *([] if names.anonymised else [p.display_name]),
            _role(p.roles),
            p.status.value,
            _when(p.joined_at),
        ]
        for p in people
        if p.status not in ENROLLED or not p.roles
    )
    return _csv(rows)


def _member_ids(
    match: MatchRecord, role: Role, by_id: dict[int, Participant], names: Pseudonyms
) -> str:
    return MULTI_SEPARATOR.join(
        names.of(by_id[pid].user) if pid in by_id else f"removed-{pid}" for pid in match.ids(role)
    )


def _matches(
    matches: list[MatchRecord],
    by_id: dict[int, Participant],
    cycles: dict[int, int],
    names: Pseudonyms,
) -> bytes:
    explain = [] if names.anonymised else ["explanation"]
    rows: list[list[object]] = [
        ["match", "cycle", "status", "mentors", "mentees", "score", *explain,
         "created_at", "ended_at"]
    ]  # fmt: skip
    for match in matches:
        rows.append(
            [
                match.key,
                cycles.get(match.cycle_id, ""),
                match.status.value,
                _member_ids(match, Role.MENTOR, by_id, names),
                _member_ids(match, Role.MENTEE, by_id, names),
                f"{match.score:.3f}",
                *([] if names.anonymised else [" | ".join(match.explanation)]),
                _when(match.created_at),
                _when(match.ended_at),
            ]
        )
    return _csv(rows)


def _who(pid: int, by_id: dict[int, Participant], names: Pseudonyms) -> str:
    return names.of(by_id[pid].user) if pid in by_id else f"removed-{pid}"


def _checkins(known: ProgramEngagement, by_id: dict[int, Participant], names: Pseudonyms) -> bytes:
    rows: list[list[object]] = [["match", "checkin", "participant", "answer", "answered_at"]]
    for match_id, checkins in sorted(known.checkins.items()):
        for c in checkins:
            rows.append(
                [match_id, c.number, _who(c.participant_id, by_id, names), c.answer.value,
                 _when(c.answered_at)]
            )  # fmt: skip
    return _csv(rows)


def _goals(known: ProgramEngagement, by_id: dict[int, Participant], names: Pseudonyms) -> bytes:
    text = [] if names.anonymised else ["goal"]
    rows: list[list[object]] = [
        ["match", "participant", *text, "progress", "created_at", "updated_at"]
    ]
    for match_id, goals in sorted(known.goals.items()):
        for g in goals:
            rows.append(
                [match_id, _who(g.participant_id, by_id, names),
                 *([] if names.anonymised else [g.text]), g.progress.value,
                 _when(g.created_at), _when(g.updated_at)]
            )  # fmt: skip
    return _csv(rows)


async def _feedback(
    uow: UnitOfWork, state_id: int, by_id: dict[int, Participant], names: Pseudonyms
) -> bytes:
    comment = [] if names.anonymised else ["comment"]
    rows: list[list[object]] = [["match", "participant", "kind", "rating", *comment, "answered_at"]]
    for f in await uow.engagement.feedback_for(state_id):
        rows.append(
            [f.match_id, _who(f.participant_id, by_id, names), f.kind,
             "" if f.rating is None else f.rating,
             *([] if names.anonymised else [f.comment or ""]), _when(f.answered_at)]
        )  # fmt: skip
    return _csv(rows)


async def _audit(uow: UnitOfWork, state_id: int, names: Pseudonyms) -> bytes:
    entries = await uow.audit.page(state_id, 0, await uow.audit.count(state_id))
    who = ["by"] if names.anonymised else ["by", "name"]
    detail = [] if names.anonymised else ["detail"]
    rows: list[list[object]] = [["at", *who, "action", *detail]]
    names.assign([e.actor for e in reversed(entries)], "coordinator-")
    for e in entries:
        rows.append(
            [_when(e.at), names.of(e.actor) if names.anonymised else str(e.actor),
             *([] if names.anonymised else [e.actor_name]), e.action,
             *([] if names.anonymised else [e.detail])]
        )  # fmt: skip
    return _csv(rows)


async def export_from(
    store: Store,
    program: Program,
    *,
    platform: str,
    workspace: str,
    anonymised: bool,
    by: PlatformUser,
    now: datetime,
) -> Export | None:
    """The export of `program` in a workspace, recorded in its audit log as done by `by`
    (the command line); None when the program has no data there."""
    async with store.transaction() as uow:
        for state in await uow.programs.all():
            where = await uow.workspaces.get(state.workspace_id)
            if state.program_key == program.id and where == (platform, workspace):
                detail = "anonymised, command line" if anonymised else "full, command line"
                await uow.audit.record(AuditEntry(state.id, by, by.user_id, "export", now, detail))
                return await build_export(uow, program, state.id, anonymised=anonymised)
    return None
