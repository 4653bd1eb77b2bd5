"""my-data, forget-me and retention through the bot, on SQLite and PostgreSQL.

Two programs run in the workspace; Ana is in both. What she gets from `my-data` is read from the
JSON file itself; after `forget-me`, every table of the database is read back and searched for
what she typed and who she was.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from core.clock import ManualClock
from core.content import File, Prompt
from core.domain import FORGOTTEN_NAME, MatchStatus, ParticipantStatus
from core.participants.forget import without_names
from core.participants.retention import expire_answers
from core.programs.program import Program
from core.service import MentorBot
from storage.store import SqlStore
from tests.kit import MENTEE_ANSWERS, MENTOR_ANSWERS, FakeChat, Harness, enrol, live

GOAL = "Run my first team retro"
COMMENT = "Ben is great, thanks for the time!"


@pytest.fixture
def second(program: Program) -> Program:
    return program.model_copy(update={"id": "second", "name": "Second Circle"})


@pytest.fixture
def both(store: SqlStore, program: Program, second: Program, port: FakeChat, clock: ManualClock):
    """The bot with two programs on `store` (SQLite and PostgreSQL)."""
    bot = MentorBot([program, second], store, {"fake": port}, clock)
    return Harness(bot, port, clock)


async def enrol_in_second(harness: Harness, name: str) -> None:
    await harness.say(name, "/mentor join second mentee")
    await harness.answer_all(name, MENTEE_ANSWERS)
    assert "You're enrolled in *Second Circle*" in await harness.say(name, "1")


async def my_data(harness: Harness, name: str) -> dict[str, Any]:
    reply = await harness.say_reply(name, "/mentor my-data")
    assert reply.private
    (file,) = [c for c in reply.messages if isinstance(c, File)]
    assert (file.name, file.media_type) == ("mentorbot-my-data.json", "application/json")
    found: dict[str, Any] = json.loads(file.data)
    return found


async def matched(harness: Harness) -> str:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    assert "Round committed: 1 match" in await harness.say(
        "coordinator", "/mentor admin match commit"
    )
    (space,) = harness.port.spaces
    return space.space_id


async def every_row(store: SqlStore) -> list[str]:
    """Every row of every table in the database, as text (the tables the database has, not
    the ones the models declare)."""
    rows: list[str] = []
    async with store.engine.connect() as connection:
        tables = MetaData()
        await connection.run_sync(tables.reflect)
        for table in tables.sorted_tables:
            for row in await connection.execute(select(table)):
                rows.append(f"{table.name}: {tuple(row)!r}")
    return rows


async def quoted_in_outbox(store: SqlStore, words: str) -> list[str]:
    return [r for r in await every_row(store) if r.startswith("reminder:") and words in r]


async def test_my_data_holds_everything_about_the_person_and_nothing_of_others(
    both: Harness,
) -> None:
    space = await matched(both)
    await enrol_in_second(both, "ana")
    assert "Goal added" in await both.say("ana", f"/mentor goals add {GOAL}")
    await both.in_room("ana", space, "hello")
    await both.in_room("ana", space, "again")
    await live(both, 15)  # the first check-in arrives in the space
    (checkin,) = [p for p in both.prompts_in(space) if ":checkin:" in p.id]
    await both.click("ana", "yes", prompt_id=checkin.id)
    data = await my_data(both, "ana")
    assert data["you"] == {"platform": "fake", "workspace": "ws1", "user": "ana"}
    first, other = data["programs"]
    assert (first["program"], other["program"]) == ("mentoring", "second")
    assert first["answers"]["bio"] == "Engineer in Madrid."
    assert first["profile"]["status"] == "active"
    (match,) = first["matches"]
    assert match["your_role"] == "mentee"
    assert match["with"] == ["Ben"]
    assert match["status"] == "active"
    assert [g["goal"] for g in match["goals"]] == [GOAL]
    assert [(c["number"], c["answer"]) for c in match["checkins"]] == [(1, "yes")]
    assert match["messages_per_day"]["2026-03-02"] == 2  # (answering a check-in counts too)
    pending = {r["kind"] for r in first["reminders_pending"]}
    assert "checkin" in pending, pending
    assert other["matches"] == []
    assert first["requests"] == first["feedback_you_gave"] == []
    text = json.dumps(data)
    assert "Engineering manager." not in text  # Ben's answers are his
    ben = await my_data(both, "ben")
    assert GOAL not in json.dumps(ben)  # Ana's goals are hers
    assert [p["program"] for p in ben["programs"]] == ["mentoring"]


async def test_my_data_lists_requests_and_forgetting_expires_them(harness: Harness) -> None:
    await enrol(harness, "ana")
    await enrol(harness, "ben", "mentor")
    assert "Ben" in await harness.say("ana", "/mentor request")
    asked = await harness.say("ana", "1")
    assert "Ben" in asked, asked
    (request,) = (await my_data(harness, "ana"))["programs"][0]["requests"]
    assert (request["you"], request["mentor"], request["status"]) == ("asked", "Ben", "pending")
    (theirs,) = (await my_data(harness, "ben"))["programs"][0]["requests"]
    assert (theirs["you"], theirs["mentee"]) == ("were asked", "Ana")
    await harness.say("ana", "/mentor forget-me")
    await harness.say("ana", "1")
    (expired,) = (await my_data(harness, "ben"))["programs"][0]["requests"]
    assert (expired["mentee"], expired["status"]) == (FORGOTTEN_NAME, "expired")
    assert "Requests waiting" not in await harness.say("ben", "/mentor status")


async def test_my_data_of_someone_unknown_says_so(harness: Harness) -> None:
    reply = await harness.say_reply("zed", "/mentor my-data")
    assert reply.private
    assert harness.text(reply) == "I store nothing about you here."


async def test_forget_me_asks_first_and_no_keeps_everything(harness: Harness) -> None:
    await enrol(harness, "ana")
    asked = await harness.say_reply("ana", "/mentor forget-me")
    (prompt,) = asked.messages
    assert isinstance(prompt, Prompt)
    assert "in 1 program here" in prompt.text
    assert "cannot be undone" in prompt.text
    assert await harness.say("ana", "2") == "Nothing was deleted."
    assert (await my_data(harness, "ana"))["programs"][0]["answers"]


async def test_forget_me_forgets_everywhere_and_keeps_the_history(both: Harness) -> None:
    space = await matched(both)
    await enrol_in_second(both, "ana")
    await both.say("ana", f"/mentor goals add {GOAL}")
    await live(both, 46)  # mid-cycle feedback
    (survey,) = [c for w, c in both.port.sent if w.id == "ana" and ":feedback:" in c.id]
    await both.click("ana", "4", prompt_id=survey.id)
    assert "comment is saved" in await both.say("ana", COMMENT)
    async with both.bot.store.transaction() as uow:
        states = await uow.programs.all()
        (ana_id, second_id) = [p.key for p in await uow.participants.everywhere(both.user("ana"))]
        ben = await uow.participants.find(states[0].id, both.user("ben"))
        assert ben is not None
        pairs_before = await uow.matches.pairs(states[0].id)

    typed = [*MENTEE_ANSWERS[1:2], MENTEE_ANSWERS[-1], GOAL, COMMENT]
    who = re.compile(r"\bAna\b|'ana'|:ana\b")
    rows = await every_row(both.bot.store)
    for text in typed:  # the search finds them while they are there
        assert [r for r in rows if text in r], text
    assert [r for r in rows if who.search(r)]

    await both.say("ana", "/mentor forget-me")
    done = await both.say("ana", "1")
    assert done.startswith("Done — I deleted everything I stored about you in 2 programs"), done
    assert FORGOTTEN_NAME in done

    async with both.bot.store.transaction() as uow:
        assert await uow.participants.everywhere(both.user("ana")) == []
        placeholder = await uow.participants.get(ana_id)
        assert placeholder is not None
        assert placeholder.forgotten
        assert placeholder.display_name == FORGOTTEN_NAME
        assert placeholder.status is ParticipantStatus.LEFT
        assert placeholder.answers == {}
        gone_too = await uow.participants.get(second_id)
        assert gone_too is not None
        assert gone_too.forgotten
        (match,) = await uow.matches.list(states[0].id, (MatchStatus.ACTIVE, MatchStatus.ENDED))
        assert match.status is MatchStatus.ENDED
        assert {m.participant_id for m in match.members} == {ana_id, ben.key}  # kept
        assert await uow.matches.pairs(states[0].id) == pairs_before  # no repeat, same stats
        assert all("Ana" not in line for line in match.explanation)
        assert match.space is not None
        assert "ana" not in match.space.name.split("-")
        (feedback,) = await uow.engagement.feedback_of(ana_id)
        assert (feedback.rating, feedback.comment) == (4, "")  # the rating counts, words go
        assert await uow.engagement.goals(match.key) == []

    assert "ana" not in both.port.members[space]  # taken out of the space
    (renamed, topic) = both.port.renamed[-1]
    assert renamed.space_id == space
    assert topic == f"Mentoring Circle: Ben & {FORGOTTEN_NAME}"
    assert any("Your mentee has left" in t for t in both.to("ben"))

    rows = await every_row(both.bot.store)
    for text in typed:
        assert not [r for r in rows if text in r], text
    assert not [r for r in rows if who.search(r)], [r for r in rows if who.search(r)]
    assert any(MENTOR_ANSWERS[-1] in r for r in rows)  # Ben's answers are untouched


async def test_a_forgotten_person_can_join_again_afresh(harness: Harness) -> None:
    await enrol(harness, "ana")
    await harness.say("ana", "/mentor forget-me")
    await harness.say("ana", "1")
    await enrol(harness, "ana")
    (mine,) = (await my_data(harness, "ana"))["programs"]
    assert mine["profile"]["status"] == "active"
    assert mine["matches"] == []


def test_a_persons_words_leave_the_space_name() -> None:
    assert without_names("mentoring-7-ben-ana", {"Ana"}) == "mentoring-7-ben"
    assert without_names("mentoring-7-ana-mar-a-ben", {"Ana María"}) == "mentoring-7-ben"
    assert without_names("mentoring-7-anabel-ben", {"Ana"}) == "mentoring-7-anabel-ben"


async def test_retention_deletes_answers_of_people_who_left_long_ago(both: Harness) -> None:
    await matched(both)  # the introduction quotes Ana's bio
    await enrol(both, "cy")
    await both.say("ana", "/mentor leave")
    assert "You've left" in await both.say("ana", "1")
    store, start = both.bot.store, both.clock.now()
    assert await quoted_in_outbox(store, MENTEE_ANSWERS[-1])  # Ana's bio, in the introduction
    assert await expire_answers(store, start + timedelta(days=29), 30) == 0
    both.advance(timedelta(days=20))
    await both.say("cy", "/mentor leave")
    await both.say("cy", "1")
    assert await expire_answers(store, start + timedelta(days=31), 30) == 1
    assert await expire_answers(store, start + timedelta(days=31), 30) == 0  # nothing left
    async with store.transaction() as uow:
        state = (await uow.programs.all())[0]
        ana = await uow.participants.find(state.id, both.user("ana"))
        cy = await uow.participants.find(state.id, both.user("cy"))
        ben = await uow.participants.find(state.id, both.user("ben"))
    assert ana is not None
    assert ana.answers == {}
    assert ana.status is ParticipantStatus.LEFT  # the row stays, for the history
    assert cy is not None
    assert cy.answers  # left 11 days ago
    assert ben is not None
    assert ben.answers  # still here
    assert not await quoted_in_outbox(store, MENTEE_ANSWERS[-1])  # the introduction's words
    with pytest.raises(ValueError, match="at least one day"):
        await expire_answers(store, start, 0)


async def test_a_forgotten_mentor_leaves_the_reasons_of_the_match(harness: Harness) -> None:
    await matched(harness)
    async with harness.bot.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        (before,) = await uow.matches.list(state.id)
    assert any("Ben" in line for line in before.explanation), before.explanation
    await harness.say("ben", "/mentor forget-me")
    await harness.say("ben", "1")
    async with harness.bot.store.transaction() as uow:
        (after,) = await uow.matches.list(state.id, (MatchStatus.ENDED,))
    assert not any("Ben" in line for line in after.explanation), after.explanation
    named = [line for line in after.explanation if FORGOTTEN_NAME in line.lower()]
    assert named, after.explanation
    assert all(not line[:1].islower() for line in after.explanation), after.explanation


async def test_someone_only_in_the_second_program_can_forget_themselves(both: Harness) -> None:
    await enrol_in_second(both, "cy")
    asked = await both.say("cy", "/mentor forget-me")
    assert "in 1 program here" in asked
    assert "Done — I deleted everything" in await both.say("cy", "1")
    assert await both.say("cy", "/mentor my-data") == "I store nothing about you here."


async def test_a_coordinator_who_forgets_themselves_leaves_their_actions_unnamed(
    harness: Harness,
) -> None:
    await enrol(harness, "coordinator", "mentor")
    await enrol(harness, "ana")
    assert "Round committed: 1 match" in await harness.say(
        "coordinator", "/mentor admin match commit"
    )
    audit = [r for r in await every_row(harness.bot.store) if r.startswith("audit_entry:")]
    assert audit
    assert all("'coordinator'" in r for r in audit)  # the search finds them while named

    await harness.say("coordinator", "/mentor forget-me")
    assert (await harness.say("coordinator", "1")).startswith("Done")

    audit = [r for r in await every_row(harness.bot.store) if r.startswith("audit_entry:")]
    assert len(audit) == 1  # the action is still on record
    assert "'coordinator'" not in audit[0]
    assert FORGOTTEN_NAME in audit[0]
