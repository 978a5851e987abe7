"""The service as `make bench` serves it: `create_app` with the bench's switches, under
the very gunicorn settings of `lovetv serve`.

`python -m bench.app PORT [--routes] [--no-metrics] [--no-recording]` replaces the
`LOVETV_BENCH_*` environment variables the product once read: the comparisons' switches
are `create_app` arguments, and the bench's own routes (`bench.routes`) are registered
here, so nothing in `publisher/` knows the bench exists. It reads the same environment
as `lovetv serve` (`LOVETV_DATABASE_URL`, ...), and like it empties a metrics folder for
the workers (under the working directory's `instance/`, or `LOVETV_HOME`'s).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from flask import Flask

from publisher.serving import HandlerClock, LovetvServer, server_options


def create_bench_app(*, routes: bool, timed: bool, record_downloads: bool) -> Flask:
    """The service's app, with the bench's comparison routes when `routes` is set."""
    from publisher.app import create_app

    app = create_app(timed=timed, record_downloads=record_downloads)
    if routes:
        from bench import routes as bench_routes

        bench_routes.init_app(app)
    return app


class BenchServer(LovetvServer):
    """`lovetv serve`'s gunicorn application, building the bench's app in each worker."""

    def __init__(self, options: dict[str, Any], switches: dict[str, bool]) -> None:
        self.switches = switches
        super().__init__(options)

    def load(self):
        return HandlerClock(create_bench_app(**self.switches))


def main(argv: list[str]) -> None:
    from publisher.cli.server import _metrics_folder
    from publisher.services import Services

    parser = argparse.ArgumentParser(prog="python -m bench.app")
    parser.add_argument("port", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--routes", action="store_true", help="the bench's comparison routes")
    parser.add_argument("--no-metrics", action="store_true", help="no request/statement timing")
    parser.add_argument("--no-recording", action="store_true", help="no download recording")
    args = parser.parse_args(argv)
    from publisher.config import load_config

    config = load_config()
    services = Services.from_config(config)
    services.require_ready()
    services.db.dispose()
    _metrics_folder(config.instance_path)
    switches = {
        "routes": args.routes,
        "timed": not args.no_metrics,
        "record_downloads": not args.no_recording,
    }
    BenchServer(server_options("127.0.0.1", args.port, args.workers), switches).run()


if __name__ == "__main__":
    main(sys.argv[1:])
