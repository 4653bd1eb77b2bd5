"""The prompt registry: which conversation and message carry which prompt (migration 0007).

Kept in the database, not in an adapter's memory, so a number typed after a restart, a button
on a day-old message or a reaction still finds its prompt, and a second answer is refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Index, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field

from core.content import Choice
from core.identity import Conversation, ConversationKind
from core.ports import MessageRef, SentPrompt
from storage.tables import TableBase
from storage.types import UTCDateTime, json_type


class PromptRow(TableBase, table=True):
    __tablename__: ClassVar[str] = "prompt"
    __table_args__ = (
        Index("ix_prompt_conversation", "platform", "workspace_id", "conversation_id", "id"),
        Index("ix_prompt_message", "platform", "message_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=32, nullable=False)
    workspace_id: str = Field(max_length=255, nullable=False)
    conversation_kind: str = Field(max_length=16, nullable=False)
    conversation_id: str = Field(max_length=255, nullable=False)
    message_id: str | None = Field(default=None, max_length=255)
    prompt_id: str = Field(max_length=100, nullable=False)
    choices: list[list[str]] = Field(sa_type=json_type(), nullable=False)
    multiple: bool = Field(default=False, nullable=False)
    max_choices: int | None = Field(default=None)
    sent_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


def _record(row: PromptRow) -> SentPrompt:
    where = Conversation(
        row.platform, row.workspace_id, ConversationKind(row.conversation_kind), row.conversation_id
    )
    return SentPrompt(
        conversation=where,
        prompt_id=row.prompt_id,
        choices=tuple(Choice(c[0], c[1]) for c in row.choices),
        sent_at=row.sent_at,
        multiple=row.multiple,
        max_choices=row.max_choices,
        message_id=row.message_id,
        answered_at=row.answered_at,
        id=row.id,
    )


class SqlPromptRegistry:
    """Core's `PromptRegistry` on the event's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, prompt: SentPrompt) -> SentPrompt:
        where = prompt.conversation
        row = PromptRow(
            platform=where.platform,
            workspace_id=where.workspace_id,
            conversation_kind=where.kind.value,
            conversation_id=where.id,
            message_id=prompt.message_id,
            prompt_id=prompt.prompt_id[:100],
            choices=[[c.id, c.label] for c in prompt.choices],
            multiple=prompt.multiple,
            max_choices=prompt.max_choices,
            sent_at=prompt.sent_at,
            answered_at=prompt.answered_at,
        )
        self._session.add(row)
        await self._session.flush()
        return _record(row)

    def _in(self, conversation: Conversation):  # type: ignore[no-untyped-def]
        return select(PromptRow).where(
            PromptRow.platform == conversation.platform,
            PromptRow.workspace_id == conversation.workspace_id,
            PromptRow.conversation_id == conversation.id,
        )

    async def latest(self, conversation: Conversation) -> SentPrompt | None:
        query = self._in(conversation).order_by(PromptRow.id.desc()).limit(1)  # type: ignore[union-attr]
        row = (await self._session.execute(query)).scalars().first()
        return None if row is None else _record(row)

    async def find(self, conversation: Conversation, prompt_id: str) -> SentPrompt | None:
        query = (
            self._in(conversation)
            .where(PromptRow.prompt_id == prompt_id[:100])
            .order_by(PromptRow.id.desc())  # type: ignore[union-attr]
            .limit(1)
        )
        row = (await self._session.execute(query)).scalars().first()
        return None if row is None else _record(row)

    async def by_message(self, message: MessageRef) -> SentPrompt | None:
        query = (
            select(PromptRow)
            .where(
                PromptRow.platform == message.conversation.platform,
                PromptRow.message_id == message.message_id,
            )
            .order_by(PromptRow.id.desc())  # type: ignore[union-attr]
            .limit(1)
        )
        row = (await self._session.execute(query)).scalars().first()
        return None if row is None else _record(row)

    async def answered(self, record_id: int, at: datetime) -> None:
        row = await self._session.get(PromptRow, record_id)
        if row is not None and row.answered_at is None:
            row.answered_at = at
            await self._session.flush()

    async def attach(self, record_id: int, message_id: str) -> None:
        row = await self._session.get(PromptRow, record_id)
        if row is not None:
            row.message_id = message_id
            await self._session.flush()


__all__ = ["PromptRow", "SqlPromptRegistry"]
