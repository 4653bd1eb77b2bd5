"""The prompt registry on SQLite and PostgreSQL, and answers found through it by core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.shell.adapter import ShellAdapter
from core.clock import ManualClock
from core.content import Choice, Prompt, as_text
from core.events import ChoiceSelected, CommandInvoked
from core.identity import Conversation, ConversationKind, PlatformUser
from core.ports import MessageRef, SentPrompt
from core.programs.program import load_program
from core.prompts import sent_prompt
from core.service import MentorBot
from storage.store import SqlStore

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANA = PlatformUser("matrix", "hs", "@ana:hs")
DM = Conversation.dm(ANA)
YES_NO = (Choice("yes", "Yes"), Choice("no", "No"))


async def test_record_find_latest_by_message_answered(store: SqlStore) -> None:
    other = Conversation("matrix", "hs", ConversationKind.SPACE, "!room:hs")
    async with store.transaction() as uow:
        first = await uow.prompts.record(
            sent_prompt(DM, Prompt("p:leave:", "Leave?", YES_NO), T0, "$event1")
        )
        await uow.prompts.record(sent_prompt(other, Prompt("p:checkin:1%3A1", "?", YES_NO), T0))
        second = await uow.prompts.record(
            SentPrompt(DM, "p:q:languages", (Choice("en", "English"),), T0, multiple=True)
        )
    assert first.id is not None
    assert second.id is not None
    async with store.transaction() as uow:
        latest = await uow.prompts.latest(DM)
        assert latest is not None
        assert latest.prompt_id == "p:q:languages"
        assert latest.multiple
        assert latest.choices == (Choice("en", "English"),)
        found = await uow.prompts.find(DM, "p:leave:")
        assert found is not None
        assert found.open
        assert found.choices == YES_NO
        assert found.sent_at == T0
        by_message = await uow.prompts.by_message(MessageRef(DM, "$event1"))
        assert by_message is not None
        assert by_message.id == first.id
        assert await uow.prompts.by_message(MessageRef(DM, "$nothing")) is None
        await uow.prompts.answered(first.id, T0 + timedelta(minutes=5))
        await uow.prompts.attach(second.id, "$event2")
    async with store.transaction() as uow:
        found = await uow.prompts.find(DM, "p:leave:")
        assert found is not None
        assert found.answered_at == T0 + timedelta(minutes=5)
        assert not found.open
        attached = await uow.prompts.by_message(MessageRef(DM, "$event2"))
        assert attached is not None
        assert attached.prompt_id == "p:q:languages"
        assert await uow.prompts.latest(Conversation.dm(PlatformUser("matrix", "hs", "x"))) is None


async def test_a_reaction_to_a_shown_prompt_answers_it_once(store: SqlStore) -> None:
    """A text-only platform (Matrix-like): the adapter tells core which message showed the
    prompt; a reaction (`1`) to that message answers it; a second reaction is refused."""
    program = load_program(ROOT / "programs" / "default.yaml")
    clock = ManualClock(T0)
    port = ShellAdapter(lambda line: None)  # a real text-only port
    bot = MentorBot([program], store, {"shell": port}, clock)
    ana = port.user("ana")
    dm = Conversation.dm(ana)
    reply = await bot.handle(CommandInvoked(ana, dm, "join"))
    role = next(m for m in reply.messages if isinstance(m, Prompt))
    await bot.shown(dm, role.id, MessageRef(dm, "$role"))
    reaction = ChoiceSelected(ana, dm, "", ("1",), message=MessageRef(dm, "$role"))
    answered = await bot.handle(reaction)
    assert "What would you like guidance on?" in "\n".join(as_text(m) for m in answered.messages)
    again = await bot.handle(reaction)
    assert "You already answered this on Mon 2 March" in as_text(again.messages[0])
    unknown = await bot.handle(ChoiceSelected(ana, dm, "", ("1",), message=MessageRef(dm, "$x")))
    assert "asks nothing I can answer" in as_text(unknown.messages[0])
