"""In-process figures for issue 29: personal items and the all-seasons feed.

On SQLite (and PostgreSQL at 127.0.0.1:5432 when it answers), with 20 seasons x 100
episodes and 1,000 members, it times `MemberFeeds.answer` (the code behind the WSGI fast
path, without HTTP or a server) for a member's season feed and its 304, without personal
items and then with a welcome item every member sees, and `all.xml` against one season's
feed (200, 304, and the render once per change). One process, one thread: a per-request
cost comparison on this machine, not the throughput figures of `make bench`.

    .venv/bin/python -m bench.personal_feeds
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import update
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from bench.feeds_data import add_members, prepare_catalog
from publisher.models import Member, utcnow

ROUNDS, CALLS = 5, 300


def per_call_us(call: Callable[[], object]) -> float:
    """Median over rounds of the mean microseconds per call."""
    for _ in range(20):
        call()
    rounds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(CALLS):
            call()
        rounds.append((time.perf_counter() - started) / CALLS * 1e6)
    return statistics.median(rounds)


def _request(path: str, **headers: str) -> Request:
    return Request(EnvironBuilder(path=path, headers=headers).get_environ())


def measure(database_url: str, tmp: Path) -> dict[str, float]:
    env = dict(os.environ)
    env.update(
        LOVETV_DATABASE_URL=database_url,
        LOVETV_STORAGE_URL=f"file://{tmp / 'media'}",
        LOVETV_BASE_URL="http://127.0.0.1:5147",
        LOVETV_SECRET_KEY="bench-secret-0123456789abcdefghijklmnop",
    )
    prepare_catalog(env, seasons=20, episodes=100)
    token = add_members(env, 1_000)[0]
    os.environ.update(env)
    from publisher.app import create_app
    from publisher.catalog.personal_publishing import set_personal
    from publisher.web.feeds import member_feeds

    app = create_app()
    feeds = member_feeds(app)
    figures: dict[str, float] = {}

    def answer(slug: str, etag: str | None = None) -> Callable[[], object]:
        headers = {"Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        request = _request(f"/feeds/{token}/{slug}.xml", **headers)
        return lambda: feeds.answer(request, token, slug)

    def feed_and_304(label: str, slug: str) -> None:
        reply = answer(slug)()
        assert reply.status == 200, reply.status
        etag = dict(reply.headers)["ETag"]
        assert answer(slug, etag)().status == 304
        figures[f"{label} 200"] = per_call_us(answer(slug))
        figures[f"{label} 304"] = per_call_us(answer(slug, etag))
        figures[f"{label} bytes"] = len(reply.body)

    feed_and_304("season", "season-01")
    feed_and_304("all", "all")
    services = app.extensions["lovetv"]
    for slug in ("season-01", "all"):
        key = "season:1" if slug == "season-01" else "all-seasons"
        started = time.perf_counter()
        feeds.cache._render_and_store(key, _renderer(feeds.cache, slug), utcnow())
        figures[f"{'season' if slug != 'all' else 'all'} render ms"] = (
            time.perf_counter() - started
        ) * 1e3
    audio = Path(__file__).resolve().parent.parent / "publisher" / "static" / "notice.mp3"
    set_personal(services, "welcome", audio, "Welcome", 30)
    with services.db.session() as session:  # every member joined today: all see it
        session.execute(update(Member).values(created_at=utcnow()))
    feed_and_304("season+welcome", "season-01")
    app.extensions["lovetv"].db.dispose()
    return figures


def _renderer(cache, slug: str):  # type: ignore[no-untyped-def]
    from publisher.listening.all_seasons import render_all_seasons
    from publisher.listening.rendering import render_season

    if slug == "all":
        return lambda session, notice: render_all_seasons(session, cache.urls, utcnow(), notice)
    return lambda session, notice: render_season(session, 1, cache.urls, utcnow(), notice)


def main() -> int:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-") as tmp:
        if kind == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        else:
            url = os.environ["BENCH_PG_URL"]
        figures = measure(url, Path(tmp))
    for name, value in figures.items():
        print(f"{kind:<11}{name:<24}{value:>12.1f}")
    for label in ("200", "304"):
        ratio = figures[f"season+welcome {label}"] / figures[f"season {label}"]
        print(f"{kind:<11}{'welcome/plain ' + label:<24}{ratio:>12.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
