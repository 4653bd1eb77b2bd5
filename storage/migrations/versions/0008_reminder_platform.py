"""The platform that delivers each reminder, so a dispatcher claims only its own platforms.

Existing rows are backfilled with the platform of their program's workspace.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminder") as batch:
        batch.add_column(sa.Column("platform", sa.String(32), nullable=False, server_default=""))
    op.execute(
        "UPDATE reminder SET platform = COALESCE(("
        " SELECT workspace.platform FROM program_state"
        " JOIN workspace ON workspace.id = program_state.workspace_id"
        " WHERE program_state.id = reminder.program_state_id), '')"
    )
    with op.batch_alter_table("reminder") as batch:
        batch.alter_column("platform", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("reminder") as batch:
        batch.drop_column("platform")
