"""Engines, sessions and the migration check.

One `Database` per process: the web app keeps it in `app.extensions`, the CLI builds its
own. Alembic owns the schema; `require_current_schema` refuses to run on a database that
has not been upgraded, with the command that fixes it.

Every wait on the database is bounded, so a database that is down or frozen costs a
request a few seconds and a 503, never a hung worker (the numbers are below and in
docs/security.md): connecting, checking a pooled connection, waiting for a free one, and each
statement (on the server by `statement_timeout`, and on the client by
`publisher.db_deadlines` for a server that stopped answering altogether). Migrations run
on an engine of their own without the statement limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from publisher.db_deadlines import install_deadlines
from publisher.schema_check import head_revision, stored_revision

if TYPE_CHECKING:  # Alembic costs ~0.2 s of imports; only migrations and a stale schema need it
    from alembic.config import Config as AlembicConfig
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.orm import Session, sessionmaker

# Seconds. A frozen database answers a request with 503 after at most
# PING (a pooled connection's check) + CONNECT (a new one), or STATEMENT + its grace.
CONNECT_TIMEOUT = 2
PING_TIMEOUT = 2.0
POOL_TIMEOUT = 2
STATEMENT_TIMEOUT = 5
STATEMENT_GRACE = 0.5
# SQLite waits this long for another process's write lock (a publish) before "locked".
SQLITE_BUSY_TIMEOUT = 5


class DatabaseError(RuntimeError):
    """The database cannot be used; the message is one line for the operator."""


def make_engine(url: str, *, bounded: bool = True) -> Engine:
    """Create an engine with the pragmas, pool settings and time limits each backend needs.

    `bounded=False` (migrations) drops the per-statement limit: a schema change on a big
    table may rightly take longer than any request should.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT}
    if bounded:
        connect_args["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT * 1000}"
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=POOL_TIMEOUT,
        connect_args=connect_args,
    )
    if bounded:
        install_deadlines(engine, STATEMENT_TIMEOUT + STATEMENT_GRACE, PING_TIMEOUT)
    return engine


def serialise_on(session: Session, keys: Iterable[str]) -> None:
    """Make concurrent transactions about the same keys run one after another, wherever they
    run (every worker, every machine): read-then-write decisions stay right.

    PostgreSQL: a transaction-scoped advisory lock per key, all taken by one statement in
    sorted order (two transactions never wait on each other crosswise). SQLite: its one
    writer lock, taken now by a write that changes nothing, before the reads that decide.
    """
    ordered = sorted(set(keys))
    if not ordered:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) "
                "FROM (SELECT unnest(CAST(:keys AS text[])) AS k ORDER BY 1) AS ordered"
            ),
            {"keys": ordered},
        )
    else:
        session.execute(text("DELETE FROM rate_limit_hits WHERE 0 = 1"))


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: object) -> None:
    """WAL lets the CLI publish while gunicorn workers read; foreign keys are off by default."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
    cursor.close()


def alembic_config(engine: Engine) -> AlembicConfig:
    """An Alembic configuration that works from an installed package, no alembic.ini needed."""
    from alembic.config import Config as AlembicConfig

    import migrations

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.attributes["engine"] = engine
    return cfg


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions: sessionmaker[Session] | None = None

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory, made on first use: commands that only read with Core (and
        their start-up time) never import the ORM."""
        if self._sessions is None:
            from sqlalchemy.orm import sessionmaker

            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        return self._sessions

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self) -> None:
        """Apply every pending migration (on an engine without the statement limit)."""
        from alembic import command

        engine = make_engine(self.url, bounded=False) if self.dialect == "postgresql" else None
        try:
            command.upgrade(alembic_config(engine or self.engine), "head")
        except SQLAlchemyError as exc:
            raise DatabaseError(f"cannot migrate the database: {_first_line(exc)}") from exc
        finally:
            if engine is not None:
                engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(alembic_config(self.engine)).get_current_head()

    def require_current_schema(self) -> None:
        """Stop start-up with one clear line when the database is unreachable or not migrated.

        The usual answer ("current") comes from one SELECT against the newest migration file;
        Alembic is asked only when they differ, to say what is wrong.
        """
        head = head_revision()
        if head is not None and stored_revision(self.engine) == head:
            return
        try:
            current = self.current_revision()
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"cannot reach the database at {self.engine.url.render_as_string()}: "
                f"{_first_line(exc)}"
            ) from exc
        if current != self.head_revision():
            raise DatabaseError(
                "the database schema is not up to date: run `lovetv db upgrade` first"
            )

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text_ = str(orig).strip().splitlines()
    return text_[0] if text_ else type(orig).__name__
