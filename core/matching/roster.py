"""Roster files for offline matching and import: JSON (the format in docs/architecture.md) and CSV.

JSON: `{"participants": [{"id", "role", "capacity"?, "answers": {question_id: value}}],
"history": [[mentee_id, mentor_id], ...], "declined": [[mentee_id, mentor_id], ...]?}`.
CSV: a header row with `id`, `role`, optional `capacity` and one column per question id; an
empty cell is no answer; multi-choice cells list values separated by `;` or `|`. CSV carries
no history. The columns `name`, `status` and `joined_at` of `admin export`'s participants file
are skipped (unless a question has that id), and a cell that the export protected from
spreadsheets (`'=…`, `'+01:00`) is read without the leading `'`.

`role` is `mentor`, `mentee` or `both`. Answers are validated with `validate_answer`, exactly
like questionnaire answers; a question not asked to the participant's role is an error, and so
is a missing answer to a required question; text the database would refuse (NUL characters,
lone surrogates) is refused here too. A mentor's capacity is the `capacity` field (a
coordinator's override, at most the program's `capacity.maximum`), else
`Program.capacity_for(answers)`; one-to-one programs cap it at 1. History and declined pairs are
`[mentee_id, mentor_id]`: the first must have the mentee role, the second the mentor role.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.content import plural
from core.programs.answers import InvalidAnswer, unstorable_problem, validate_answer
from core.programs.program import Mode, Program, Question, QuestionKind, Role, not_utf8

from .model import Candidate

_ROLES = {"mentor": frozenset({Role.MENTOR}), "mentee": frozenset({Role.MENTEE}),
          "both": frozenset({Role.MENTOR, Role.MENTEE})}  # fmt: skip
_FIXED_COLUMNS = ("id", "role", "capacity")
_INFO_COLUMNS = ("name", "status", "joined_at")  # written by `admin export`, not read
_PROTECTED = ("'=", "'+", "'-", "'@", "'\t", "'\r")  # see core.coordinator.export.safe_cell


def _unprotected(cell: str) -> str:
    return cell[1:] if cell.startswith(_PROTECTED) else cell


class RosterError(ValueError):
    """A roster that cannot be used; the message names the participant/row and the field."""


@dataclass(frozen=True)
class Roster:
    candidates: tuple[Candidate, ...]
    history: frozenset[tuple[str, str]]
    declined: frozenset[tuple[str, str]]


def _where(source: str, label: str, field: str) -> str:
    return f"{source}: {label}: {field}"


def _roles(raw: Any, program: Program, where: str) -> frozenset[Role]:
    roles = _ROLES.get(str(raw).strip().lower()) if isinstance(raw, str) else None
    if roles is None:
        raise RosterError(f"{where}: unknown role {raw!r} (use mentor, mentee or both)")
    if len(roles) == 2 and not program.allow_both_roles:
        raise RosterError(f"{where}: this program does not allow the role 'both'")
    return roles


def _capacity(raw: Any, program: Program, where: str) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = int(raw.strip())
        except ValueError:
            raise RosterError(f"{where}: {raw!r} is not a whole number") from None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise RosterError(f"{where}: {raw!r} is not a whole number")
    if raw < 0:
        raise RosterError(f"{where}: capacity cannot be negative ({raw})")
    if raw > program.capacity.maximum:
        raise RosterError(
            f"{where}: {raw} is above the program's maximum capacity of "
            f"{program.capacity.maximum} (capacity.maximum in the program file)"
        )
    return raw


def _answer_key(value: Any) -> Hashable | None:
    """A key under which equal answers share one validation, or None (validate every time).

    The type is part of the key (`1`, `1.0` and `True` are equal in Python but not as answers).
    A list is keyed by its elements: only all-text lists pass validation, and only text equals
    text, so a remembered list is only ever reused for the same texts.
    """
    kind = type(value)
    if kind is list:
        return (list, tuple(value))
    if kind is str or kind is int or kind is float:
        return (kind, value)
    return None


class _Questions:
    """The program's question ids, and the questions asked per set of roles, looked up once
    per roster rather than once per row (a roster has 12,000 rows and three role sets).

    Validation is a pure function of (question, value) and a roster repeats the same few
    answers (timezones, languages, topic sets) thousands of times, so each distinct valid
    answer is validated once; a refused answer is refused on every row, as before.
    """

    def __init__(self, program: Program) -> None:
        self.program = program
        self.known = frozenset(q.id for q in program.questions)
        self._asked: dict[frozenset[Role], dict[str, Question]] = {}
        self._valid: dict[tuple[str, Hashable], Any] = {}

    def asked(self, roles: frozenset[Role]) -> dict[str, Question]:
        if roles not in self._asked:
            self._asked[roles] = {q.id: q for q in self.program.questions_for(roles)}
        return self._asked[roles]

    def validate(self, question: Question, value: Any) -> Any:
        """`validate_answer`, remembered per distinct answer; lists come back as fresh copies."""
        key = _answer_key(value)
        if key is None:
            return validate_answer(question, value)
        slot = (question.id, key)
        try:
            clean = self._valid[slot]
        except KeyError:
            clean = self._valid[slot] = validate_answer(question, value)
        except TypeError:  # an unhashable element: a list the question will refuse anyway
            return validate_answer(question, value)
        return list(clean) if type(clean) is list else clean


def _candidate(
    questions: _Questions,
    pid: Any,
    role: Any,
    capacity: Any,
    answers: Any,
    source: str,
    label: str,
) -> Candidate:
    program = questions.program
    if not isinstance(pid, str) or not pid.strip():
        raise RosterError(_where(source, label, "id") + ": a non-empty text id is required")
    problem = unstorable_problem(pid)
    if problem:
        raise RosterError(_where(source, label, "id") + f": {problem}")
    label = f"{label} ({pid!r})"
    roles = _roles(role, program, _where(source, label, "role"))
    if not isinstance(answers, dict):
        raise RosterError(_where(source, label, "answers") + ": expected a mapping")
    asked = questions.asked(roles)
    known = questions.known
    clean: dict[str, Any] = {}
    for qid in answers:
        if qid not in known:
            raise RosterError(_where(source, label, f"answers.{qid}") + ": unknown question id")
        if qid not in asked:
            raise RosterError(
                _where(source, label, f"answers.{qid}")
                + f": this question is not asked to a {'/'.join(sorted(roles))}"
            )
    for qid, question in asked.items():
        try:
            clean[qid] = questions.validate(question, answers.get(qid))
        except InvalidAnswer as error:
            raise RosterError(_where(source, label, f"answers.{qid}") + f": {error}") from None
    explicit = _capacity(capacity, program, _where(source, label, "capacity"))
    cap = 0
    if Role.MENTOR in roles:
        cap = explicit if explicit is not None else program.capacity_for(clean)
        if program.mode is Mode.ONE_TO_ONE:
            cap = min(cap, 1)
    return Candidate(pid, roles, cap, clean)


def _pairs(
    raw: Any, name: str, roles: dict[str, frozenset[Role]], source: str
) -> frozenset[tuple[str, str]]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise RosterError(f"{source}: {name}: expected a list of [mentee_id, mentor_id] pairs")
    out = set()
    for n, pair in enumerate(raw, start=1):
        where = f"{source}: {name} entry #{n}"
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise RosterError(f"{where}: expected [mentee_id, mentor_id], got {pair!r}")
        if not all(isinstance(part, str) for part in pair):
            raise RosterError(f"{where}: ids must be text, got {pair!r}")
        unknown = [part for part in pair if part not in roles]
        if unknown:
            raise RosterError(f"{where}: {unknown[0]!r} is not a participant of this roster")
        for part, role in zip(pair, (Role.MENTEE, Role.MENTOR), strict=True):
            if role not in roles[part]:
                raise RosterError(
                    f"{where}: {part!r} is not a {role.value} in this roster, but the pair "
                    f"names them as one; write pairs as [mentee_id, mentor_id]"
                )
        out.add((pair[0], pair[1]))
    return frozenset(out)


def _unique(candidates: list[Candidate], labels: list[str], source: str) -> None:
    seen: dict[str, str] = {}
    for candidate, label in zip(candidates, labels, strict=True):
        if candidate.id in seen:
            raise RosterError(
                f"{source}: {label} ({candidate.id!r}): id: duplicate id, "
                f"already used by {seen[candidate.id]}"
            )
        seen[candidate.id] = label


def parse_roster(raw: Any, program: Program, source: str = "roster") -> Roster:
    """A roster from parsed JSON."""
    if not isinstance(raw, dict) or not isinstance(raw.get("participants"), list):
        raise RosterError(f"{source}: expected an object with a 'participants' list")
    extra = set(raw) - {"participants", "history", "declined"}
    if extra:
        raise RosterError(f"{source}: unknown top-level field {sorted(extra)[0]!r}")
    questions = _Questions(program)
    candidates, labels = [], []
    for n, row in enumerate(raw["participants"], start=1):
        label = f"participant #{n}"
        if not isinstance(row, dict):
            raise RosterError(f"{source}: {label}: expected an object")
        unknown = set(row) - {"id", "role", "capacity", "answers"}
        if unknown:
            raise RosterError(f"{source}: {label}: {sorted(unknown)[0]}: unknown field")
        candidates.append(
            _candidate(
                questions,
                row.get("id"),
                row.get("role"),
                row.get("capacity"),
                row.get("answers", {}),
                source,
                label,
            )
        )
        labels.append(label)
    _unique(candidates, labels, source)
    roles = {c.id: c.roles for c in candidates}
    return Roster(
        tuple(candidates),
        _pairs(raw.get("history"), "history", roles, source),
        _pairs(raw.get("declined"), "declined", roles, source),
    )


def _cell(program: Program, qid: str, text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    if program.question(qid).kind is QuestionKind.MULTI_CHOICE:
        return [part.strip() for part in re.split(r"[;|]", text) if part.strip()]
    return text


def parse_roster_csv(text: str, program: Program, source: str = "roster") -> Roster:
    """A roster from CSV text (see module doc)."""
    reader = csv.reader(io.StringIO(text, newline=""))  # cells may hold line breaks
    try:
        return _roster_rows(reader, program, source)
    except csv.Error as error:
        raise RosterError(f"{source}: row {reader.line_num}: not valid CSV ({error})") from None


def _roster_rows(reader: Any, program: Program, source: str) -> Roster:
    """The roster in a CSV reader's rows: a header naming the columns, then one person a row."""
    header = next(reader, None)
    if not header:
        raise RosterError(f"{source}: the CSV file is empty")
    header = [h.strip() for h in header]
    known = {q.id for q in program.questions}
    skipped = {name for name in _INFO_COLUMNS if name not in known}
    for column, name in enumerate(header, start=1):
        if name not in known and name not in _FIXED_COLUMNS and name not in skipped:
            raise RosterError(f"{source}: header column {column} {name!r}: unknown question id")
    if "id" not in header or "role" not in header:
        raise RosterError(f"{source}: header: the columns 'id' and 'role' are required")
    questions = _Questions(program)
    candidates, labels = [], []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        label = f"row {line}"
        if len(row) != len(header):
            raise RosterError(
                f"{source}: {label}: has {plural(len(row), 'cell')}, "
                f"the header has {plural(len(header), 'column')}"
            )
        cells = {
            name: _unprotected(cell)
            for name, cell in zip(header, row, strict=True)
            if name not in skipped
        }
        answers = {
            qid: value
            for qid, cell in cells.items()
            if qid not in _FIXED_COLUMNS and (value := _cell(program, qid, cell)) is not None
        }
        candidates.append(
            _candidate(
                questions,
                cells["id"].strip(),
                cells["role"],
                cells.get("capacity"),
                answers,
                source,
                label,
            )
        )
        labels.append(label)
    _unique(candidates, labels, source)
    return Roster(tuple(candidates), frozenset(), frozenset())


def load_roster(path: Path, program: Program) -> Roster:
    """Read a `.csv` or JSON roster file; every problem is a RosterError."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:  # a cell's "\r" stays
            text = file.read()
    except OSError as error:
        raise RosterError(f"{path}: cannot read the file ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise RosterError(f"{path}: {not_utf8(error)}") from None
    if path.suffix.lower() == ".csv":
        return parse_roster_csv(text, program, str(path))
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise RosterError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno}"
        ) from None
    return parse_roster(raw, program, str(path))
