"""PostgreSQL search reads a stored tsvector column (GIN-indexed) instead of computing
to_tsvector for every candidate row; SQLite keeps its FTS5 index. A (unit_id, id) index reads
one commune's items newest first.

Revision ID: 0008_perf
Revises: 0007_forums
Create Date: 2026-12-02 10:00:00
"""

from alembic import op

revision = "0008_perf"
down_revision = "0007_forums"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index("ix_submission_unit_id_id", ["unit_id", "id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        return
    # Generated from search_text (already diacritic-folded in Python, so 'simple' is the
    # whole configuration): every writer, COPY included, keeps it right without a trigger.
    op.execute(
        "ALTER TABLE submission ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
    )
    op.execute("CREATE INDEX ix_submission_search_vector ON submission USING gin (search_vector)")
    op.execute("DROP INDEX IF EXISTS ix_submission_search")


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_unit_id_id")
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(
        "CREATE INDEX ix_submission_search ON submission "
        "USING gin (to_tsvector('simple', search_text))"
    )
    op.execute("DROP INDEX IF EXISTS ix_submission_search_vector")
    op.execute("ALTER TABLE submission DROP COLUMN IF EXISTS search_vector")
