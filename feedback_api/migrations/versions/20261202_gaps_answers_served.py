"""gaps: faq_answer_served (FAQ answers shown to citizens, for the reports), zalo_consent
(the OA's OAuth v4 consents in progress)

Revision ID: 0008_gaps
Revises: 0007_forums
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_gaps"
down_revision = "0007_forums"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "faq_answer_served",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=True),
        sa.Column("served_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_faq_answer_served_entry_slug", "faq_answer_served", ["entry_slug"])
    op.create_index("ix_faq_answer_served_unit_id", "faq_answer_served", ["unit_id"])
    op.create_index("ix_faq_answer_served_served_at", "faq_answer_served", ["served_at"])
    op.create_table(
        "zalo_consent",
        sa.Column("state_hash", sqlmodel.sql.sqltypes.AutoString(length=64), primary_key=True),
        sa.Column("code_verifier", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("zalo_consent")
    op.drop_table("faq_answer_served")
