"""gunicorn as a library: `lovetv serve` runs the app factory in each worker.

Each worker also runs one mail sender thread (`post_worker_init`), so queued email goes
out without a separate process; workers and machines share the outbox through its claims.
The app factory itself never starts a sender, so tests and `flask` tooling stay quiet.

Time limits: gthread workers heartbeat from their main loop, so gunicorn's `timeout` alone
never fires for a request stuck in a handler thread. `HandlerClock` times each handler (not
the sending of its body: a slow phone downloading an episode is not stuck), and a worker
whose oldest handler has run longer than `WORKER_TIMEOUT` stops its heartbeat, so the
arbiter kills and replaces it. The database and S3 limits (`publisher.db`,
`audio.storage`) make that a last resort. No control socket is opened: two `lovetv serve`
on one machine would otherwise share the per-user default path and remove each other's.
"""

from __future__ import annotations

import os
import threading
import time
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from publisher.web.redaction import redact

if TYPE_CHECKING:
    from gunicorn.glogging import _AtomsDict  # types-gunicorn's name for the atoms

# Seconds a request handler may run before its worker is replaced; graceful shutdown time.
WORKER_TIMEOUT = 30
GRACEFUL_TIMEOUT = 20
ACCESS_LOG_FORMAT = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" rid=%({x-request-id}o)s'
)

# The access-log atoms that can carry a URL: request line, path, query string, Referer.
_URL_ATOMS = ("r", "U", "q", "f")


class RedactingLogger(Logger):
    """gunicorn's logger with tokens and sign-in links cut out of every access line."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> _AtomsDict:
        values = cast(dict[str, Any], super().atoms(resp, req, environ, request_time))
        for name in _URL_ATOMS:
            if isinstance(values.get(name), str):
                values[name] = redact(values[name])
        return cast("_AtomsDict", values)


class HandlerClock:
    """WSGI middleware that knows how long the oldest running handler has been running."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._started: dict[int, float] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        key = threading.get_ident()
        with self._lock:
            self._started[key] = time.monotonic()
        try:
            return self.app(environ, start_response)
        finally:
            with self._lock:
                self._started.pop(key, None)

    def oldest_seconds(self) -> float:
        with self._lock:
            return time.monotonic() - min(self._started.values()) if self._started else 0.0


class LovetvServer(BaseApplication):
    """A gunicorn application whose workers each build their own app (no shared connections)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from publisher.app import create_app

        return HandlerClock(create_app())


def post_worker_init(worker: Any) -> None:
    """Start this worker's mail sender and jobs thread, and tie its heartbeat to its
    handlers' progress."""
    from publisher.accounts.sign_in import answer_pending
    from publisher.jobs.runner import start_jobs_thread
    from publisher.mail.sender import start_sender_thread
    from publisher.services import services_of

    clock: HandlerClock = worker.wsgi
    services = services_of(clock.app)
    worker.lovetv_mail_stop = start_sender_thread(
        services, prepare=partial(answer_pending, services.db, services.config)
    )
    worker.lovetv_jobs_stop = start_jobs_thread(services)
    beat = worker.notify

    def notify_unless_stuck() -> None:
        if clock.oldest_seconds() <= worker.cfg.timeout:
            beat()
        # else: stay silent; the arbiter kills this worker after `timeout` and starts another

    worker.notify = notify_unless_stuck


def worker_exit(server: Any, worker: Any) -> None:
    """Let the sender finish its message rather than die mid-batch (its lease covers it),
    and start no new job (a job running now finishes; its lease covers a cut-off one)."""
    for name in ("lovetv_mail_stop", "lovetv_jobs_stop"):
        stop = getattr(worker, name, None)
        if stop is not None:
            stop.set()


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's gauges stop counting; its counters stay in the sums."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def server_options(host: str, port: int, workers: int) -> dict[str, Any]:
    """gunicorn's settings for `lovetv serve`."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": RedactingLogger,
        "timeout": WORKER_TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": 5,
        "control_socket_disable": True,
        "post_worker_init": post_worker_init,
        "worker_exit": worker_exit,
        "child_exit": child_exit,
    }


def run_gunicorn(host: str, port: int, workers: int) -> None:
    """Block serving until interrupted."""
    LovetvServer(server_options(host, port, workers)).run()
