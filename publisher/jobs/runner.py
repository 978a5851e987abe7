"""Running due jobs once across every worker and machine.

Every `lovetv serve` worker runs a jobs thread that wakes every `POLL_SECONDS`, and for each
enabled job whose `next_run` has come, tries to claim it with one conditional UPDATE (the
lease). Only the worker whose UPDATE changed the row runs the job, so three machines on one
database run each job once per period. A worker that dies mid-job leaves a lease that
expires after `LEASE`, and the job runs again then. The outcome is one log line and the row's
`result`, which `lovetv jobs list` shows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from publisher.errors import UserError
from publisher.jobs.catalog import BY_NAME, Job
from publisher.jobs.schedule import DEFAULT_PERIODS
from publisher.metrics.instruments import JOB_RUNS
from publisher.models import JobState, utcnow
from publisher.services import Services

log = logging.getLogger("publisher.jobs")
POLL_SECONDS = 30.0
LEASE = timedelta(minutes=30)  # longer than any job takes; a dead worker's claim expires
RETRY_AFTER_FAILURE = timedelta(minutes=10)


@dataclass(frozen=True)
class Scheduled:
    """A job as `lovetv jobs list` shows it."""

    name: str
    period: timedelta | None  # None: turned off by LOVETV_JOBS
    last_run: datetime | None
    result: str | None
    next_run: datetime | None


def enabled(services: Services) -> dict[str, timedelta]:
    """The jobs this configuration runs, with their periods."""
    return {name: p for name, p in services.config.jobs.items() if p is not None}


def run_due(services: Services, now: datetime | None = None) -> list[tuple[str, str]]:
    """Run every enabled job that is due and that this worker claims; (name, result) each."""
    now = now or utcnow()
    ran = []
    for name, period in enabled(services).items():
        lease = _claim(services, name, now)
        if lease is not None:
            ran.append((name, _run(services, BY_NAME[name], period, now, lease)))
    return ran


def run_now(services: Services, name: str) -> str:
    """Run one job at once (`lovetv jobs run NAME`), recording it as a scheduled run would:
    under the same lease, so it never runs beside a `serve` worker's run of it."""
    job = BY_NAME[name]
    now = utcnow()
    lease = _claim(services, name, now, due_only=False)
    if lease is None:
        with services.db.session() as session:
            held = session.get_one(JobState, name).lease_until
        until = held.strftime("%Y-%m-%d %H:%M UTC") if held else "soon"
        raise UserError(
            f"{name} is running in a lovetv serve worker now (its lease ends {until}): "
            "run it again when lovetv jobs list shows its result"
        )
    period = services.config.jobs.get(name) or DEFAULT_PERIODS[name]
    return _run(services, job, period, now, lease)


def schedule(services: Services) -> list[Scheduled]:
    """Every job, enabled or not, with its last run and result and when it runs next."""
    with services.db.session() as session:
        rows = {row.name: row for row in session.scalars(select(JobState))}
    listed = []
    for name, period in services.config.jobs.items():
        row = rows.get(name)
        listed.append(
            Scheduled(
                name=name,
                period=period,
                last_run=row.last_run if row else None,
                result=row.result if row else None,
                next_run=(row.next_run if row else None) if period is not None else None,
            )
        )
    return listed


def _claim(services: Services, name: str, now: datetime, due_only: bool = True) -> datetime | None:
    """Take the job's lease if nobody holds it (and, for the scheduler, it is due): exactly
    one worker wins. The lease's end is returned: only its holder may release it."""
    _ensure_row(services, name, now)
    lease = now + LEASE
    free = or_(JobState.lease_until.is_(None), JobState.lease_until < now)
    due = JobState.next_run <= now if due_only else true()
    with services.db.session() as session:
        changed = cast(
            CursorResult[Any],
            session.execute(
                update(JobState)
                .where(JobState.name == name, due, free)
                .values(lease_until=lease)
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
    return lease if changed == 1 else None


def _ensure_row(services: Services, name: str, now: datetime) -> None:
    """A job never seen before is due now (the first worker to start runs it)."""
    with services.db.session() as session:
        if session.get(JobState, name) is not None:
            return
    try:
        with services.db.session() as session:
            session.add(JobState(name=name, next_run=now))
    except IntegrityError:
        pass  # another worker added it first


def _run(
    services: Services, job: Job, period: timedelta, started: datetime, lease: datetime
) -> str:
    try:
        result = job.run(services)
        next_run = started + period
    except Exception as exc:  # a job's failure is its result; the thread carries on
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        result = f"failed: {type(exc).__name__}: {first}"
        next_run = started + min(period, RETRY_AFTER_FAILURE)
    result = result[:300]
    kind = result.split(":", 1)[0] if result.startswith(("failed:", "skipped:")) else "ok"
    JOB_RUNS.labels(job.name, kind).inc()
    with services.db.session() as session:
        session.execute(
            update(JobState)
            # Only the lease this run took is released: a run that outlived its lease must
            # not free the one another worker has taken since.
            .where(JobState.name == job.name, JobState.lease_until == lease)
            .values(last_run=utcnow(), result=result, next_run=next_run, lease_until=None)
        )
    log.info("job %s: %s", job.name, result)
    return result


def poll_seconds(services: Services) -> float:
    """How often a worker looks for due jobs: every 30 s, or often enough for the shortest
    period (a shortened one, in a test) to be met."""
    periods = [p.total_seconds() for p in enabled(services).values()]
    return max(0.5, min([POLL_SECONDS, *(p / 4 for p in periods)]))


def start_jobs_thread(
    services: Services, poll: float | None = None, clock: Callable[[], datetime] = utcnow
) -> threading.Event:
    """Run due jobs on a daemon thread until the returned event is set."""
    stop = threading.Event()
    poll = poll if poll is not None else poll_seconds(services)
    if not log.handlers and not logging.getLogger().handlers:  # under gunicorn: stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s [jobs] %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)

    def loop() -> None:
        while not stop.wait(poll):
            try:
                run_due(services, clock())
            except Exception as exc:  # the database is down, say: try again next round
                log.error("jobs: %s", exc)

    threading.Thread(target=loop, name="lovetv-jobs", daemon=True).start()
    return stop
