"""security hardening: login throttle per account and address, API tokens tied to the
officer's password, contacts sealed at rest, out-of-range deadlines clamped

* login_throttle: failed logins per (username, address), replacing the per-account lock that
  let anyone lock any account; officer.failed_logins/locked_until are reset (no longer used).
* api_token.credential_stamp / revoked_at: a token made before this migration has no stamp and
  no longer works (it may have survived a password reset): officers make new ones.
* submission.contact_name/contact_phone become TEXT and are encrypted (AES-GCM, key derived from
  LANGNGHE_SECRET_KEY: the key the server will run with must be set when this runs).
* A deadline past 2100 (once accepted, it broke the inbox) is clamped to 2099-12-31.

Revision ID: 0005_security
Revises: 0004
Create Date: 2026-12-02
"""

import datetime as dt

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision = "0005_security"
down_revision = "0004"
branch_labels = None
depends_on = None


def _secret() -> str:
    secret = context.config.attributes.get("secret_key")
    if not secret:
        from feedback_api.settings import Settings

        secret = Settings().secret_key
    return secret


def _restore_sqlite_search_triggers() -> None:
    """SQLite's batch "alter" rebuilt the submission table, dropping the full-text triggers of
    migration 0001: create them again and rebuild the index from the table."""
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS submission_fts_ai AFTER INSERT ON submission BEGIN "
        "INSERT INTO submission_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS submission_fts_ad AFTER DELETE ON submission BEGIN "
        "INSERT INTO submission_fts(submission_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); END"
    )
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS submission_fts_au AFTER UPDATE OF search_text ON submission "
        "BEGIN INSERT INTO submission_fts(submission_fts, rowid, search_text) "
        "VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO submission_fts(rowid, search_text) VALUES (new.id, new.search_text); END"
    )
    op.execute("INSERT INTO submission_fts(submission_fts) VALUES ('rebuild')")


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username", "address"),
    )
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.create_index("ix_login_throttle_updated_at", ["updated_at"], unique=False)
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "credential_stamp", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
            )
        )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column("contact_name", type_=sa.Text(), existing_nullable=True)
        batch_op.alter_column("contact_phone", type_=sa.Text(), existing_nullable=True)
    if op.get_bind().dialect.name == "sqlite":
        _restore_sqlite_search_triggers()

    connection = op.get_bind()
    connection.execute(sa.text("UPDATE officer SET failed_logins = 0, locked_until = NULL"))
    connection.execute(
        sa.text("UPDATE submission SET due_at = :latest WHERE due_at >= :limit"),
        {"latest": dt.datetime(2099, 12, 31), "limit": dt.datetime(2100, 1, 1)},
    )
    rows = connection.execute(
        sa.text(
            "SELECT id, contact_name, contact_phone FROM submission "
            "WHERE contact_name IS NOT NULL OR contact_phone IS NOT NULL"
        )
    ).all()
    if rows:
        from feedback_api.submissions.contacts import ContactSealer

        sealer = ContactSealer(_secret())
        for row in rows:
            connection.execute(
                sa.text(
                    "UPDATE submission SET contact_name = :n, contact_phone = :p WHERE id = :i"
                ),
                {
                    "n": sealer.seal(row.contact_name),
                    "p": sealer.seal(row.contact_phone),
                    "i": row.id,
                },
            )


def downgrade() -> None:
    # Contacts stay sealed (decrypting them back into plain text is not a downgrade we offer).
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("credential_stamp")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("login_throttle", schema=None) as batch_op:
        batch_op.drop_index("ix_login_throttle_updated_at")
    op.drop_table("login_throttle")
