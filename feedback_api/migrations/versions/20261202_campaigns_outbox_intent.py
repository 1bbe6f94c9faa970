"""outbox messages carry an intent (a key of the bot's text catalogue) and its parameters

Revision ID: 0008_campaigns
Revises: 0008_perf
Create Date: 2026-12-02

Services no longer build the prose a citizen reads: the outbox stores what to say (intent and
parameters, JSON) and the bot's sender renders it through handlers/texts.py at send time.
`text` stays for rows queued before this revision (rendered as they are) and gets a default.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_campaigns"
down_revision = "0008_perf"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "intent",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "params", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="{}"
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("params")
        batch_op.drop_column("intent")
