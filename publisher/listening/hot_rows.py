"""What the feed's hot statement returned, kept per worker while nothing has changed.

On PostgreSQL a member's poll cost one round trip to the database even when nothing had
changed since their last poll, and waiting for it was most of a 304's time. A worker now
keeps the rows the hot statement returned (token, member, stored feed state), and drops
them all when the database says that something they are read from changed:

- Triggers on `members`, `feed_tokens`, `seasons` and `rendered_feeds` (migration 0019)
  `NOTIFY lovetv_listening` in every transaction that writes them, whatever code path
  wrote it (CLI, webhook, billing job, another machine). PostgreSQL delivers it at commit.
- One thread per worker listens (`publisher.listening.change_listener`) and, every
  `HEARTBEAT_SECONDS`, makes a round trip on its connection: any notification committed
  before that round trip began has then been received (PostgreSQL sends them before the
  round trip's answer), so the worker knows it is up to date as of that moment.
- Rows are trusted only while the last round trip began less than `TRUSTED_SECONDS` ago.
  A cut or silent listening connection, a frozen thread, a lost notification: the rows
  simply stop being used (every request asks the database, as before) and are dropped
  when the connection is found lost. So a revocation, rotation, lapse or publish
  committed anywhere is seen by every worker within `TRUSTED_SECONDS` plus one round
  trip, which is what the README's one-second bound promises.

A row read before a change but stored after the change's notification would be stale: each
store carries the generation read before its query and is refused once a notification has
moved the generation on. On SQLite (one machine, and a query that costs microseconds) no
rows are kept: every request reads the database, as before.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import ORMExecuteState, Session

from publisher.listening.change_listener import start_change_listener

TRUSTED_SECONDS = 0.5
# Bounded so a worker's memory does not grow with the number of members (about 1 KB a row).
MAX_ROWS = 4096

MISS: Any = object()
_ALL: weakref.WeakSet[HotRows] = weakref.WeakSet()


class HotRows:
    """Rows of the hot statement by key, trusted only while the change listener is current."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.enabled = engine.dialect.name == "postgresql"
        self._rows: dict[Any, Any] = {}
        self._generation = 0
        self._confirmed_at = float("-inf")  # monotonic start of the last good round trip
        self._lock = threading.Lock()
        self._listener_pid: int | None = None
        _ALL.add(self)

    def get(self, key: Any) -> Any:
        """The row kept under `key`, or `MISS` (also whenever the rows are not trusted)."""
        if not self.enabled:
            return MISS
        if self._listener_pid != os.getpid():
            self._start_listener()
            return MISS
        if time.monotonic() - self._confirmed_at >= TRUSTED_SECONDS:
            return MISS
        return self._rows.get(key, MISS)

    def generation(self) -> int:
        """Read before the query whose row is then offered to `put`."""
        return self._generation

    def put(self, key: Any, row: Any, generation: int) -> None:
        """Keep `row` unless something changed since `generation` was read."""
        if not self.enabled:
            return
        with self._lock:
            if generation != self._generation:
                return
            if len(self._rows) >= MAX_ROWS:
                self._rows.clear()
            self._rows[key] = row

    def changed(self) -> None:
        """Something the rows are read from changed (or may have): drop them all."""
        with self._lock:
            self._generation += 1
            self._rows.clear()

    def confirm(self, started: float) -> None:
        """Every change committed before `started` (monotonic) has been received."""
        self._confirmed_at = started

    def lost(self) -> None:
        """The listening connection failed: trust nothing until it is back and current."""
        self._confirmed_at = float("-inf")
        self.changed()

    def _start_listener(self) -> None:
        """One listener per process, started by the first request (after gunicorn forks)."""
        with self._lock:
            if self._listener_pid == os.getpid():
                return
            self._listener_pid = os.getpid()
            self._confirmed_at = float("-inf")
            self._rows.clear()
        start_change_listener(self)


# What the hot statement reads; migration 0019's triggers are on the same tables.
TABLES = frozenset({"members", "feed_tokens", "seasons", "rendered_feeds"})
_WROTE = "lovetv_listening_wrote"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    """Note a flush that wrote a row the hot statement reads."""
    for instance in (*session.new, *session.dirty, *session.deleted):
        if getattr(instance, "__tablename__", None) in TABLES:
            session.info[_WROTE] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: ORMExecuteState) -> None:
    """Note an UPDATE, DELETE or INSERT statement on one of those tables."""
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in TABLES:
            state.session.info[_WROTE] = True


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_WROTE, None)


@event.listens_for(Session, "after_commit")
def _committed_here(session: Session) -> None:
    """A commit in this process that wrote what the rows are read from drops this process's
    rows at once, before its notification arrives: a request that follows a write in the
    same process (a webhook, a test) never sees the row from before it. Other processes
    rely on the notification; read-only commits (the mail sender's polls) drop nothing."""
    if not session.info.pop(_WROTE, False):
        return
    for rows in list(_ALL):
        if rows.enabled:
            rows.changed()
