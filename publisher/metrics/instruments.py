"""Every metric the service exports, in one place, named as Prometheus' conventions ask.

Under `lovetv serve` each gunicorn worker writes its values to files in
`PROMETHEUS_MULTIPROC_DIR` (set by `lovetv serve` before any worker starts), and a scrape
adds them up, so a counter is the whole server's, whichever worker answered. Elsewhere
(tests, the CLI) they live in the process.
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import Counter, Histogram
from sqlalchemy import Engine, event

FEED_REQUESTS = Counter(
    "lovetv_feed_requests_total",
    "Member feed requests by outcome: 200, 304, notice (a lost-access feed) or 404.",
    ["outcome"],
)
MEDIA_REQUESTS = Counter(
    "lovetv_media_requests_total",
    "Audio and other media requests by HTTP status (302: a presigned S3 redirect).",
    ["status"],
)
SIGN_IN_REQUESTS = Counter(
    "lovetv_sign_in_requests_total",
    "Sign-in link requests: accepted, limited (429) or invalid (not an address).",
    ["outcome"],
)
WEBHOOK_EVENTS = Counter(
    "lovetv_webhook_events_total",
    "Stripe webhook events by type and outcome (applied, duplicate, ignored, refused, failed).",
    ["type", "outcome"],
)
JOB_RUNS = Counter(
    "lovetv_job_runs_total",
    "Scheduled job runs by job and result (ok, skipped, failed).",
    ["job", "result"],
)
REQUEST_SECONDS = Histogram(
    "lovetv_request_duration_seconds",
    "Time to answer a request, by route family.",
    ["family"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
DATABASE_SECONDS = Histogram(
    "lovetv_database_statement_seconds",
    "Time the database took to answer one statement.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)

# The first path segment names a request's family; anything else is a page.
FAMILIES = {
    "feeds": "feeds",
    "media": "media",
    "account": "account",
    "join": "billing",
    "welcome": "billing",
    "gift": "billing",
    "webhooks": "webhooks",
    "static": "static",
    "healthz": "health",
    "readyz": "health",
    "metrics": "metrics",
}


# Labelled children made once: `labels()` on every request cost more than the increment.
FEED_OUTCOMES = {o: FEED_REQUESTS.labels(o) for o in ("200", "304", "notice", "404")}
REQUEST_TIMERS = {f: REQUEST_SECONDS.labels(f) for f in (*set(FAMILIES.values()), "pages")}


def family_of(path: str) -> str:
    first = path.lstrip("/").split("/", 1)[0]
    return FAMILIES.get(first, "pages")


def watch_engine(engine: Engine) -> None:
    """Time every statement the engine runs (listening once per engine)."""
    if not event.contains(engine, "before_cursor_execute", _statement_starts):
        event.listen(engine, "before_cursor_execute", _statement_starts)
        event.listen(engine, "after_cursor_execute", _statement_ends)


def _statement_starts(conn: Any, *_args: Any) -> None:
    conn.info["lovetv_started"] = time.perf_counter()  # one statement at a time per connection


def _statement_ends(conn: Any, *_args: Any) -> None:
    started = conn.info.pop("lovetv_started", None)
    if started is not None:
        DATABASE_SECONDS.observe(time.perf_counter() - started)
