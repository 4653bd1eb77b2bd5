"""Property-based tests on every inbound path, through the real service and store: typed
answers to every question type, commands and their arguments, roster rows (CSV and JSON) and
program files (YAML). Whatever comes in: no crash, a clear message when it is refused, and
nothing lost — state unchanged after a refusal, an accepted value stored exactly."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from core.content import Form
from core.forms import FormLimits
from core.matching import RosterError, parse_roster, parse_roster_csv
from core.onboarding.roster_import import import_roster
from core.ports import Capabilities
from core.programs.answers import InvalidAnswer, parse_text_answer, validate_answer
from core.programs.program import Program, ProgramError, Role, load_program
from core.service import FAILURE, FAILURE_AFTER_COMMIT
from core.verbs import ADMIN_BY_NAME, VERBS_BY_NAME
from storage.store import SqlStore
from tests.kit import ROOT, Harness, enrol, live
from tests.unit.test_engagement_flows import CHECKIN_DAYS, matched, the_match
from tests.unit.test_prompt_lifecycle import type_in_room

FIND = [Phase.explicit, Phase.reuse, Phase.generate]  # examples share a store: no shrinking
SHARED_FIXTURE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
WORDS = ("skip", "back", "cancel", "stop", "quit")  # the questionnaire's own words
TYPED = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789 ,;.-+:/", max_size=12),  # numbers, lists, offsets
    st.sampled_from(["1", "2, 3", "1,2,3,4,5,6", "0", "-1", "99", "1e3", "nan", "inf", "²",
                     "٣", "1, ²", "99999999999999999999999", "1e309", "-0",
                     "Europe/Berlin", "utc+5:30", "+14:00", "Career growth", "career",
                     "Chat, Email", "\x00", "\ud800", "  ", "a" * 600]),
)  # fmt: skip


async def ready(harness: Harness) -> None:
    """Ana (mentee) and Ben (mentor) enrolled, once per test: examples share the harness."""
    async with harness.bot.store.transaction() as uow:
        if await uow.programs.all():
            return
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")


def crashed(reply: str) -> bool:
    return FAILURE in reply or FAILURE_AFTER_COMMIT in reply


async def answers_of(harness: Harness, name: str) -> tuple[dict[str, Any], int, str]:
    async with harness.bot.store.transaction() as uow:
        (state,) = await uow.programs.all()
        person = await uow.participants.find(state.id, harness.user(name))
        assert person is not None
        return dict(person.answers), person.capacity, person.status.value


@settings(max_examples=40, deadline=None, suppress_health_check=SHARED_FIXTURE)
@given(data=st.data())
async def test_a_typed_answer_is_refused_clearly_or_stored_exactly(
    harness: Harness, data: st.DataObject
) -> None:
    await ready(harness)
    name = data.draw(st.sampled_from(["ana", "ben"]))
    program = harness.bot.default_program
    before, capacity, _ = await answers_of(harness, name)
    roles = {"ana": "mentee", "ben": "mentor"}[name]
    questions = [q for q in program.questions if q.ask.value in (roles, "both")]
    number = data.draw(st.integers(1, len(questions)))
    question = questions[number - 1]
    typed = data.draw(TYPED)
    assume(typed.strip().lower() not in WORDS and not typed.lstrip().startswith(("/", "!")))
    asked = await harness.say(name, f"/mentor profile edit {number}")
    assert not crashed(asked)
    reply = await harness.say(name, typed)
    assert not crashed(reply), reply
    after, new_capacity, _ = await answers_of(harness, name)
    try:
        expected = parse_text_answer(question, typed)
    except InvalidAnswer as refused:
        why = str(refused)
    else:
        why = ""
    if why:
        assert after == before, f"{question.id}: {typed!r} was refused but changed the profile"
        assert new_capacity == capacity
        assert why in reply, reply  # the reason, in words
        return
    assert after == {**before, question.id: expected} or (
        expected is None and after == {k: v for k, v in before.items() if k != question.id}
    ), f"{question.id}: {typed!r} should be stored as {expected!r}, got {after.get(question.id)!r}"


# Every verb, each with arguments from nothing to nonsense, as three kinds of people.
ARGUMENTS = st.lists(
    st.one_of(
        st.text(min_size=1, max_size=12).filter(lambda t: t.strip() == t and " " not in t),
        st.sampled_from(["edit", "done", "add", "remove", "accept", "decline", "1", "0", "99",
                         "²", "٣", "99999999999999999999999", "9223372036854775808",
                         "-3", "2w", "400d", "preview", "commit", "schedule", "48h", "status",
                         "stats", "end-match", "broadcast", "export", "mentor", "mentee", "both"]),
    ),
    max_size=3,
)  # fmt: skip
VERB_NAMES = sorted(
    {
        *VERBS_BY_NAME,
        *(f"admin {name}" for name in ADMIN_BY_NAME),
        "nonsense",
        "hlep",
        "ADMIN",
        "Help",
    }
)
HARMLESS = {"help", "status", "profile", "goals", "nonsense", "hlep", "Help", "admin status",
            "admin stats"}  # fmt: skip


async def fingerprint(harness: Harness) -> list[tuple[Any, ...]]:
    """Everyone's answers, capacity and status, and every match: what a refusal must keep."""
    async with harness.bot.store.transaction() as uow:
        states = await uow.programs.all()
        people = [p for s in states for p in await uow.participants.list(s.id)]
        matches = [m for s in states for m in await uow.matches.list(s.id)]
    return sorted(
        [(str(p.user), repr(sorted(p.answers.items())), p.capacity, p.status.value) for p in people]
    ) + sorted((m.key, m.status.value) for m in matches)


@settings(max_examples=60, deadline=None, suppress_health_check=SHARED_FIXTURE)
@given(
    who=st.sampled_from(["ana", "zed", "coordinator"]),
    verb=st.sampled_from(VERB_NAMES),
    args=ARGUMENTS,
)
async def test_any_command_gets_an_answer_and_a_refusal_changes_nothing(
    harness: Harness, who: str, verb: str, args: list[str]
) -> None:
    await ready(harness)
    assume(verb not in ("forget-me", "leave") or who != "ana")  # keep Ana for the next example
    line = " ".join(["/mentor", verb, *args])
    before = await fingerprint(harness)
    reply = await harness.say(who, line)
    assert reply.strip(), line
    assert not crashed(reply), f"{line!r} → {reply}"
    if verb in HARMLESS and (not args or args[0] != "edit"):
        assert await fingerprint(harness) == before, line
    if verb in ("nonsense", "hlep"):
        assert "help" in reply.lower(), reply


# Roster rows: a good roster with cells replaced by anything a spreadsheet may hold.
GOOD_ROWS: list[dict[str, str]] = [
    {"id": "ana", "role": "mentee", "capacity": "", "topics_wanted": "career;leadership",
     "goals": "Grow.", "languages": "en", "timezone": "Europe/Berlin", "years_experience": "2",
     "communication": "chat", "availability": "regular", "bio": "Hi."},
    {"id": "ben", "role": "mentor", "capacity": "2", "topics_offered": "career",
     "mentee_capacity": "2", "languages": "en;es", "timezone": "+01:00",
     "years_experience": "12", "communication": "chat;email", "availability": "light",
     "bio": "Manager."},
]  # fmt: skip
COLUMNS = sorted({column for row in GOOD_ROWS for column in row})
CELL = st.one_of(
    st.text(max_size=15),
    st.sampled_from(["", "mentor", "mentee", "both", "-1", "0", "5", "99", "1.5", "career;nope",
                     "en;en", "Mars/Base", "\x00", "a,b", '"', "\n", "=1+1"]),
)  # fmt: skip


def as_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def bundled() -> Program:
    return load_program(ROOT / "programs" / "default.yaml")


@settings(max_examples=60, deadline=None, suppress_health_check=SHARED_FIXTURE, phases=FIND)
@given(data=st.data())
async def test_a_roster_row_is_refused_with_its_place_or_imported_exactly(
    memory_store: SqlStore, bundled: Program, data: st.DataObject
) -> None:
    rows = copy.deepcopy(GOOD_ROWS)
    for _ in range(data.draw(st.integers(1, 3))):
        row = data.draw(st.sampled_from(rows))
        row[data.draw(st.sampled_from(COLUMNS))] = data.draw(CELL)
    as_json = data.draw(st.booleans())
    before = await people_in(memory_store)
    try:
        if as_json:
            raw = {"participants": [_json_row(row) for row in rows]}
            roster = parse_roster(json.loads(json.dumps(raw)), bundled, "r.json")
        else:
            roster = parse_roster_csv(as_csv(rows), bundled, "r.csv")
    except RosterError as refused:
        message = str(refused)
        assert message.startswith("r.json: " if as_json else "r.csv: "), message
        assert await people_in(memory_store) == before  # nothing was written
        return
    for _ in range(2):  # importing again changes nothing (idempotent)
        await import_roster(
            memory_store, bundled, roster, platform="shell", workspace="local", now=NOW
        )
        stored = await people_in(memory_store)
        for candidate in roster.candidates:
            answers, roles, capacity = stored[candidate.id]
            assert answers == dict(candidate.answers)  # stored exactly
            assert roles == set(candidate.roles)
            assert capacity == (candidate.capacity if Role.MENTOR in roles else 0)


async def people_in(store: SqlStore) -> dict[str, tuple[dict[str, Any], set[Role], int]]:
    async with store.transaction() as uow:
        return {
            p.user.user_id: (dict(p.answers), set(p.roles), p.capacity)
            for state in await uow.programs.all()
            for p in await uow.participants.list(state.id)
        }


NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _json_row(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the JSON roster writes it: answers keyed by question, lists as lists."""
    answers: dict[str, Any] = {}
    for column, cell in row.items():
        if column in ("id", "role", "capacity") or cell == "":
            continue
        answers[column] = cell.split(";") if ";" in cell else cell
    out: dict[str, Any] = {"id": row["id"], "role": row["role"], "answers": answers}
    if row.get("capacity"):
        out["capacity"] = row["capacity"]
    return out


# Program files: the bundled YAML with its text edited anyhow.
BUNDLED_TEXT = (ROOT / "programs" / "default.yaml").read_text(encoding="utf-8")


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_any_edit_of_a_program_file_loads_or_names_its_problems(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    text = BUNDLED_TEXT
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 40))
        insert = data.draw(
            st.one_of(
                st.text(max_size=6),
                st.sampled_from(["\t", ": ", "- ", "{", "]", "&a", "*a", "'", "#", "\ufeff",
                                 "!!python/object:os.system", "\n  - id: x\n", "\x00"]),
            )
        )  # fmt: skip
        text = text[:at] + insert + text[at + cut :]
    folder = tmp_path_factory.mktemp("programs")
    path = folder / "program.yaml"
    as_bytes = data.draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    try:
        path.write_bytes(text.encode(as_bytes, errors="surrogatepass"))
    except UnicodeEncodeError:
        assume(False)
    try:
        program = load_program(path)
    except ProgramError as refused:
        lines = str(refused).splitlines()
        assert lines
        for line in lines:
            assert line.startswith(f"{path}"), line
            assert "Traceback" not in line
            assert "pydantic" not in line.lower(), line
        return
    assert isinstance(program, Program)
    # what loaded is what the file says
    raw = yaml.safe_load(text)
    assert program.id == raw["id"]
    assert [q.id for q in program.questions] == [q["id"] for q in raw["questions"]]


def test_the_bundled_program_file_loads(bundled: Program) -> None:
    assert isinstance(bundled, Program)
    assert Path(ROOT / "programs" / "default.yaml").exists()


@pytest.mark.parametrize(
    ("who", "line"),
    [
        ("coordinator", "/mentor admin end-match 99999999999999999999999"),
        ("coordinator", "/mentor admin end-match ²"),
        ("ana", "/mentor goals done 99999999999999999999999"),
        ("ben", "/mentor request accept 99999999999999999999999"),
        ("ben", "/mentor request decline ٣"),
        ("ana", "/mentor profile edit ²"),
        ("ana", "/mentor pause 99999999999999999999999d"),
    ],
)
async def test_numbers_no_store_can_hold_are_refused_not_crashed_on(
    harness: Harness, who: str, line: str
) -> None:
    await ready(harness)
    before = await fingerprint(harness)
    reply = await harness.say(who, line)
    assert not crashed(reply), reply
    assert reply.strip()
    assert await fingerprint(harness) == before


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**20) | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=4), inner, max_size=2),
    max_leaves=5,
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=SHARED_FIXTURE, phases=FIND)
@given(data=st.data())
async def test_a_submitted_form_is_refused_field_by_field_or_stored_exactly(
    harness: Harness, data: st.DataObject
) -> None:
    """What a platform's form (a Slack modal) sends: any JSON values, for any fields."""
    await ready(harness)
    harness.port.caps = Capabilities(forms=FormLimits(), buttons=True)  # a platform with forms
    program = harness.bot.default_program
    questions = {q.id: q for q in program.questions if q.ask.value in ("mentee", "both")}
    fields = data.draw(st.lists(st.sampled_from(sorted(questions)), min_size=1, max_size=3))
    good_values = {"languages": ["es"], "bio": "New bio.", "years_experience": 7}
    values = {
        qid: data.draw(st.one_of(JSONISH, st.just(good_values.get(qid, "1")))) for qid in fields
    }
    before = (await answers_of(harness, "ana"))[0]
    (form,) = (await harness.say_reply("ana", "/mentor profile edit")).messages
    assert isinstance(form, Form)
    reply = await harness.submit("ana", form.id, values)
    text = Harness.text(reply)
    assert not crashed(text), text
    after, _, _ = await answers_of(harness, "ana")
    if reply.form_errors:
        assert set(reply.form_errors) <= set(values), reply.form_errors
        assert all(why.strip() for why in reply.form_errors.values())
        assert after == before  # one bad field: nothing of the form is saved
        return
    assert "saved" in text.lower(), text
    for qid in values:  # stored as given (normalised), and reading it back gives the same
        assert validate_answer(questions[qid], after.get(qid)) == after.get(qid)
    assert {k: v for k, v in after.items() if k not in values} == {
        k: v for k, v in before.items() if k not in values
    }


CHAT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1", " 2 ", "3", "4", "0", "²", "٢", "1, 2", "Yes", "yes", "Not yet", "2."]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=SHARED_FIXTURE, phases=FIND)
@given(who=st.sampled_from(["ana", "ben"]), typed=CHAT)
async def test_only_a_members_first_bare_number_answers_a_checkin(
    harness: Harness, who: str, typed: str
) -> None:
    """Anything typed in a match's space: a bare number answers the open check-in once per
    member; every other line is conversation, never taken as an answer."""
    if not harness.port.spaces:
        await matched(harness)
        await live(harness, CHECKIN_DAYS + 0.5)
    (space,) = harness.port.spaces
    (checkin,) = harness.prompts_in(space.space_id)
    before = await checkin_answers(harness)
    reply = await type_in_room(harness, who, space.space_id, typed)
    assert not crashed(reply), reply
    after = await checkin_answers(harness)
    member = {"ana": 1, "ben": 2}[who]
    number = typed.strip()
    first = member not in {person for _, person, _ in before}
    if first and number.isdecimal() and 1 <= int(number) <= len(checkin.choices):
        assert after == before | {(1, member, checkin.choices[int(number) - 1].id)}
    else:
        assert after == before, f"{typed!r} from {who} was taken as an answer"


async def checkin_answers(harness: Harness) -> set[tuple[int, int, str]]:
    match = await the_match(harness)
    async with harness.bot.store.transaction() as uow:
        found = await uow.engagement.checkins(match.key)
    return {(c.number, c.participant_id, c.answer.value) for c in found}
