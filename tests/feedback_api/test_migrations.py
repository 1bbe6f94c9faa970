"""The migrations build exactly the schema the models describe, and can be rolled back."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from feedback_api.migrate import downgrade, include_name, upgrade
from feedback_api.models import metadata


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        assert compare_metadata(context, metadata) == []


def test_migrations_roll_back_and_forward(engine):
    downgrade(engine, "base")
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        assert compare_metadata(context, metadata) == []
