"""Each media request remembered in memory and written in batches by a background thread.

The media route only appends a small record to a deque (no database write, no lock held
while writing): a thread wakes every `interval` seconds, or as soon as `batch` records
wait, and hands them to the writer in one go. At interpreter exit (gunicorn stops a
worker) whatever waits is written too. If the database is unreachable the records wait
for the next round, up to `limit` of them; beyond that new ones are dropped and counted,
and after about two minutes of failures the waiting ones are given up, so a long outage
costs statistics, never memory or listening.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MediaHit:
    """One media request as the route saw it; the stats rules run later, in the batch."""

    at: datetime
    episode_id: int
    member_id: int | None
    token_hash: str | None  # the presented token's lookup hash (never the token)
    method: str
    range_header: str | None
    client_ip: str
    user_agent: str
    media_format: str = "audio"  # "audio", "video" (the MP4) or "hls" (a viewing)


Writer = Callable[[list[MediaHit]], None]
MAX_BACKOFF = 30.0  # seconds between attempts while the database fails
MAX_FAILURES = 8  # about two minutes of failures, then the waiting requests are given up
IDLE_EXIT = 60.0  # seconds without requests before the thread ends (a request restarts it)


class Recorder:
    """An in-process buffer of `MediaHit`s flushed to `write` in batches."""

    def __init__(
        self, write: Writer, *, batch: int = 500, interval: float = 1.0, limit: int = 100_000
    ) -> None:
        self._write = write
        self.batch = batch
        self.interval = interval
        self.limit = limit
        self.dropped = 0
        self._hits: deque[MediaHit] = deque()
        self._wake = threading.Event()
        self._flushing = threading.Lock()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._exit_hook = False

    def record(self, hit: MediaHit) -> None:
        """Remember one request; cheap enough for every request of the media route."""
        if len(self._hits) >= self.limit:
            self.dropped += 1
            return
        self._hits.append(hit)
        if self._thread is None:
            self._start()
        if len(self._hits) >= self.batch:
            self._wake.set()

    def pending(self) -> int:
        return len(self._hits)

    def flush(self) -> int:
        """Write everything waiting now; the number of requests written (0 on failure)."""
        with self._flushing:
            taken: list[MediaHit] = []
            while self._hits:
                taken.append(self._hits.popleft())
            if not taken:
                return 0
            try:
                self._write(taken)
            except Exception as exc:  # the database may be away: keep them for next time
                log.warning(
                    "download stats: %d requests wait for the database (%s)",
                    len(taken),
                    type(exc).__name__,
                )
                room = max(0, self.limit - len(self._hits))
                self.dropped += max(0, len(taken) - room)
                self._hits.extendleft(reversed(taken[:room]))
                return 0
            return len(taken)

    def discard(self) -> int:
        """Give up on what waits (after a long outage); the number given up."""
        lost = 0
        while self._hits:
            self._hits.popleft()
            lost += 1
        self.dropped += lost
        return lost

    def close(self) -> None:
        """Stop the thread and write what waits (at exit, or when the app is torn down)."""
        self._stopped = True
        self._wake.set()
        if self._exit_hook:
            atexit.unregister(self.close)
            self._exit_hook = False
        self.flush()

    def _start(self) -> None:
        with self._started:
            if self._thread is not None or self._stopped:
                return
            thread = threading.Thread(target=self._run, name="lovetv-stats", daemon=True)
            self._thread = thread
            if not self._exit_hook:
                atexit.register(self.close)
                self._exit_hook = True
            thread.start()

    def _run(self) -> None:
        """Flush every interval; back off while the database fails; end when idle."""
        failures = idle = 0
        while not self._stopped:
            self._wake.wait(min(self.interval * 2**failures, MAX_BACKOFF))
            self._wake.clear()
            had = self.pending()
            written = self._safe_flush()
            failures = failures + 1 if had and not written else 0
            if failures >= MAX_FAILURES:
                log.warning("download stats: gave up on %d requests", self.discard())
                failures = 0
            idle = idle + 1 if not had else 0
            if idle * self.interval >= IDLE_EXIT and self._leave_if_idle():
                return

    def _safe_flush(self) -> int:
        try:
            return self.flush()
        except Exception:  # never let the thread die: the next round tries again
            log.exception("download stats: flush failed")
            return 0

    def _leave_if_idle(self) -> bool:
        with self._started:
            if self._hits:
                return False
            self._thread = None
            return True
