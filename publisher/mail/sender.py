"""Delivering the outbox: claim due messages, send them, mark them; retry failures later.

Messages are never dropped: a failure is recorded on the message (attempts, a one-line
`last_error`, the next attempt after a backoff of 30 s doubling up to an hour) and the
message stays pending. A failure to reach the server ends the batch early, releasing the
rest untouched. Sent messages keep who, what and when, but their bodies are emptied:
they carried sign-in links and feed URLs, which must not stay in the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from publisher.config import Config
from publisher.db import Database
from publisher.mail.claim import claim_due, release
from publisher.mail.compose import compose
from publisher.mail.transports import Transport, TransportUnavailable, open_transport
from publisher.mail.wake import wait_for_nudge
from publisher.models import OutboxMessage, utcnow
from publisher.services import Services

log = logging.getLogger("publisher.mail")
_running = 0  # senders running in this process

BATCH = 100
MARK_EVERY = 25  # sent messages per commit: few commits, little resent after a crash
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class SendReport:
    """What one call of `send_pending` did."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    stopped_early: bool = False
    error: str = ""

    def line(self) -> str:
        """One line for the operator."""
        text = f"mail: {self.sent} sent, {self.failed} failed of {self.claimed} due"
        if self.stopped_early:
            text += f"; stopped early, mail server unavailable ({self.error})"
        return text


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, … capped at one hour."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def send_pending(
    db: Database,
    config: Config,
    transport: Transport,
    *,
    now: datetime | None = None,
    batch: int = BATCH,
) -> SendReport:
    """Deliver up to `batch` due messages through `transport`."""
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    ids = claim_due(db, clock(), batch)
    report = SendReport(claimed=len(ids))
    if not ids:
        return report
    with db.session() as session:
        rows = list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
            )
        )
    sent: list[int] = []
    for index, row in enumerate(rows):
        try:
            transport.send(compose(row, config.mail_from))
        except TransportUnavailable as exc:
            report.stopped_early, report.error = True, one_line_error(exc)
            _record_failure(db, row, report.error, clock())
            report.failed += 1
            with db.session() as session:
                release(session, [r.id for r in rows[index + 1 :]])
            break
        except Exception as exc:
            _record_failure(db, row, one_line_error(exc), clock())
            report.failed += 1
            continue
        sent.append(row.id)
        if len(sent) >= MARK_EVERY:
            report.sent += _mark_sent(db, sent, clock())
            sent = []
    report.sent += _mark_sent(db, sent, clock())
    return report


def _mark_sent(db: Database, ids: list[int], when: datetime) -> int:
    if not ids:
        return 0
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(status="sent", sent_at=when, lease_until=None, body_text="", body_html="")
        )
    return len(ids)


def _record_failure(db: Database, row: OutboxMessage, error: str, now: datetime) -> None:
    attempts = row.attempts + 1
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(
                attempts=attempts,
                next_attempt_at=now + backoff(attempts),
                last_error=error,
                lease_until=None,
            )
        )
    log.warning("mail to %s not sent (attempt %d): %s", row.to_address, attempts, error)


def one_line_error(exc: BaseException) -> str:
    """The first line of an error, short enough for a column and a log line."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def run_sender(
    services: Services,
    stop: threading.Event,
    interval: float = 2.0,
    *,
    on_report: Callable[[SendReport], None] | None = None,
    prepare: Callable[[], object] | None = None,
) -> None:
    """Send until `stop` is set: a batch whenever nudged, or every `interval` seconds.

    `prepare` runs before each batch: work that decides what to queue (sign-in requests are
    answered there, outside the request that asked)."""
    global _running
    _running += 1
    transport = open_transport(services.config)
    try:
        while not stop.is_set():
            _prepare(prepare)
            report = _one_batch(services, transport)
            if report is not None and (report.claimed or report.stopped_early) and on_report:
                on_report(report)
            full = report is not None and report.claimed >= BATCH and not report.stopped_early
            if not full:
                wait_for_nudge(interval)
    finally:
        transport.close()
        _running -= 1


def running_here() -> bool:
    """Whether a sender runs in this process (else a view must do its own follow-up work)."""
    return _running > 0


def _prepare(prepare: Callable[[], object] | None) -> None:
    if prepare is None:
        return
    try:
        prepare()
    except Exception as exc:  # the database is down, say: the next round tries again
        log.error("mail sender: %s", one_line_error(exc))


def _one_batch(services: Services, transport: Transport) -> SendReport | None:
    try:
        return send_pending(services.db, services.config, transport)
    except Exception as exc:  # the database is down, say: keep the thread alive, try again
        log.error("mail sender: %s", one_line_error(exc))
        return None


def show_mail_log() -> None:
    """Make the mail log visible when nothing configured logging (gunicorn, the CLI).

    Without it Python drops INFO lines, and `make run` users would never see where their
    sign-in email was written.
    """
    if not log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s [mail] %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def start_sender_thread(
    services: Services, interval: float = 2.0, prepare: Callable[[], object] | None = None
) -> threading.Event:
    """Run `run_sender` on a daemon thread; set the returned event to stop it."""
    show_mail_log()
    stop = threading.Event()
    thread = threading.Thread(
        target=run_sender,
        args=(services, stop, interval),
        kwargs={"prepare": prepare},
        name="lovetv-mail",
        daemon=True,
    )
    thread.start()
    return stop
