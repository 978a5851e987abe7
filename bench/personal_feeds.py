"""In-process figures for issue 29: personal items and the all-seasons feed.

Two catalogues of 20 seasons x 100 episodes and 1,000 members who joined today, one
without personal episodes and one with a welcome every member sees, on SQLite (or on
PostgreSQL: `BENCH_PG_URL=postgresql+psycopg://…/name`, with `name_plain` and
`name_welcome` created beforehand). It times `MemberFeeds.answer` (the code behind the WSGI
fast path, without HTTP or a server) for a season feed (gzip 200) and its 304 on each, and
`all.xml` likewise, in alternating rounds, and the render of all.xml against a season's.
One process, one thread: a per-request cost comparison on this machine, not the
throughput figures of `make bench`.

    .venv/bin/python -m bench.personal_feeds [sqlite|postgresql]
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
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from bench.feeds_data import add_members, prepare_catalog
from publisher.listening.feed_http import FeedReply
from publisher.models import Member, utcnow

ROUNDS, CALLS = 9, 200


def per_call_us(call: Callable[[], object], rounds: int = ROUNDS) -> float:
    """Median over rounds of the mean microseconds per call."""
    for _ in range(20):
        call()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(CALLS):
            call()
        times.append((time.perf_counter() - started) / CALLS * 1e6)
    return statistics.median(times)


def _request(path: str, **headers: str) -> Request:
    return Request(EnvironBuilder(path=path, headers=Headers(headers)).get_environ())


def _app(database_url: str, tmp: Path, welcome: bool):
    """A served catalogue of 20 x 100 episodes and 1,000 members who joined today."""
    env = dict(os.environ)
    env.update(
        LOVETV_DATABASE_URL=database_url,
        LOVETV_STORAGE_URL=f"file://{tmp / 'media'}",
        LOVETV_BASE_URL="http://127.0.0.1:5147",
        LOVETV_SECRET_KEY="bench-secret-0123456789abcdefghijklmnop",
    )
    prepare_catalog(env, seasons=20, episodes=100)
    token = add_members(env, 1_000)[0]
    from publisher.app import create_app
    from publisher.catalog.personal_publishing import set_personal

    app = create_app(test_config=env)
    services = app.extensions["lovetv"]
    with services.db.session() as session:  # every member joined today: all see a welcome
        session.execute(update(Member).values(created_at=utcnow()))
    if welcome:
        audio = Path(__file__).resolve().parent.parent / "publisher" / "static" / "notice.mp3"
        set_personal(services, "welcome", audio, "Welcome", 30)
    return app, token


def _calls(app, token: str, slug: str) -> dict[str, Callable[[], object]]:
    """The 200 (gzip) and 304 of one member feed, as calls of `MemberFeeds.answer`."""
    from publisher.web.feeds import member_feeds

    feeds = member_feeds(app)

    def answer(etag: str | None = None) -> Callable[[], FeedReply]:
        headers = {"Accept-Encoding": "gzip", **({"If-None-Match": etag} if etag else {})}
        request = _request(f"/feeds/{token}/{slug}.xml", **headers)
        return lambda: feeds.answer(request, token, slug)

    reply = answer()()
    assert reply.status == 200, reply.status
    etag = dict(reply.headers)["ETag"]
    assert answer(etag)().status == 304
    return {"200": answer(), "304": answer(etag)}


def measure(kind: str, tmp: Path) -> dict[str, float]:
    """Both catalogues side by side, measured in alternating rounds (the machine is shared:
    alternating keeps a busy moment from landing on one side only)."""
    urls = {
        False: _url(kind, tmp, "plain"),
        True: _url(kind, tmp, "welcome"),
    }
    plain, token = _app(urls[False], tmp, welcome=False)
    welcome, welcome_token = _app(urls[True], tmp, welcome=True)
    cases = {
        "season": _calls(plain, token, "season-01"),
        "season+welcome": _calls(welcome, welcome_token, "season-01"),
        "all": _calls(plain, token, "all"),
        "all+welcome": _calls(welcome, welcome_token, "all"),
    }
    samples: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        for name, calls in cases.items():
            for status, call in calls.items():
                samples.setdefault(f"{name} {status}", []).append(per_call_us(call, rounds=1))
    figures = {name: statistics.median(values) for name, values in samples.items()}
    for name, slug in (("season render ms", "season-01"), ("all render ms", "all")):
        figures[name] = _render_ms(plain, slug)
    for app in (plain, welcome):
        app.extensions["lovetv"].db.dispose()
    return figures


def _url(kind: str, tmp: Path, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / name}.db"
    base = os.environ["BENCH_PG_URL"]  # a database URL whose name ends the URL
    return f"{base}_{name}"


def _render_ms(app, slug: str) -> float:
    from publisher.listening.all_seasons import render_all_seasons
    from publisher.listening.rendering import render_season

    urls = app.extensions["lovetv_feed_cache"].urls
    with app.extensions["lovetv"].db.session() as session:
        started = time.perf_counter()
        if slug == "all":
            render_all_seasons(session, urls, utcnow())
        else:
            render_season(session, 1, urls, utcnow())
        return (time.perf_counter() - started) * 1e3


def main() -> int:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-") as tmp:
        figures = measure(kind, Path(tmp))
    for name, value in figures.items():
        print(f"{kind:<11}{name:<24}{value:>12.1f}")
    for name in ("season", "all"):
        for status in ("200", "304"):
            ratio = figures[f"{name}+welcome {status}"] / figures[f"{name} {status}"]
            print(f"{kind:<11}{name + ' welcome/plain ' + status:<24}{ratio:>12.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
