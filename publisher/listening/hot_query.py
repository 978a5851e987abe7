"""One read-only statement run on a DB-API connection kept per thread: the feed hot path.

A member feed request makes exactly one indexed query. Going through SQLAlchemy's pool and
result machinery for it costs more than the query itself, so the statement is compiled once
for the engine's dialect and run on a connection each serving thread keeps, in autocommit
mode (every request sees the latest committed rows, with no transaction left open).

The statement carries the same client-side deadline as the ORM's (`publisher.db`), and a
failure that survives one fresh connection is raised as SQLAlchemy's `OperationalError`,
so the web layer answers it like any other unavailable database: 503.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Select
from sqlalchemy.exc import OperationalError

from publisher.db_deadlines import statement_deadline
from publisher.models import UTCDateTime

# A first failure quicker than this was a stale connection (worth one fresh try); a slower
# one was the deadline, and trying again would only double the wait.
_STALE_FAILURE_SECONDS = 1.0
# The hot statement is one indexed lookup (milliseconds): a database that has not answered
# it in this long is away, and the listener gets a 503 instead of waiting.
HOT_STATEMENT_SECONDS = 2.0


class HotQuery:
    """`first(**params)` of a compiled SELECT, as a dict of column name to value."""

    def __init__(self, engine: Engine, statement: Select[*tuple[Any, ...]]) -> None:
        self.engine = engine
        compiled = statement.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        self.defaults = dict(compiled.params)
        self.order = compiled.positiontup if compiled.positional else None
        columns = list(statement.selected_columns)
        self.names = [cast(str, c.key) for c in columns]  # each hot column is named
        self.datetimes = [isinstance(c.type, UTCDateTime) for c in columns]
        self._local = threading.local()

    def first(self, **params: Any) -> dict[str, Any] | None:
        values = {**self.defaults, **params}
        args = tuple(values[name] for name in self.order) if self.order is not None else values
        dbapi_error = self.engine.dialect.dbapi.Error  # type: ignore[union-attr]  # loaded: the engine connects
        started = time.monotonic()
        try:
            row = self._run(args)
        except dbapi_error as exc:
            self._local.__dict__.pop("conn", None)  # a broken connection: one fresh try
            if time.monotonic() - started > _STALE_FAILURE_SECONDS:
                raise OperationalError(self.sql, None, exc) from exc
            try:
                row = self._run(args)
            except dbapi_error as again:
                self._local.__dict__.pop("conn", None)
                raise OperationalError(self.sql, None, again) from again
        if row is None:
            return None
        return {
            name: _utc(value) if is_time else value
            for name, value, is_time in zip(self.names, row, self.datetimes, strict=True)
        }

    def _run(self, args: Any) -> tuple[Any, ...] | None:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        cursor = conn.cursor()
        try:
            with statement_deadline(conn, HOT_STATEMENT_SECONDS):
                cursor.execute(self.sql, args)
                return cursor.fetchone()
        finally:
            cursor.close()

    def _connect(self) -> Any:
        raw = self.engine.raw_connection()
        raw.detach()  # ours for the thread's life: never handed back to the pool changed
        dbapi = raw.dbapi_connection
        if self.engine.dialect.name == "sqlite":
            dbapi.isolation_level = None  # type: ignore[union-attr]  # a fresh raw connection is set
        else:
            dbapi.autocommit = True  # type: ignore[union-attr]  # a fresh raw connection is set
        return dbapi


def _utc(value: Any) -> datetime | None:
    """SQLite hands back text, PostgreSQL aware datetimes: both become aware UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
