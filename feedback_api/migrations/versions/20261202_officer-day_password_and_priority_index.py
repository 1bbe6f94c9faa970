"""officer.must_change_password: a password someone else chose (the CLI reset, an admin) is
good for one login only; the officer must pick their own before anything else. And the
(status, priority, due_at, unit_id) index behind the inbox's priority order.

Revision ID: 0006_officer_day
Revises: 0005_kb_loop
Create Date: 2026-12-02 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_officer_day"
down_revision = "0005_kb_loop"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(
            "ix_submission_status_priority_due_at",
            ["status", "priority", "due_at", "unit_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_status_priority_due_at")
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
