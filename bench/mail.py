"""Announcing a new season to 10,000 members: our outbox sender against bare smtplib.

Target (issue 8: "10,000 members' announcements go out through one SMTP connection pool"):
`send_pending` through `SmtpTransport` delivers 10,000 queued `season_out` emails at
least half as fast as bare `smtplib` sending the same 10,000 prepared messages on one
connection (ratio = bare time / our time >= 0.5). Both send to the same aiosmtpd sink in
its own process, in the same run; our side includes claiming, composing and marking on a
SQLite outbox. Bare runs before and after ours and the faster run counts.
Queueing time is printed too.
"""

from __future__ import annotations

import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from publisher.config import load_config
from publisher.db import Database
from publisher.mail.compose import compose
from publisher.mail.outbox import queue_many
from publisher.mail.sender import send_pending
from publisher.mail.transports import SmtpTransport
from publisher.models import OutboxMessage

MEMBERS = 10_000
TARGET = 0.5
BASE = "http://podcasts.lovetv.test"
SINK = ("-c", "aiosmtpd.handlers.Sink")


def main() -> int:
    """Queue, then time both senders; 0 when the ratio meets the target."""
    with tempfile.TemporaryDirectory(prefix="lovetv-bench-") as folder, _sink() as port:
        config = load_config(
            environ={
                "LOVETV_DATABASE_URL": f"sqlite:///{folder}/mail.db",
                "LOVETV_STORAGE_URL": f"file://{folder}/media",
                "LOVETV_BASE_URL": BASE,
                "LOVETV_SMTP_URL": f"smtp://127.0.0.1:{port}",
                "LOVETV_ENV": "development",
            },
            instance_path=Path(folder) / "instance",
        )
        db = Database(config.database_url)
        db.upgrade()
        queue_s = _queue(db, config)
        prepared = _prepared(db, config.mail_from)
        # Bare before and after ours, the faster one counting: load from anything else
        # on the machine then weighs against us, never for us.
        first_bare_s = _bare(port, prepared)
        ours_s = _ours(db, config)
        bare_s = min(first_bare_s, _bare(port, prepared))
        db.dispose()
    ratio = bare_s / ours_s
    met = ratio >= TARGET
    print(f"mail queue 10,000 announcements (queue_many): {queue_s:.2f}s")
    print(
        f"mail 10,000 announcements: {ours_s:.2f}s vs bare smtplib {bare_s:.2f}s, "
        f"ratio {ratio:.2f} (goal >= {TARGET}x: {'met' if met else 'MISSED'})"
    )
    return 0 if met else 1


@contextmanager
def _sink() -> Iterator[int]:
    """aiosmtpd's Sink handler (accepts and discards) in its own process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", *SINK],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"bench mail: the SMTP sink did not start on port {port}")


def _queue(db: Database, config) -> float:
    messages = (
        (
            f"member{n}@members.lovetv.test",
            {
                "show_title": "Love TV",
                "season_title": "Season Three",
                "feed_url": f"{BASE}/feeds/token{n:06d}/season-3.xml",
                "account_url": f"{BASE}/account",
            },
            None,
            f"season_out:3:{n}",
        )
        for n in range(MEMBERS)
    )
    started = time.perf_counter()
    with db.session() as session:
        queue_many(session, config, "season_out", messages)
    return time.perf_counter() - started


def _prepared(db: Database, mail_from: str) -> list:
    with db.session() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    return [compose(row, mail_from) for row in rows]


def _bare(port: int, messages: list) -> float:
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.ehlo()
        for message in messages:
            smtp.send_message(message)
    return time.perf_counter() - started


def _ours(db: Database, config) -> float:
    transport = SmtpTransport(config.smtp_url)
    sent = 0
    started = time.perf_counter()
    try:
        while True:
            report = send_pending(db, config, transport)
            sent += report.sent
            if not report.claimed:
                break
    finally:
        transport.close()
    elapsed = time.perf_counter() - started
    if sent != MEMBERS:
        raise SystemExit(f"bench mail: sent {sent} of {MEMBERS}")
    return elapsed


if __name__ == "__main__":
    sys.exit(main())
