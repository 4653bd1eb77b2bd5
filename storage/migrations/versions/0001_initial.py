"""Initial schema: workspaces, programs, participants, answers, onboarding; matches, reminders.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00

Types are spelled out here (not imported from storage.tables) so this script keeps describing the
schema of revision 0001 whatever the models become later. Timestamps are
`TIMESTAMP WITH TIME ZONE`; the models read them back as aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, *, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _json(name: str) -> sa.Column:
    # TEXT on SQLite: a JSON-typed column there has NUMERIC affinity and would turn 2.0 into 2.
    return sa.Column(name, sa.JSON().with_variant(sa.Text(), "sqlite"), nullable=False)


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "workspace",
        _id(),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspace"),
        sa.UniqueConstraint("platform", "external_id", name="uq_workspace_platform_external_id"),
    )
    op.create_table(
        "program_state",
        _id(),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("program_key", sa.String(64), nullable=False),
        sa.Column("enrolment_open", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_program_state"),
        _fk("program_state", "workspace_id", "workspace"),
        sa.UniqueConstraint(
            "workspace_id", "program_key", name="uq_program_state_workspace_id_program_key"
        ),
    )
    op.create_table(
        "participant",
        _id(),
        sa.Column("program_state_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("roles", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        _when("paused_until", nullable=True),
        _when("policy_accepted_at", nullable=True),
        _when("joined_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_participant"),
        _fk("participant", "program_state_id", "program_state"),
        sa.UniqueConstraint(
            "program_state_id",
            "platform",
            "workspace_id",
            "user_id",
            name="uq_participant_program_state_id_platform_workspace_id_user_id",
        ),
        sa.CheckConstraint(
            "status IN ('onboarding', 'active', 'paused', 'left')", name="ck_participant_status"
        ),
    )
    op.create_index("ix_participant_user", "participant", ["platform", "workspace_id", "user_id"])
    op.create_table(
        "answer",
        _id(),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=False),
        _json("value"),
        sa.PrimaryKeyConstraint("id", name="pk_answer"),
        _fk("answer", "participant_id", "participant"),
        sa.UniqueConstraint(
            "participant_id", "question_id", name="uq_answer_participant_id_question_id"
        ),
    )
    op.create_table(
        "onboarding_session",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("roles", sa.String(32), nullable=False),
        sa.Column("question_id", sa.String(64), nullable=True),
        _json("draft"),
        _when("started_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("participant_id", name="pk_onboarding_session"),
        _fk("onboarding_session", "participant_id", "participant"),
    )
    op.create_table(
        "cycle",
        _id(),
        sa.Column("program_state_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _when("starts_at", nullable=False),
        _when("ends_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cycle"),
        _fk("cycle", "program_state_id", "program_state"),
        sa.UniqueConstraint("program_state_id", "number", name="uq_cycle_program_state_id_number"),
    )
    op.create_table(
        "match",
        _id(),
        sa.Column("program_state_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        _json("explanation"),
        _when("created_at", nullable=False),
        _when("ended_at", nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_match"),
        _fk("match", "program_state_id", "program_state"),
        _fk("match", "cycle_id", "cycle"),
        sa.UniqueConstraint("idempotency_key", name="uq_match_idempotency_key"),
        sa.CheckConstraint("status IN ('proposed', 'active', 'ended')", name="ck_match_status"),
    )
    op.create_index("ix_match_cycle_id", "match", ["cycle_id"])
    op.create_index("ix_match_program_state_id_status", "match", ["program_state_id", "status"])
    op.create_table(
        "match_member",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("match_id", "participant_id", name="pk_match_member"),
        _fk("match_member", "match_id", "match"),
        _fk("match_member", "participant_id", "participant"),
        sa.CheckConstraint("role IN ('mentor', 'mentee')", name="ck_match_member_role"),
    )
    op.create_index("ix_match_member_participant_id", "match_member", ["participant_id"])
    op.create_table(
        "space",
        _id(),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("workspace_id", sa.String(255), nullable=False),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        _when("archived_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_space"),
        _fk("space", "match_id", "match"),
        sa.UniqueConstraint("match_id", name="uq_space_match_id"),
        sa.UniqueConstraint(
            "platform",
            "workspace_id",
            "external_id",
            name="uq_space_platform_workspace_id_external_id",
        ),
    )
    op.create_table(
        "reminder",
        _id(),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("program_state_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("match_id", sa.Integer(), nullable=True),
        _when("due_at", nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        _json("payload"),
        _when("claimed_at", nullable=True),
        _when("sent_at", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reminder"),
        _fk("reminder", "program_state_id", "program_state"),
        _fk("reminder", "participant_id", "participant"),
        _fk("reminder", "match_id", "match"),
        sa.UniqueConstraint("idempotency_key", name="uq_reminder_idempotency_key"),
        sa.CheckConstraint(
            "status IN ('pending', 'claimed', 'sent', 'failed')", name="ck_reminder_status"
        ),
    )
    op.create_index("ix_reminder_status_due_at", "reminder", ["status", "due_at"])
    op.create_index("ix_reminder_program_state_id", "reminder", ["program_state_id"])
    op.create_index("ix_reminder_participant_id", "reminder", ["participant_id"])
    op.create_index("ix_reminder_match_id", "reminder", ["match_id"])


def downgrade() -> None:
    # Children first, so no foreign key is left pointing at a dropped table.
    for table in (
        "reminder",
        "space",
        "match_member",
        "match",
        "cycle",
        "onboarding_session",
        "answer",
        "participant",
        "program_state",
        "workspace",
    ):
        op.drop_table(table)
