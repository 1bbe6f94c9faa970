"""Run Alembic migrations programmatically (`langnghe db upgrade`, `make run`, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

HERE = Path(__file__).resolve().parent
HAND_MANAGED = ("submission_fts", "ix_submission_search")
# PostgreSQL's stored tsvector (migration 0008_perf): not in the model, so the ORM never
# reads it into Python with a row.
HAND_MANAGED_COLUMNS = {("submission", "search_vector")}


def include_name(name, type_, parent_names) -> bool:
    """Full-text search objects are written by hand in the migrations (SQLite FTS5 tables, the
    PostgreSQL tsvector column and its GIN index); autogenerate must neither drop nor
    recreate them."""
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in HAND_MANAGED_COLUMNS
    return not (type_ in ("table", "index") and name and name.startswith(HAND_MANAGED))


def alembic_config(url: str) -> Config:
    config = Config(str(HERE / "alembic.ini"))
    config.set_main_option("script_location", str(HERE / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head", *, secret_key: str | None = None) -> None:
    """Migrate to `revision`. `secret_key` seals data a migration encrypts (0005: contacts);
    without it the migration reads LANGNGHE_SECRET_KEY like the server does."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["secret_key"] = secret_key
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
