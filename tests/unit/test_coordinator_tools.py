"""Coordinator tools: stats with a chart, exports (full and anonymised), rematch, broadcast
counts and the audit log — through `MentorBot.handle` on a real (in-memory SQLite) store."""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from core.content import File, Prompt
from core.coordinator.audit import PAGE_SIZE
from core.domain import MatchStatus
from core.identity import Conversation, ConversationKind
from core.matching.roster import parse_roster_csv
from core.onboarding.roster_import import import_roster
from core.ports import MessageRef
from core.programs.program import Program
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.kit import Harness, enrol, live, tick
from tests.kit.fake_port import FakeChat

FORMULA_BIO = '=HYPERLINK("http://evil.example","click")'


async def matched(harness: Harness) -> str:
    await enrol(harness, "ana", bio=FORMULA_BIO)
    await enrol(harness, "ben", "mentor")
    await harness.say("coordinator", "/mentor admin match commit")
    (space,) = harness.port.spaces
    return space.space_id


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def keep(png: bytes) -> None:
    """Leave the chart where a person can look at it (when /tmp/h4 exists)."""
    folder = Path("/tmp/h4")
    if folder.is_dir():
        (folder / "stats-chart.png").write_bytes(png)


def unzip(file: File) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


async def test_stats_compare_the_current_cycle_with_the_previous_and_draw_a_chart(
    harness: Harness,
) -> None:
    first = await harness.say("coordinator", "/mentor admin stats")
    assert "no matching round yet" in first
    space = await matched(harness)
    await live(harness, 15)
    (checkin,) = [p for p in harness.prompts_in(space) if ":checkin:" in p.id]
    await harness.click("ana", "yes", prompt_id=checkin.id)
    await harness.say("ana", "/mentor goals add Give a talk")
    await harness.say("coordinator", "/mentor admin end-match 1")
    await tick(harness)
    survey = [c for w, c in harness.port.sent if w.id == "ana" and isinstance(c, Prompt)][-1]
    await harness.click("ana", "4", prompt_id=survey.id)
    await enrol(harness, "cora")
    await enrol(harness, "dan", "mentor")
    await harness.say("coordinator", "/mentor admin match commit")
    await live(harness, 22)  # nobody writes: the new match turns quiet, then at risk

    stats = await harness.say("coordinator", "/mentor admin stats")
    assert "cycle 2 (" in stats
    assert "beside cycle 1" in stats
    # cycle 1 as it stood when cycle 2 began: Cora and Dan had joined, Cora was waiting
    assert "• mentees enrolled: 2 · cycle 1: 2" in stats
    assert "• mentors enrolled: 2 · cycle 1: 2" in stats
    # the end-match put Ana back in the pool: round 2 matched her and Cora
    assert "• mentees matched: 2, 0 waiting · cycle 1: 1, 1 waiting" in stats
    assert "• matches: 2 (0 active, 0 quiet, 2 at risk) · cycle 1: 1 (1 active" in stats
    # cycle 1: one check-in fell due before the match ended, Ana answered, Ben did not;
    # cycle 2: one each in two matches of two, none answered
    assert "• check-in response rate: 0% (0 of 4 answers) · cycle 1: 50% (1 of 2 answers)" in stats
    assert "• meetings reported: 0 · cycle 1: 1" in stats
    assert "• goals done: 0 of 0 · cycle 1: 0 of 1" in stats
    assert "• average feedback: none yet · cycle 1: 4.0/5 from 1 answer" in stats
    assert "2 matches running:" in stats
    assert "#2 Ben & Cora — at risk" in stats

    chart = harness.last["coordinator"]
    assert isinstance(chart, File)
    assert (chart.name, chart.media_type) == ("mentoring-cycle-2-health.png", "image/png")
    assert png_size(chart.data) == (800, 450)
    assert "matches by health per week" in chart.alt_text


async def test_stats_chart_follows_the_weeks_of_the_cycle(harness: Harness) -> None:
    for mentee, mentor in (("ana", "ben"), ("cora", "dan")):
        await enrol(harness, mentee)
        await enrol(harness, mentor, "mentor")
    await harness.say("coordinator", "/mentor admin match commit")
    first, second = (s.space_id for s in harness.port.spaces)
    for days, answering in ((15, ("ana", "ben", "cora")), (14, ("ana",)), (14, ())):
        await live(harness, days)
        for space in (first, second):
            checkin = [p for p in harness.prompts_in(space) if ":checkin:" in p.id][-1]
            for name in answering:
                await harness.click(name, "yes", prompt_id=checkin.id)
        await harness.in_room("ana", first, "hello")
    stats = await harness.say("coordinator", "/mentor admin stats")
    # Ben mentors Ana and Cora: 3 check-ins × 2 matches × 2 members asked; 5 answered
    assert "• check-in response rate: 42% (5 of 12 answers)" in stats
    chart = harness.last["coordinator"]
    assert isinstance(chart, File)
    keep(chart.data)
    assert png_size(chart.data) == (800, 450)


async def test_export_is_a_zip_of_csv_files_that_roster_import_reads_back(
    harness: Harness, program: Program
) -> None:
    space = await matched(harness)
    await live(harness, 15)
    (checkin,) = [p for p in harness.prompts_in(space) if ":checkin:" in p.id]
    await harness.click("ben", "yes", prompt_id=checkin.id)
    await harness.say("ana", "/mentor goals add Give a talk")
    text = await harness.say("coordinator", "/mentor admin export")
    assert "2 participants, 1 match" in text
    file = harness.last["coordinator"]
    assert isinstance(file, File)
    assert file.media_type == "application/zip"
    assert file.name == "mentoring-export-2026-03-17.zip"
    files = unzip(file)
    assert set(files) == {
        "participants.csv",
        "others.csv",
        "matches.csv",
        "checkins.csv",
        "goals.csv",
        "feedback.csv",
        "audit.csv",
    }
    ana, ben = files["participants.csv"]
    assert (ana["id"], ana["role"], ana["name"]) == ("ana", "mentee", "Ana")
    assert ana["topics_wanted"] == "career;leadership"  # values, not labels
    assert ana["bio"] == "'" + FORMULA_BIO  # a spreadsheet shows it, never runs it
    assert ben["timezone"].startswith("'+")  # "+01:00" would be a formula too
    (match,) = files["matches.csv"]
    assert (match["mentors"], match["mentees"], match["status"]) == ("ben", "ana", "active")
    assert "topics" in match["explanation"]
    assert [(c["participant"], c["answer"]) for c in files["checkins.csv"]] == [("ben", "yes")]
    assert [g["goal"] for g in files["goals.csv"]] == ["Give a talk"]
    assert [a["action"] for a in files["audit.csv"]] == ["export", "commit"]

    # round trip (issue 9): the participants file is a roster that import and match read
    raw = zipfile.ZipFile(io.BytesIO(file.data)).read("participants.csv").decode("utf-8")
    roster = parse_roster_csv(raw, program, "participants.csv")
    by_id = {c.id: c for c in roster.candidates}
    assert by_id["ana"].answers["bio"] == FORMULA_BIO
    assert by_id["ana"].answers["topics_wanted"] == ["career", "leadership"]
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        await upgrade(engine)
        store = SqlStore(engine)
        summary = await import_roster(
            store, program, roster, platform="fake", workspace="w2", now=harness.clock.now()
        )
        assert (summary.created, summary.updated) == (2, 0)
        async with harness.bot.store.transaction() as uow:
            state = (await uow.programs.all())[0]
            original = {p.user.user_id: p for p in await uow.participants.list(state.id)}
        async with store.transaction() as uow:
            state = (await uow.programs.all())[0]
            copied = {p.user.user_id: p for p in await uow.participants.list(state.id)}
        assert {k: p.answers for k, p in copied.items()} == {
            k: p.answers for k, p in original.items()
        }
        assert {k: (p.roles, p.capacity) for k, p in copied.items()} == {
            k: (p.roles, p.capacity) for k, p in original.items()
        }
    finally:
        await engine.dispose()


async def test_anonymised_export_has_stable_pseudonyms_and_no_free_text(
    harness: Harness,
) -> None:
    space = await matched(harness)
    await live(harness, 15)
    (checkin,) = [p for p in harness.prompts_in(space) if ":checkin:" in p.id]
    await harness.click("ana", "yes", prompt_id=checkin.id)
    await harness.say("ana", "/mentor goals add Give a talk")
    assert "export anonymised" in await harness.say("coordinator", "/mentor admin export all")
    text = await harness.say("coordinator", "/mentor admin export anonymised")
    assert "pseudonym" in text
    file = harness.last["coordinator"]
    assert isinstance(file, File)
    assert file.name.endswith("-anonymised.zip")
    with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
        everything = b"".join(archive.read(n) for n in archive.namelist()).decode()
    for secret in ("Ana", "Ben", "Coordinator", "ws1", "Give a talk", "HYPERLINK", "Lead a team"):
        assert secret not in everything, secret
    files = unzip(file)
    cells = {cell for rows in files.values() for row in rows for cell in row.values()}
    assert not cells & {"ana", "ben", "coordinator"}
    people = {row["role"]: row["id"] for row in files["participants.csv"]}
    assert "bio" not in files["participants.csv"][0]
    assert "goals" not in files["participants.csv"][0]
    (match,) = files["matches.csv"]
    assert (match["mentees"], match["mentors"]) == (people["mentee"], people["mentor"])
    assert "explanation" not in match
    (answer,) = files["checkins.csv"]
    assert answer["participant"] == people["mentee"]
    (goal,) = files["goals.csv"]
    assert goal["participant"] == people["mentee"]
    assert "goal" not in goal
    assert {a["by"] for a in files["audit.csv"]} - set(people.values())  # a coordinator's own
    assert len(set(people.values())) == 2


async def test_rematch_ends_the_match_and_puts_the_person_back_in_the_pool(
    harness: Harness,
) -> None:
    space = await matched(harness)
    assert "Only coordinators" in await harness.say("ana", "/mentor admin rematch ana")
    assert "Say who" in await harness.say("coordinator", "/mentor admin rematch")
    assert "Nobody in *Mentoring Circle* goes by “zed”" in await harness.say(
        "coordinator", "/mentor admin rematch zed"
    )
    said = await harness.say("coordinator", "/mentor admin rematch Ana")
    assert "I ended 1 match of Ana (#1)" in said
    assert "back in the pool for the next round" in said
    async with harness.bot.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        (found,) = await uow.matches.list(state.id, (MatchStatus.ACTIVE, MatchStatus.ENDED))
        (entry,) = [e for e in await uow.audit.page(state.id, 0, 10) if e.action == "rematch"]
    assert found.status is MatchStatus.ENDED
    assert entry.actor.user_id == "coordinator"
    assert "#1" in entry.detail
    assert [s.space_id for s in harness.port.archived] == [space]
    assert any("A coordinator has ended your match" in t for t in harness.in_space(space))
    assert any("put you back in the pool" in t for t in harness.to("ana"))
    preview = await harness.say("coordinator", "/mentor admin match preview")
    assert "0 of 1 mentee matched" in preview  # in the pool again, but never with Ben twice
    again = await harness.say("coordinator", "/mentor admin rematch ana")
    assert "Ana had no match running. They're back in the pool" in again


@dataclass
class FlakyChat(FakeChat):
    """The fake platform, refusing DMs to some people with a server error (retried later)."""

    broken: frozenset[str] = frozenset()

    async def send(
        self, to: Conversation, content: object, *, idempotency_key: str | None = None
    ) -> MessageRef:
        if to.kind is ConversationKind.DM and to.id in self.broken:
            raise RuntimeError("HTTP 500 from the platform")
        return await super().send(to, content, idempotency_key=idempotency_key)  # type: ignore[arg-type]


async def test_broadcast_reports_delivered_failed_and_unreachable(harness: Harness) -> None:
    for name in ("ana", "cora", "dan", "eve"):
        await enrol(harness, name)
    harness.port.unreachable["cora"] = "cannot_dm_bot"
    flaky = FlakyChat(broken=frozenset({"dan"}))
    flaky.sent, flaky.unreachable = harness.port.sent, harness.port.unreachable
    harness.bot.ports["fake"] = flaky  # type: ignore[index]
    harness.engagement.ports["fake"] = flaky  # type: ignore[index]
    harness.engagement.courier.ports["fake"] = flaky  # type: ignore[index]
    said = await harness.say("coordinator", "/mentor admin broadcast Mixer on Friday!")
    assert "Broadcast to 4 active participants: 2 delivered, 0 failed, 1 unreachable by DM." in said
    assert "1 message could not go out yet and will be retried" in said
    assert "Sent to" not in said
    assert "queued" not in said
    progress = [c for w, c in harness.port.sent if w.id == "coordinator"]
    assert any("Sending your broadcast to 4 active participants" in str(c) for c in progress)
    assert [t for t in harness.to("ana") if "Mixer on Friday!" in t]
    async with harness.bot.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        (entry,) = [e for e in await uow.audit.page(state.id, 0, 10) if e.action == "broadcast"]
    assert entry.detail == "to 4 participants"


async def test_audit_log_lists_coordinator_actions_latest_first_in_pages(
    harness: Harness,
) -> None:
    assert "No coordinator actions" in await harness.say("coordinator", "/mentor admin audit")
    await matched(harness)
    await harness.say("coordinator", "/mentor admin match schedule 48h")
    await harness.say("coordinator", "/mentor admin end-match 1")
    await harness.say("coordinator", "/mentor admin export anonymised")
    for _ in range(8):
        await harness.say("coordinator", "/mentor admin close")
        await harness.say("coordinator", "/mentor admin open")
    total = 4 + 16
    first = await harness.say("coordinator", "/mentor admin audit")
    assert f"(page 1 of 2, {total} actions in all)" in first
    lines = [line for line in first.splitlines() if line.startswith("• ")]
    assert len(lines) == PAGE_SIZE
    assert "Coordinator opened enrolment" in lines[0]  # newest first
    assert "`/mentor admin audit 2`" in first
    second = await harness.say("coordinator", "/mentor admin audit 2")
    older = [line for line in second.splitlines() if line.startswith("• ")]
    assert len(older) == total - PAGE_SIZE
    assert "exported the program's data (anonymised)" in older[-5 + 1]
    assert "ended a match (match #1)" in older[-3]
    assert "scheduled a matching round" in older[-2]
    assert "committed a matching round" in older[-1]
    assert "has 2 pages" in await harness.say("coordinator", "/mentor admin audit 9")
    assert "counting from 1" in await harness.say("coordinator", "/mentor admin audit x")
    assert "Only coordinators" in await harness.say("ana", "/mentor admin audit")
    # a failed action records nothing
    await harness.say("coordinator", "/mentor admin end-match 99")
    assert f"{total} actions in all" in await harness.say("coordinator", "/mentor admin audit")
