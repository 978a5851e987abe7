"""A client-side deadline on every PostgreSQL statement, for a server that stops answering.

`statement_timeout` is enforced by the server, so a server that is frozen (SIGSTOP, a hung
host, a partition where the kernel still acknowledges) never sends the cancellation, and
TCP keepalives are answered by the kernel. libpq has no client-side query timeout, so one
watchdog thread per process shuts down the socket of any statement (or pool ping) that
outlives its deadline: the blocked read returns at once, psycopg raises `OperationalError`,
SQLAlchemy invalidates the connection, and the web layer answers 503.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

# How often the watchdog looks at the armed statements: the deadline's precision.
TICK_SECONDS = 0.2


class _Watchdog:
    """Deadlines of in-flight statements, by connection; one daemon thread checks them."""

    def __init__(self) -> None:
        # id -> (deadline, connection): the connection itself, so its socket is looked up
        # when the deadline passes and a closed connection's recycled fd is never touched.
        self._armed: dict[int, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: Any, seconds: float) -> None:
        with self._lock:
            self._armed[id(dbapi_connection)] = (time.monotonic() + seconds, dbapi_connection)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="lovetv-db-deadlines", daemon=True
                )
                self._thread.start()

    def disarm(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._armed.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        while True:
            time.sleep(TICK_SECONDS)
            now = time.monotonic()
            with self._lock:
                expired = [(k, c) for k, (due, c) in self._armed.items() if due <= now]
                for key, _ in expired:
                    del self._armed[key]
            for _, connection in expired:
                fd = _socket_fd(connection)
                if fd is not None:
                    log.warning("a database statement outlived its deadline; dropping it")
                    _shut_down(fd)


_watchdog = _Watchdog()


def _socket_fd(dbapi_connection: Any) -> int | None:
    pgconn = getattr(dbapi_connection, "pgconn", None)
    try:
        fd = pgconn.socket if pgconn is not None else None
    except Exception:  # a closed or broken connection has no socket
        return None
    return fd if isinstance(fd, int) and fd >= 0 else None


def _shut_down(fd: int) -> None:
    """Shut the socket down (not close: the fd stays psycopg's) so its blocked read returns."""
    with contextlib.suppress(OSError):
        dup = socket.socket(fileno=os.dup(fd))
        try:
            dup.shutdown(socket.SHUT_RDWR)
        finally:
            dup.close()


def install_deadlines(engine: Engine, statement_seconds: float, ping_seconds: float) -> None:
    """Give every statement and every pool ping of `engine` a client-side deadline."""

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(conn, cursor, statement, parameters, context, executemany):
        _watchdog.arm(conn.connection.dbapi_connection, statement_seconds)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(conn, cursor, statement, parameters, context, executemany):
        _watchdog.disarm(conn.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _disarm_on_error(context):
        cursor = getattr(context, "cursor", None)  # absent when a pool ping failed
        if cursor is not None:
            _watchdog.disarm(getattr(cursor, "connection", None))

    dialect = engine.dialect
    plain_ping = dialect.do_ping

    def guarded_ping(dbapi_connection: Any) -> bool:
        _watchdog.arm(dbapi_connection, ping_seconds)
        try:
            return plain_ping(dbapi_connection)
        finally:
            _watchdog.disarm(dbapi_connection)

    dialect.do_ping = guarded_ping  # type: ignore[method-assign]  # this engine's dialect only


@contextlib.contextmanager
def statement_deadline(dbapi_connection: Any, seconds: float) -> Iterator[None]:
    """Bound one statement run on a raw DB-API connection (the feed hot path's)."""
    _watchdog.arm(dbapi_connection, seconds)
    try:
        yield
    finally:
        _watchdog.disarm(dbapi_connection)
