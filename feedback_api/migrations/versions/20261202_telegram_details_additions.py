"""submission.details (links, forward origins, venue, message ids the citizen sent) and
submission_addition (corrections of edited messages, "Bổ sung thông tin" by tracking code)

Revision ID: 0005_telegram
Revises: 0005_broadcasts
Create Date: 2026-12-02 06:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005_telegram"
down_revision = "0005_broadcasts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
    op.create_table(
        "submission_addition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("submission_addition", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_addition_submission_id"), ["submission_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("submission_addition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_addition_submission_id"))
    op.drop_table("submission_addition")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("details")
