"""The schema: Alembic's migrations match the models, and an old schema is refused."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from publisher.db import Database, DatabaseError
from publisher.schema import metadata


def test_migrations_create_exactly_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        with database.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        assert database.current_revision() == database.head_revision()
    finally:
        database.dispose()


def test_unmigrated_database_is_refused_with_the_command_to_run(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        database.require_current_schema()
    except DatabaseError as exc:
        assert "run `lovetv db upgrade`" in str(exc)
    else:
        raise AssertionError("an empty database was accepted")
    finally:
        database.dispose()


def test_unreachable_database_is_one_line() -> None:
    database = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        database.require_current_schema()
    except DatabaseError as exc:
        assert str(exc).startswith("cannot reach the database")
        assert "\n" not in str(exc)
    else:
        raise AssertionError("an unreachable database was accepted")
