"""When a participant left, so their answers can expire (`MENTORBOT_RETENTION_DAYS`).

People who had already left count from the upgrade: their retention period starts now.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("left_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE participant SET left_at = CURRENT_TIMESTAMP WHERE status = 'left'")


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("left_at")
