"""broadcasts: campaigns, per-recipient deliveries, the shared rate bucket, officer chat links

Revision ID: 0005_broadcasts
Revises: 0006_officer_day
Create Date: 2026-12-02 06:15:37.466793
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005_broadcasts"
down_revision = "0006_officer_day"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "broadcast_rate_bucket",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("image_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("links", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column(
            "audience_unit_ids", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False
        ),
        sa.Column("audience_topics", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("expanded_through", sa.Integer(), nullable=False),
        sa.Column("expansion_done", sa.Boolean(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["officer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["officer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcast_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_broadcast_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_broadcast_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "officer_chat_link",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("code_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("citizen_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("linked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
        ),
        sa.PrimaryKeyConstraint("officer_id"),
    )
    with op.batch_alter_table("officer_chat_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_officer_chat_link_code_hash"), ["code_hash"], unique=False
        )

    op.create_table(
        "broadcast_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("citizen_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("test_seq", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("lease_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("lease_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcast.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "broadcast_id", "citizen_ref", "test_seq", name="uq_delivery_recipient"
        ),
    )
    with op.batch_alter_table("broadcast_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcast_delivery_lease_token"), ["lease_token"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_broadcast_delivery_sent_at"), ["sent_at"], unique=False
        )
        batch_op.create_index("ix_delivery_due", ["state", "not_before"], unique=False)
        batch_op.create_index("ix_delivery_progress", ["broadcast_id", "state"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("broadcast_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_progress")
        batch_op.drop_index("ix_delivery_due")
        batch_op.drop_index(batch_op.f("ix_broadcast_delivery_sent_at"))
        batch_op.drop_index(batch_op.f("ix_broadcast_delivery_lease_token"))

    op.drop_table("broadcast_delivery")
    with op.batch_alter_table("officer_chat_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officer_chat_link_code_hash"))

    op.drop_table("officer_chat_link")
    with op.batch_alter_table("broadcast", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_unit_id"))
        batch_op.drop_index(batch_op.f("ix_broadcast_status"))
        batch_op.drop_index(batch_op.f("ix_broadcast_author_id"))

    op.drop_table("broadcast")
    op.drop_table("broadcast_rate_bucket")
