"""The worker's ear on PostgreSQL: `LISTEN lovetv_listening` and a round trip every beat.

Runs in one daemon thread per worker process for `publisher.listening.hot_rows.HotRows`.
The connection is the engine's own (its connect arguments, time limits and address), taken
out of the pool for good and put in autocommit mode, as the hot statement's are.

Each beat waits for the socket (a notification wakes it at once) for at most
`HEARTBEAT_SECONDS`, then runs `SELECT 1`: psycopg hands every notification that arrived
before the answer to the handler, which drops the rows, and only then is the beat's start
confirmed. Any failure (the connection cut by `pg_terminate_backend`, a restart, a frozen
server caught by the statement deadline) drops the rows, stops trusting them and connects
again after a pause; the thread ends when the rows' owner is gone (an app discarded).
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
import weakref
from typing import Any, Protocol

from sqlalchemy import Engine

from publisher.db_deadlines import statement_deadline

log = logging.getLogger(__name__)

# The channel the migration's triggers notify (0019) and the beat between round trips.
CHANNEL = "lovetv_listening"
HEARTBEAT_SECONDS = 0.2
# A beat whose round trip takes longer than this has failed (the rows are untrusted anyway).
ROUND_TRIP_DEADLINE = 2.0
RECONNECT_PAUSE = 0.5
# What `pg_stat_activity` calls the listening connection.
APPLICATION_NAME = "lovetv-feed-changes"


class HotRows(Protocol):
    """What the listener tells the kept rows (`publisher.listening.hot_rows.HotRows`)."""

    engine: Engine

    def changed(self) -> None: ...

    def lost(self) -> None: ...

    def confirm(self, started: float) -> None: ...


def start_change_listener(rows: HotRows) -> threading.Thread:
    thread = threading.Thread(
        target=_listen, args=(weakref.ref(rows),), name="lovetv-feed-changes", daemon=True
    )
    thread.start()
    return thread


def _listen(owner: weakref.ref[HotRows]) -> None:
    failures = 0
    while (rows := owner()) is not None:
        conn = None
        try:
            conn = _connect(rows)
            conn.add_notify_handler(lambda _notify: _changed(owner))
            conn.execute(f"SET application_name = '{APPLICATION_NAME}'")  # for operators
            conn.execute(f"LISTEN {CHANNEL}")
            rows.changed()  # whatever happened before LISTEN was not heard
            del rows  # hold no strong reference while waiting
            failures = 0
            while _beat(owner, conn):
                select.select([conn.fileno()], [], [], HEARTBEAT_SECONDS)
        except Exception as exc:  # any failure: untrusted until connected and current again
            failures += 1
            if failures == 1:
                log.warning("feed change listener lost its connection: %s", exc)
        finally:
            if (rows := owner()) is not None:
                rows.lost()
            del rows
            if conn is not None:
                _close(conn)
        time.sleep(RECONNECT_PAUSE)


def _beat(owner: weakref.ref[HotRows], conn: Any) -> bool:
    """One round trip; False once the owner is gone."""
    started = time.monotonic()
    with statement_deadline(conn, ROUND_TRIP_DEADLINE):
        conn.execute("SELECT 1")
    rows = owner()
    if rows is None:
        return False
    rows.confirm(started)
    return True


def _changed(owner: weakref.ref[HotRows]) -> None:
    rows = owner()
    if rows is not None:
        rows.changed()


def _connect(rows: HotRows) -> Any:
    raw = rows.engine.raw_connection()
    raw.detach()  # ours for the thread's life, never handed back to the pool
    conn = raw.dbapi_connection
    conn.autocommit = True  # type: ignore[union-attr]
    return conn


def _close(conn: Any) -> None:
    with contextlib.suppress(Exception):  # already broken: nothing to tidy
        conn.close()
