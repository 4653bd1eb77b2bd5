"""Matching: when a match's introduction was posted, and mentee requests to mentors.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    with op.batch_alter_table("match") as batch:
        batch.add_column(sa.Column("introduced_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "mentor_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_state_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("explanation", sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mentor_request"),
        _fk("mentor_request", "program_state_id", "program_state"),
        _fk("mentor_request", "mentee_id", "participant"),
        _fk("mentor_request", "mentor_id", "participant"),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'expired')",
            name="ck_mentor_request_status",
        ),
    )
    op.create_index("ix_mentor_request_program_state_id", "mentor_request", ["program_state_id"])
    op.create_index("ix_mentor_request_mentee_id_status", "mentor_request", ["mentee_id", "status"])
    op.create_index("ix_mentor_request_mentor_id_status", "mentor_request", ["mentor_id", "status"])


def downgrade() -> None:
    op.drop_table("mentor_request")
    with op.batch_alter_table("match") as batch:
        batch.drop_column("introduced_at")
