"""The periodic jobs and what each one does, as plain functions of the services.

Each returns one line saying what it did (it goes to the log and to `lovetv jobs list`).
They are the same code as their commands (`lovetv stripe sync`, `lovetv storage clean`),
so running one from the scheduler or by hand does the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete

from publisher.models import AccountSession, PendingSignIn, RateLimitHit, SignInLink, utcnow
from publisher.services import Services


@dataclass(frozen=True)
class Job:
    """A named piece of periodic work (its default period: `schedule.DEFAULT_PERIODS`)."""

    name: str
    summary: str
    run: Callable[[Services], str]


def stripe_sync(services: Services) -> str:
    """Correct members whose state drifted from Stripe's (missed or failed webhooks)."""
    from publisher.billing.gateway import billing_unavailable, make_gateway
    from publisher.billing.sync import sync_members

    problem = billing_unavailable(services.config)
    if problem:
        return f"skipped: {problem}"
    report = sync_members(services.db, make_gateway(services.config), services.config)
    return report.line()


def storage_clean(services: Services) -> str:
    """Debris of interrupted publishes older than a day (a running publish is never touched)."""
    from publisher.catalog.storage_clean import clean_storage

    report = clean_storage(services.storage, timedelta(days=1))
    return (
        f"aborted {len(report.aborted_uploads)} uploads, removed "
        f"{len(report.removed_temp_folders)} temporary folders and "
        f"{len(report.removed_partial_files)} half-written files"
    )


def privacy_scrub(services: Services) -> str:
    """Raw client addresses go after 25 hours and the day's salts after two days, whether
    or not anyone is listening (the recorder's own scrub runs only with traffic)."""
    from publisher.stats.ingest import scrub

    with services.db.session() as session:
        erased = scrub(session, utcnow())
    return f"erased {erased} raw client addresses"


def sign_in_cleanup(services: Services) -> str:
    """Expired sign-in links and sessions, old rate-limit hits and unanswered requests."""
    now = utcnow()
    with services.db.session() as session:
        links = cast(
            CursorResult[Any],
            session.execute(delete(SignInLink).where(SignInLink.expires_at <= now)),
        ).rowcount
        sessions = cast(
            CursorResult[Any],
            session.execute(delete(AccountSession).where(AccountSession.expires_at <= now)),
        ).rowcount
        session.execute(delete(RateLimitHit).where(RateLimitHit.at <= now - timedelta(days=1)))
        session.execute(
            delete(PendingSignIn).where(PendingSignIn.asked_at <= now - timedelta(hours=1))
        )
    return f"deleted {links or 0} expired sign-in links and {sessions or 0} expired sessions"


JOBS = (
    Job("stripe-sync", "reconcile members with Stripe", stripe_sync),
    Job("storage-clean", "remove debris of interrupted publishes", storage_clean),
    Job("privacy-scrub", "erase raw IPs after 25 h, salts after 2 days", privacy_scrub),
    Job("sign-in-cleanup", "delete expired sign-in links and sessions", sign_in_cleanup),
)
BY_NAME = {job.name: job for job in JOBS}
