"""Engagement: reminder ordering and retries, match end dates, activity, check-ins, goals,
feedback and end-of-cycle votes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def _member_table(name: str, *columns: sa.Column | sa.Constraint, key: tuple[str, ...]) -> None:
    """A table keyed by (match, participant, …) with cascading foreign keys."""
    op.create_table(
        name,
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("match_id", "participant_id", *key, name=f"pk_{name}"),
        _fk(name, "match_id", "match"),
        _fk(name, "participant_id", "participant"),
    )
    op.create_index(f"ix_{name}_participant_id", name, ["participant_id"])


def _check(name: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"ck_{name}_{column}")


def upgrade() -> None:
    with op.batch_alter_table("reminder") as batch:
        batch.add_column(sa.Column("recipient", sa.String(64), nullable=False, server_default=""))
        batch.add_column(
            sa.Column(
                "attempt_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.text("CURRENT_TIMESTAMP"),
            )
        )
    with op.batch_alter_table("reminder") as batch:
        batch.alter_column("recipient", server_default=None)
        batch.alter_column("attempt_at", server_default=None)
    op.create_index("ix_reminder_status_attempt_at", "reminder", ["status", "attempt_at"])
    op.create_index(
        "ix_reminder_recipient_status_due_at", "reminder", ["recipient", "status", "due_at"]
    )
    with op.batch_alter_table("match") as batch:
        batch.add_column(_when("ends_at", nullable=True))
    _member_table(
        "activity",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        key=("day",),
    )
    _member_table(
        "checkin",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        _when("answered_at", nullable=False),
        _check("checkin", "answer", ("yes", "not_yet", "rain_check")),
        key=("number",),
    )
    op.create_table(
        "goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("progress", sa.String(16), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_goal"),
        _fk("goal", "match_id", "match"),
        _fk("goal", "participant_id", "participant"),
        _check("goal", "progress", ("not_started", "under_way", "done")),
    )
    op.create_index("ix_goal_match_id", "goal", ["match_id"])
    op.create_index("ix_goal_participant_id", "goal", ["participant_id"])
    _member_table(
        "feedback",
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        _when("answered_at", nullable=False),
        _check("feedback", "kind", ("mid", "end")),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)", name="ck_feedback_rating"
        ),
        key=("kind",),
    )
    _member_table(
        "end_vote",
        sa.Column("choice", sa.String(8), nullable=False),
        _when("answered_at", nullable=False),
        _check("end_vote", "choice", ("extend", "close")),
        key=(),
    )


def downgrade() -> None:
    for table in ("end_vote", "feedback", "goal", "checkin", "activity"):
        op.drop_table(table)
    with op.batch_alter_table("match") as batch:
        batch.drop_column("ends_at")
    op.drop_index("ix_reminder_recipient_status_due_at", "reminder")
    op.drop_index("ix_reminder_status_attempt_at", "reminder")
    with op.batch_alter_table("reminder") as batch:
        batch.drop_column("attempt_at")
        batch.drop_column("recipient")
