"""gunicorn as a library: `lovetv serve` runs the app factory in each worker."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


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


def run_gunicorn(host: str, port: int, workers: int) -> None:
    """Block serving until interrupted."""
    LovetvServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "accesslog": "-",
            "timeout": 60,
            "keepalive": 5,
        }
    ).run()
