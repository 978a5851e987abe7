"""Alembic environment: runs online against the engine `publisher.db` hands over."""

from alembic import context

from publisher.schema import metadata

config = context.config
target_metadata = metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
