"""Delivering the outbox over real SMTP: as queued, once, and never lost while SMTP is down."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.mail_contexts import BASE, context_of
from support.mail_env import mail_config
from support.smtp import SmtpTestServer, new_mail_domain, shared_smtp_server

from publisher.config import Config
from publisher.db import Database
from publisher.mail import sender as sender_module
from publisher.mail.outbox import queue_email
from publisher.mail.sender import backoff, one_line_error, send_pending
from publisher.mail.transports import SmtpTransport
from publisher.models import OutboxMessage, utcnow


@pytest.fixture
def smtp() -> SmtpTestServer:
    return shared_smtp_server()


@pytest.fixture
def domain() -> str:
    return new_mail_domain()


@pytest.fixture
def config(database_url: str, tmp_path: Path, smtp: SmtpTestServer) -> Config:
    return mail_config(database_url, tmp_path, smtp.url)


@pytest.fixture
def db(config: Config) -> Iterator[Database]:
    built = Database(config.database_url)
    yield built
    built.dispose()


@pytest.fixture
def transport(config: Config) -> Iterator[SmtpTransport]:
    built = SmtpTransport(config.smtp_url or "")
    yield built
    built.close()


def _queue(db: Database, config: Config, to: str, kind: str = "sign_in") -> int:
    with db.session() as session:
        message = queue_email(session, config, kind, to, context_of(kind))
        assert message is not None
        return message.id


def _rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_queued_email_arrives_as_queued_and_its_bodies_leave_the_database(
    db: Database, config: Config, transport: SmtpTransport, smtp: SmtpTestServer, domain: str
) -> None:
    _queue(db, config, f"ann@{domain}", "welcome")
    queued = _rows(db)[0]
    report = send_pending(db, config, transport)
    assert (report.claimed, report.sent, report.failed) == (1, 1, 0)
    [received] = smtp.wait_for(domain, 1)
    message = received.message
    assert received.rcpt_tos == (f"ann@{domain}",)
    assert message["Message-ID"] == queued.message_id
    assert message["From"] == "Love TV <hello@lovetv.test>"
    assert message["Subject"] == queued.subject and message["To"] == f"ann@{domain}"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"{BASE}/feeds/tok2en/season-1.xml" in text and f"{BASE}/account" in html
    [row] = _rows(db)
    assert row.status == "sent" and row.sent_at is not None and row.lease_until is None
    assert row.body_text == "" and row.body_html == "" and row.subject == queued.subject
    assert send_pending(db, config, transport).claimed == 0


def test_a_refused_recipient_is_retried_later_without_stopping_the_others(
    db: Database, config: Config, transport: SmtpTransport, smtp: SmtpTestServer, domain: str
) -> None:
    _queue(db, config, f"bounce@{domain}")
    _queue(db, config, f"ok@{domain}")
    now = utcnow()
    report = send_pending(db, config, transport, now=now)
    assert (report.sent, report.failed, report.stopped_early) == (1, 1, False)
    bounced, delivered = _rows(db)
    assert delivered.status == "sent"
    assert bounced.status == "pending" and bounced.attempts == 1
    assert bounced.next_attempt_at == now + timedelta(seconds=30)
    assert "550" in bounced.last_error and "\n" not in bounced.last_error
    assert bounced.body_text  # kept until it is delivered


def test_a_failed_send_is_logged_with_its_address_attempt_and_error(
    db: Database,
    config: Config,
    transport: SmtpTransport,
    domain: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _queue(db, config, f"bounce@{domain}")
    with caplog.at_level(logging.WARNING, logger="publisher.mail"):
        assert send_pending(db, config, transport).failed == 1
    [row] = _rows(db)
    assert "550" in row.last_error
    assert [r.getMessage() for r in caplog.records if r.name == "publisher.mail"] == [
        f"mail to bounce@{domain} not sent (attempt 1): {row.last_error}"
    ]


def test_an_error_is_stored_as_its_type_and_first_line() -> None:
    assert one_line_error(OSError("refused\nsecond line")) == "OSError: refused"
    assert one_line_error(ConnectionResetError()) == "ConnectionResetError: "
    assert one_line_error(TimeoutError("  \n ")) == "TimeoutError: "


def test_an_error_line_is_cut_to_three_hundred_characters() -> None:
    line = one_line_error(RuntimeError("x" * 400))
    assert line == "RuntimeError: " + "x" * (300 - len("RuntimeError: "))
    assert len(line) == 300


def test_backoff_doubles_from_thirty_seconds_to_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == timedelta(hours=1)


def test_smtp_outage_delays_mail_and_loses_none_then_delivers_each_once(
    database_url: str, tmp_path: Path, domain: str
) -> None:
    server = SmtpTestServer()  # its own server: this test takes it down
    config = mail_config(database_url, tmp_path, server.url)
    db = Database(config.database_url)
    transport = SmtpTransport(server.url, timeout=2)
    try:
        for name in ("a", "b", "c"):
            _queue(db, config, f"{name}@{domain}", "welcome")
        t0 = utcnow()
        down = send_pending(db, config, transport, now=t0)
        assert down.stopped_early and (down.sent, down.failed) == (0, 1)
        assert "cannot reach" in down.error
        first, *rest = _rows(db)
        assert first.attempts == 1 and first.next_attempt_at == t0 + timedelta(seconds=30)
        assert all(r.attempts == 0 and r.lease_until is None for r in rest)
        assert all(r.status == "pending" for r in _rows(db))
        again = send_pending(db, config, transport, now=t0 + timedelta(seconds=31))
        assert again.stopped_early
        assert _rows(db)[0].attempts == 2  # the same one went first: 30 s then 60 s
        assert _rows(db)[0].next_attempt_at == t0 + timedelta(seconds=91)
        server.start()
        assert send_pending(db, config, transport, now=t0 + timedelta(seconds=40)).sent == 2
        assert send_pending(db, config, transport, now=t0 + timedelta(seconds=95)).sent == 1
        assert send_pending(db, config, transport, now=t0 + timedelta(hours=2)).claimed == 0
        received = server.wait_for(domain, 3)
        assert sorted(r.rcpt_tos[0].split("@")[0] for r in received) == ["a", "b", "c"]
        assert all(r.status == "sent" for r in _rows(db))
    finally:
        transport.close()
        server.stop()
        db.dispose()


def test_a_server_that_hung_up_between_messages_is_reconnected_once(
    database_url: str, tmp_path: Path, domain: str
) -> None:
    server = SmtpTestServer().start()
    config = mail_config(database_url, tmp_path, server.url)
    db = Database(config.database_url)
    transport = SmtpTransport(server.url, timeout=2)
    try:
        _queue(db, config, f"one@{domain}")
        assert send_pending(db, config, transport).sent == 1
        server.stop()  # drops the open connection, like an idle timeout
        server.start()
        _queue(db, config, f"two@{domain}")
        report = send_pending(db, config, transport)
        assert (report.sent, report.failed) == (1, 0)
        assert len(server.wait_for(domain, 2)) == 2
    finally:
        transport.close()
        server.stop()
        db.dispose()


def test_a_crash_between_send_and_mark_resends_once_with_the_same_message_id(
    db: Database,
    config: Config,
    transport: SmtpTransport,
    smtp: SmtpTestServer,
    domain: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _queue(db, config, f"ann@{domain}")
    t0 = utcnow()

    def crash(*_args: object) -> int:
        raise SystemExit("the process died before marking")

    with monkeypatch.context() as patch:
        patch.setattr(sender_module, "_mark_sent", crash)
        with pytest.raises(SystemExit):
            send_pending(db, config, transport, now=t0)
    assert len(smtp.wait_for(domain, 1)) == 1
    # Still leased: a sender running a minute later leaves it alone ...
    assert send_pending(db, config, transport, now=t0 + timedelta(minutes=1)).claimed == 0
    # ... and once the lease ran out it is sent again, once, as the same message.
    assert send_pending(db, config, transport, now=t0 + timedelta(minutes=6)).sent == 1
    assert send_pending(db, config, transport, now=t0 + timedelta(minutes=20)).claimed == 0
    first, second = smtp.wait_for(domain, 2)
    assert first.message["Message-ID"] == second.message["Message-ID"]
    assert _rows(db)[0].status == "sent"


def test_two_senders_deliver_each_of_two_hundred_messages_exactly_once(
    db: Database, config: Config, smtp: SmtpTestServer, domain: str
) -> None:
    with db.session() as session:
        for n in range(200):
            queue_email(session, config, "sign_in", f"m{n}@{domain}", context_of("sign_in"))
    errors: list[BaseException] = []

    def sender() -> None:
        transport = SmtpTransport(smtp.url)
        try:
            while send_pending(db, config, transport, batch=10).claimed:
                pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            transport.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    received = smtp.wait_for(domain, 200)
    counts = Counter(r.message["Message-ID"] for r in received)
    assert len(counts) == 200 and set(counts.values()) == {1}
    assert all(r.status == "sent" for r in _rows(db))
