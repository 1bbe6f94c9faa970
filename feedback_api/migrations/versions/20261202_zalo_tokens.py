"""zalo_credentials: the Zalo OA's token pair, sealed at rest, with its refresh lease

Revision ID: 0007_zalo
Revises: 0005_routing
Create Date: 2026-12-02 07:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_zalo"
down_revision = "0005_routing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zalo_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("access_token", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("refresh_token", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("access_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("lease_holder", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("lease_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_refresh_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("last_error_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("zalo_credentials")
