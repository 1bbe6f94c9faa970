"""unit centres and boundaries (a table of their own), to route a shared location to its
commune; and the commune a citizen asked to be remembered for next time

Revision ID: 0005_routing
Revises: 0005_telegram
Create Date: 2026-12-02 06:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005_routing"
down_revision = "0005_telegram"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
    op.create_table(
        "unit_boundary",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("unit_id"),
    )
    with op.batch_alter_table("unit_boundary", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unit_boundary_updated_at"), ["updated_at"], unique=False
        )
    op.create_table(
        "remembered_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("remembered_unit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_remembered_unit_citizen_ref"), ["citizen_ref"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_remembered_unit_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("remembered_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remembered_unit_unit_id"))
        batch_op.drop_index(batch_op.f("ix_remembered_unit_citizen_ref"))
    op.drop_table("remembered_unit")
    with op.batch_alter_table("unit_boundary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_boundary_updated_at"))
    op.drop_table("unit_boundary")
    # Plain ALTER TABLE DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop and recreate the
    # unit table, which the foreign keys of existing submissions refuse.
    op.drop_column("unit", "longitude")
    op.drop_column("unit", "latitude")
