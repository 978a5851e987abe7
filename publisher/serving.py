"""gunicorn as a library: `lovetv serve` runs the app factory in each worker.

Each worker also runs one mail sender thread (`post_worker_init`), so queued email goes
out without a separate process; workers and machines share the outbox through its claims.
The app factory itself never starts a sender, so tests and `flask` tooling stay quiet.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from publisher.web.redaction import redact

# The access-log atoms that can carry a URL: request line, path, query string, Referer.
_URL_ATOMS = ("r", "U", "q", "f")


class RedactingLogger(Logger):
    """gunicorn's logger with tokens and sign-in links cut out of every access line."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        values = super().atoms(resp, req, environ, request_time)
        for name in _URL_ATOMS:
            if isinstance(values.get(name), str):
                values[name] = redact(values[name])
        return values


class LovetvServer(BaseApplication):
    """A gunicorn application whose workers each build their own app (no shared connections)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # type: ignore[no-untyped-def]
        from publisher.app import create_app

        return create_app()


def post_worker_init(worker: Any) -> None:
    """Start this worker's mail sender over the worker's own services."""
    from publisher.app import services_of
    from publisher.mail.sender import start_sender_thread

    worker.lovetv_mail_stop = start_sender_thread(services_of(worker.wsgi))


def worker_exit(server: Any, worker: Any) -> None:
    """Let the sender finish its message rather than die mid-batch (its lease covers it)."""
    stop = getattr(worker, "lovetv_mail_stop", None)
    if stop is not None:
        stop.set()


def run_gunicorn(host: str, port: int, workers: int) -> None:
    """Block serving until interrupted."""
    LovetvServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "accesslog": "-",
            "logger_class": RedactingLogger,
            "timeout": 60,
            "keepalive": 5,
            "post_worker_init": post_worker_init,
            "worker_exit": worker_exit,
        }
    ).run()
