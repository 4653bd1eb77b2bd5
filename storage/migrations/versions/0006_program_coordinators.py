"""Program bindings: who acted as a coordinator of a program state without being listed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "program_coordinator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_state_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_program_coordinator"),
        sa.ForeignKeyConstraint(
            ["program_state_id"],
            ["program_state.id"],
            name="fk_program_coordinator_program_state_id_program_state",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "program_state_id",
            "platform",
            "workspace_id",
            "user_id",
            name="uq_program_coordinator_person",
        ),
    )
    op.create_index(
        "ix_program_coordinator_platform_user_id", "program_coordinator", ["platform", "user_id"]
    )


def downgrade() -> None:
    op.drop_table("program_coordinator")
