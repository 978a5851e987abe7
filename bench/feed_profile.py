"""Where a member 304's time goes on PostgreSQL, before and after the kept rows.

`python -m bench.feed_profile` builds a bench catalogue (20 seasons x 100 episodes, 1,000
members) in a PostgreSQL database of its own, then answers 304s to every member in turn
with `MemberFeeds.answer` (the code behind the WSGI fast path, in process, no HTTP), once
with the worker's kept rows off (every request asks the database, as before issue 30) and
once on, under cProfile. It prints microseconds per request, round trips to the database
per request (calls of the hot statement) and the top of each profile.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from bench.feeds import _database, _environment
from bench.feeds_data import add_members, prepare_catalog

REQUESTS = 20_000


def _requests(feeds, tokens: list[str]) -> list[tuple[Request, str]]:
    asked = []
    for token in tokens:
        path = f"/feeds/{token}/season-01.xml"
        etag = dict(
            feeds.answer(
                Request(EnvironBuilder(path=path).get_environ()), token, "season-01"
            ).headers
        )["ETag"]
        environ = EnvironBuilder(path=path, headers=[("If-None-Match", etag)]).get_environ()
        asked.append((Request(environ), token))
    return asked


def _run(feeds, asked: list[tuple[Request, str]], count: int = REQUESTS) -> tuple[float, float]:
    """Wall-clock and this thread's CPU microseconds per request (CPU time is what a loaded,
    shared machine disturbs least; wall time includes waiting for the database)."""
    started, cpu = time.perf_counter(), time.thread_time()
    for n in range(count):
        request, token = asked[n % len(asked)]
        assert feeds.answer(request, token, "season-01").status == 304
    return (
        (time.perf_counter() - started) / count * 1e6,
        (time.thread_time() - cpu) / count * 1e6,
    )


def main() -> int:
    from publisher.app import create_app
    from publisher.web.feeds import member_feeds

    with (
        tempfile.TemporaryDirectory(prefix="lovetv-bench-") as tmp,
        _database("postgresql", Path(tmp), "profile") as url,
    ):
        env = _environment(Path(tmp), url)
        prepare_catalog(env, seasons=20, episodes=100)
        tokens = add_members(env, 1_000)
        app = create_app(test_config=env)
        feeds = member_feeds(app)
        rows = feeds.requests.rows
        asked = _requests(feeds, tokens)
        for label, enabled in (("before (kept rows off)", False), ("after (kept rows on)", True)):
            rows.enabled = enabled
            rows.changed()
            _run(feeds, asked, 50)  # the listener connects and confirms; warm
            time.sleep(0.3)
            wall_us, cpu_us = _run(feeds, asked)
            profile = cProfile.Profile()
            profile.enable()
            profiled_us, _ = _run(feeds, asked)
            profile.disable()
            stats = pstats.Stats(profile)
            trips = sum(
                v[1]
                for k, v in stats.stats.items()  # type: ignore[attr-defined]  # pstats' own table
                if k[2] == "first" and "hot_query" in k[0]
            )
            print(
                f"== {label}: {wall_us:.0f} µs per 304 ({cpu_us:.0f} µs CPU; "
                f"{profiled_us:.0f} µs under cProfile), "
                f"{trips / REQUESTS:.3f} round trips per request"
            )
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(12)
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-2400:])
        app.extensions["lovetv"].db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
