"""The Discord adapter end to end: discord.py's real gateway and HTTP code against the
loopback fake Discord (`tests/kit/discord`), the bot built by the composition root."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import aiohttp

from core.domain import MatchStatus
from tests.kit.discord import GUILD, SPACE_CHANNEL
from tests.kit.drivers.discord import IDS, DiscordDriver, command_data, text
from tests.kit.scenario import CHECKIN_EVERY, MENTEE, MENTOR

LATE, TWICE = 10062, 40060


async def matched(driver: DiscordDriver) -> str:
    await driver.join("ana", "mentee", MENTEE)
    await driver.join("ben", "mentor", MENTOR)
    await driver.say("cora", "/mentor admin match commit")
    space = driver.space_of("ana", "ben")
    assert space is not None
    return space.id


def acks_refused(driver: DiscordDriver) -> list[tuple[int, str]]:
    return [(code, text) for code, text in driver.fake.errors if code in (LATE, TWICE)]


async def test_matches_get_private_threads_in_the_bound_channel(driver: DiscordDriver) -> None:
    space = await matched(driver)
    thread = driver.fake.channels[space]
    assert thread.type == 12, "a private thread, not a channel"
    assert thread.parent_id
    assert driver.fake.space_members(thread) == {IDS["ana"], IDS["ben"]}
    intro = "\n".join(driver.messages_in(space))
    assert "Welcome" in intro, intro
    assert not acks_refused(driver), "every interaction was acknowledged once, in time"


async def test_a_button_from_before_a_reconnect_and_a_restart_still_works(
    driver: DiscordDriver,
) -> None:
    space = await matched(driver)
    await driver.advance(CHECKIN_EVERY + timedelta(hours=1))
    assert any("Check-in time" in m for m in driver.messages_in(space))
    await driver.fake.reconnect()  # gateway opcode 7: discord.py RESUMEs the session
    assert driver.fake.resumes == 1
    await driver.restart()  # a new process: new client, new session, nothing in memory
    assert driver.fake.sessions == 2
    answered = await driver.click("ana", "Yes", in_space=space)
    assert answered.strip(), "the person hears their answer was taken"
    stats = await driver.say("cora", "/mentor admin stats")
    assert "met at 1 of 1 check-in;" in stats, stats
    assert not acks_refused(driver)


async def test_closed_dms_fall_back_to_the_match_space(driver: DiscordDriver) -> None:
    space = await matched(driver)
    await driver.say("ana", "/mentor goals add Run my first team retro")
    driver.fake.closed_dms.add(IDS["ana"])  # Ana turns off DMs from server members
    await driver.advance(CHECKIN_EVERY + timedelta(hours=1))
    assert (50007, "Cannot send messages to this user") in driver.fake.errors
    in_space = "\n".join(driver.messages_in(space))
    assert "couldn't reach you by direct message" in in_space, in_space
    assert f"<@{IDS['ana']}>" in in_space or "Ana" in in_space
    assert "Run my first team retro" in in_space  # the goal question reached her there
    told = "\n".join(driver.messages_to("cora"))
    assert "I can't DM Ana" in told, told


async def test_a_commit_of_30_matches_under_rate_limits_opens_30_threads_once(
    driver: DiscordDriver,
) -> None:
    from tests.adapters.discord.roster import enrol_pairs

    people = await enrol_pairs(driver, 30)
    driver.fake.refuse_every = 4  # every 4th thread creation gets a 429 with retry_after
    committed = await driver.say("cora", "/mentor admin match commit")
    assert "30" in committed, committed
    threads = [c for c in driver.fake.channels.values() if c.type == 12]
    assert len(threads) == 30, f"{len(threads)} threads"
    assert len({t.name for t in threads}) == 30, "no thread made twice"
    assert driver.fake.rate_limited >= 7, "discord.py waited out each 429 and tried again"
    for thread in threads:
        members = driver.fake.space_members(thread)
        assert len(members) == 2, members
        assert members <= people, members
    assert sorted(len(driver.messages_in(t.id)) for t in threads)[0] >= 1, "every intro posted"
    assert not acks_refused(driver)


async def test_ending_a_match_archives_and_locks_its_thread(driver: DiscordDriver) -> None:
    space = await matched(driver)
    assert driver.wired is not None
    async with driver.wired.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        (match,) = await uow.matches.list(state.id, (MatchStatus.ACTIVE,))
    said = await driver.say("cora", f"/mentor admin end-match {match.id}")
    assert said.strip()
    thread = driver.fake.channels[space]
    assert thread.archived, said
    assert thread.locked, said


async def test_mentions_typed_by_people_never_ping(driver: DiscordDriver) -> None:
    await driver.join("ana", "mentee", MENTEE)
    await driver.say("cora", "/mentor admin broadcast Hello @everyone and <@&1234> @here")
    sent = [s for s in driver.fake.seen_by(IDS["ana"]) if "Hello" in str(s.data.get("content"))]
    assert sent, "the broadcast reached Ana"
    for shown in sent:
        content = str(shown.data["content"])
        assert "@everyone" not in content.replace("@\u200beveryone", "")
        assert "<@&1234>" not in content
        mentions = shown.data.get("allowed_mentions") or {}
        assert mentions.get("parse") == [], mentions  # nothing pings but named users
        assert not mentions.get("roles")


async def test_a_questionnaire_half_done_survives_a_restart(driver: DiscordDriver) -> None:
    await driver.say("ana", "/mentor join mentee")
    first = driver.step_shown("ana")
    assert first is not None
    assert "step 1 of" in str(first.data["content"])
    await driver.answer_step("ana", first, MENTEE)
    second = driver.step_shown("ana")
    assert second is not None
    assert "step 2 of" in str(second.data["content"])
    await driver.restart()
    said = await driver.click("ana", "Continue")  # the step's button, from before the restart
    assert "expired" in said
    assert "answers so far are saved" in said
    joined = await driver.join("ana", "mentee", MENTEE)
    assert "enrolled" in joined.done, joined.done
    await driver.say("ana", "/mentor my-data")
    ((_, data),) = driver.files_to("ana")  # my-data is a file
    assert "Lead a team within a year." in data.decode()  # a step-1 answer, kept throughout


async def test_messages_in_a_match_thread_count_as_activity(driver: DiscordDriver) -> None:
    space = await matched(driver)
    assert driver.wired is not None
    async with driver.wired.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        (match,) = await uow.matches.list(state.id, (MatchStatus.ACTIVE,))
        assert await uow.engagement.last_activity(match.id) is None
    await driver.say("ben", "Hi Ana! When suits you?", in_space=space)  # no text reaches the bot
    async with driver.wired.store.transaction() as uow:
        assert await uow.engagement.last_activity(match.id) is not None


async def test_back_shows_the_step_before_with_its_answers(driver: DiscordDriver) -> None:
    await driver.say("ana", "/mentor join mentee")
    first = driver.step_shown("ana")
    assert first is not None
    await driver.answer_step("ana", first, MENTEE)
    assert "step 2 of" in str(first.data["content"])  # the same message now shows step 2
    buttons = [i.get("label") for row in first.data["components"] for i in row["components"]]
    assert buttons[-2:] == ["Back", "Continue"], buttons
    await driver.click("ana", "Back")
    again = driver.step_shown("ana")
    assert again is not None
    assert "step 1 of" in str(again.data["content"])
    picked = [
        option["label"]
        for row in again.data["components"]
        for item in row["components"]
        for option in item.get("options") or []
        if option.get("default")
    ]
    assert len(picked) == 4, picked  # her 2 topics and 2 languages are still picked
    await driver.answer_step("ana", again, MENTEE)
    assert "step 2 of" in str(again.data["content"])
    joined = await driver.join("ana", "mentee", MENTEE)
    assert "enrolled" in joined.done


async def test_an_interaction_is_acknowledged_while_the_database_is_locked(
    driver: DiscordDriver, tmp_path: Path
) -> None:
    await driver.say("ana", "/mentor help")  # warm: the program state exists
    blocker = sqlite3.connect(tmp_path / "bot.db", timeout=5)
    blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    try:
        sent = await driver.fake.interact(
            IDS["ana"], 2, command_data("status"), channel=SPACE_CHANNEL
        )
        for _ in range(300):
            if sent.acked_at is not None:
                break
            await asyncio.sleep(0.01)
        assert sent.acked_at is not None, "no acknowledgement while the database was locked"
        assert sent.acked_at - sent.created < 1.0
        await asyncio.sleep(0.5)
        assert sent.original is not None
        assert not sent.original.get("content"), "the work waits for the database"
    finally:
        blocker.rollback()
        blocker.close()
    await driver.settle()
    assert sent.original is not None
    assert "enrolled" in str(sent.original.get("content")), sent.original


async def test_the_command_is_synced_to_the_configured_guild(driver: DiscordDriver) -> None:
    assert driver.fake.compression in ("zlib-stream", "zstd-stream")  # discord.py's default
    (mentor,) = driver.fake.commands[GUILD]
    assert mentor["name"] == "mentor"
    assert "global" not in driver.fake.commands  # guild commands show at once; no global copy


async def test_a_clicked_prompt_shows_its_answer_instead_of_its_buttons(
    driver: DiscordDriver,
) -> None:
    await driver.join("ana", "mentee", MENTEE)
    await driver.say("ana", "/mentor forget-me")
    (prompt,) = [s for s in driver.fake.seen_by(IDS["ana"]) if "Yes, delete everything" in text(s)]
    gone = await driver.click("ana", "Yes, delete everything")
    assert "deleted" in gone, gone
    assert prompt.data["components"] == [], "no button left to answer it twice"
    assert "✓ Yes, delete everything" in str(prompt.data["content"]).replace("\\", "")


async def test_an_export_arrives_as_a_file(driver: DiscordDriver) -> None:
    await driver.join("ana", "mentee", MENTEE)
    await driver.say("cora", "/mentor admin export")
    files = [a for s in driver.fake.seen_by(IDS["cora"]) for a in s.data.get("attachments") or []]
    assert files, [text(s) for s in driver.fake.seen_by(IDS["cora"])]
    assert all("." in f["filename"] for f in files), files  # e.g. mentoring-export.json


async def test_forget_me_takes_a_name_out_of_an_archived_thread(driver: DiscordDriver) -> None:
    space = await matched(driver)
    thread = driver.fake.channels[space]
    assert "ana" in thread.name, thread.name
    assert driver.wired is not None
    async with driver.wired.store.transaction() as uow:
        state = (await uow.programs.all())[0]
        (match,) = await uow.matches.list(state.id, (MatchStatus.ACTIVE,))
    await driver.say("cora", f"/mentor admin end-match {match.id}")
    assert thread.archived
    assert thread.locked
    await driver.say("ana", "/mentor forget-me")
    gone = await driver.click("ana", "Yes, delete everything")
    assert "deleted" in gone, gone
    assert "could not" not in gone, gone
    assert "ana" not in thread.name, thread.name
    assert driver.fake.space_members(thread) == {IDS["ben"]}
    assert (thread.archived, thread.locked) == (True, True), "archived and locked again"
    assert driver.fake.errors == []


async def test_my_data_and_the_stats_chart_arrive_as_discord_attachments(
    driver: DiscordDriver,
) -> None:
    await matched(driver)  # a round: stats has figures and a chart
    await driver.say("ana", "/mentor my-data")
    (mine,) = driver.files_to("ana")
    name, data = mine
    assert name.endswith(".json"), name
    assert json.loads(data)  # the person's data, readable
    await driver.say("cora", "/mentor admin stats")
    shown = [a for s in driver.fake.seen_by(IDS["cora"]) for a in s.data.get("attachments") or []]
    (chart,) = [a for a in shown if a["filename"].endswith(".png")]
    assert chart["content_type"] == "image/png"
    assert chart["width"] > 0
    assert chart["height"] > 0
    async with aiohttp.ClientSession() as session, session.get(chart["url"]) as served:
        body = await served.read()
    assert (served.status, len(body)) == (200, chart["size"])
    assert body.startswith(b"\x89PNG")
