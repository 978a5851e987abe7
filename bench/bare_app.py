"""The ceiling for the feed benchmark: a bare Flask app returning a member feed's bytes.

`python -m bench.bare_app PORT BODY_FILE ETAG` serves `/feeds/<token>/<slug>.xml` with the
given bytes and ETag for any token, and a 304 when `If-None-Match` matches, under the very
gunicorn settings `lovetv serve` uses (`publisher.serving.server_options`, minus the mail
sender hooks): no database, no token check, no app middleware. The member route measured
against it does all of those, so the ratio says what the service's own work costs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from gunicorn.app.base import BaseApplication

RSS = "application/rss+xml; charset=utf-8"


def make_app(body: bytes, etag: str) -> Flask:
    """The same bytes and validators as the member feed, and nothing else."""
    app = Flask("bare")
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}

    @app.get("/feeds/<token>/<slug>.xml")
    def feed(token: str, slug: str) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=headers)
        return Response(body, headers=headers, content_type=RSS)

    return app


class BareServer(BaseApplication):
    """gunicorn with `lovetv serve`'s options around the bare app."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:  # type: ignore[override]  # gunicorn's stubs: environ is a MutableMapping, Flask's a dict
        return self.application


def main(argv: list[str]) -> None:
    from publisher.serving import server_options

    port, body_file, etag = int(argv[0]), Path(argv[1]), argv[2]
    options = server_options("127.0.0.1", port, workers=2)
    for hook in ("post_worker_init", "worker_exit"):  # the mail sender is the service's
        options.pop(hook, None)
    BareServer(make_app(body_file.read_bytes(), etag), options).run()


if __name__ == "__main__":
    main(sys.argv[1:])
