"""forums and quizzes: forum, forum_theme, forum_opinion, quiz, quiz_question, quiz_attempt

Revision ID: 0007_forums
Revises: 0007_zalo
Create Date: 2026-12-02
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_forums"
down_revision = "0007_zalo"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forum",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("venue", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("opens_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closes_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("topics", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_forum_code", "forum", ["code"], unique=True)
    op.create_index("ix_forum_unit_id", "forum", ["unit_id"])
    op.create_index("ix_forum_opens_at", "forum", ["opens_at"])
    op.create_index("ix_forum_closes_at", "forum", ["closes_at"])
    op.create_table(
        "forum_theme",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("forum_id", sa.Integer(), sa.ForeignKey("forum.id"), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("response", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("response_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_forum_theme_forum_id", "forum_theme", ["forum_id"])
    op.create_table(
        "forum_opinion",
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submission.id"), primary_key=True),
        sa.Column("forum_id", sa.Integer(), sa.ForeignKey("forum.id"), nullable=False),
        sa.Column("theme_id", sa.Integer(), sa.ForeignKey("forum_theme.id"), nullable=True),
        sa.Column("response", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("response_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_forum_opinion_forum_id", "forum_opinion", ["forum_id"])
    op.create_index("ix_forum_opinion_theme_id", "forum_opinion", ["theme_id"])
    op.create_table(
        "quiz",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("opens_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("closes_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_quiz_code", "quiz", ["code"], unique=True)
    op.create_index("ix_quiz_unit_id", "quiz", ["unit_id"])
    op.create_table(
        "quiz_question",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("quiz_id", sa.Integer(), sa.ForeignKey("quiz.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("choices", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("legal_basis", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("explanation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    )
    op.create_index("ix_quiz_question_quiz_id", "quiz_question", ["quiz_id"])
    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("quiz_id", sa.Integer(), sa.ForeignKey("quiz.id"), nullable=False),
        sa.Column("citizen_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("answers", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("quiz_id", "citizen_ref", name="uq_quiz_attempt_citizen"),
    )
    op.create_index("ix_quiz_attempt_quiz_id", "quiz_attempt", ["quiz_id"])


def downgrade() -> None:
    op.drop_table("quiz_attempt")
    op.drop_table("quiz_question")
    op.drop_table("quiz")
    op.drop_table("forum_opinion")
    op.drop_table("forum_theme")
    op.drop_table("forum")
