"""The prompt registry: which conversation and message carry which prompt, and if answered.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prompt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("conversation_kind", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.Column("prompt_id", sa.String(100), nullable=False),
        sa.Column("choices", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("max_choices", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_prompt"),
    )
    op.create_index(
        "ix_prompt_conversation",
        "prompt",
        ["platform", "workspace_id", "conversation_id", "id"],
    )
    op.create_index("ix_prompt_message", "prompt", ["platform", "message_id"])


def downgrade() -> None:
    op.drop_table("prompt")
