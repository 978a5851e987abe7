"""Transports: SMTP URLs and AUTH, the offline .eml folder, and what reaches the log."""

from __future__ import annotations

import logging
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select
from support.mail_contexts import BASE, context_of
from support.mail_env import mail_config
from support.smtp import SmtpTestServer, new_mail_domain

from publisher.db import Database
from publisher.mail.outbox import queue_email
from publisher.mail.sender import send_pending
from publisher.mail.transports import (
    FileTransport,
    SmtpTransport,
    open_transport,
    parse_smtp_url,
)
from publisher.models import OutboxMessage


def test_smtp_urls_default_their_ports_and_decode_credentials() -> None:
    plain = parse_smtp_url("smtp://mail.example.com")
    assert (plain.port, plain.implicit_tls, plain.username) == (587, False, None)
    tls = parse_smtp_url("smtps://us%40er:p%3Ass%2Fw@mail.example.com")
    assert (tls.port, tls.implicit_tls) == (465, True)
    assert (tls.username, tls.password) == ("us@er", "p:ss/w")
    assert "p:ss/w" not in repr(tls)
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example.com")


@pytest.fixture
def auth_server() -> SmtpTestServer:
    server = SmtpTestServer(username="us@er", password="s3cret:pw").start()
    yield server
    server.stop()


def test_smtp_url_with_credentials_logs_in_and_delivers(
    sqlite_url: str, tmp_path: Path, auth_server: SmtpTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"smtp://us%40er:s3cret%3Apw@127.0.0.1:{auth_server.port}"
    config = mail_config(sqlite_url, tmp_path, url)
    db = Database(config.database_url)
    domain = new_mail_domain()
    transport = open_transport(config)
    try:
        with db.session() as session:
            queue_email(session, config, "sign_in", f"ann@{domain}", context_of("sign_in"))
        with caplog.at_level(logging.DEBUG):
            assert send_pending(db, config, transport).sent == 1
        assert auth_server.credentials is not None
        assert auth_server.credentials.logins == ["us@er"]
        assert len(auth_server.wait_for(domain, 1)) == 1
        assert "s3cret" not in caplog.text
    finally:
        transport.close()
        db.dispose()


def test_wrong_credentials_keep_mail_pending_without_leaking_the_password(
    sqlite_url: str, tmp_path: Path, auth_server: SmtpTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"smtp://us%40er:WRONGpass@127.0.0.1:{auth_server.port}"
    config = mail_config(sqlite_url, tmp_path, url)
    db = Database(config.database_url)
    transport = SmtpTransport(url)
    try:
        with db.session() as session:
            queue_email(session, config, "sign_in", "ann@x.test", context_of("sign_in"))
        with caplog.at_level(logging.DEBUG):
            report = send_pending(db, config, transport)
        assert report.stopped_early and "535" in report.error
        with db.session() as session:
            row = session.scalars(select(OutboxMessage)).one()
        assert row.status == "pending" and row.attempts == 1
        assert "WRONGpass" not in row.last_error + caplog.text + report.error
    finally:
        transport.close()
        db.dispose()


def test_without_smtp_each_email_is_a_parseable_eml_file(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = mail_config(sqlite_url, tmp_path, None)
    db = Database(config.database_url)
    transport = open_transport(config)
    assert isinstance(transport, FileTransport)
    with db.session() as session:
        queued = queue_email(session, config, "welcome", "ann@x.test", context_of("welcome"))
        assert queued is not None
    with caplog.at_level(logging.INFO, logger="publisher.mail"):
        assert send_pending(db, config, transport).sent == 1
    db.dispose()
    [path] = sorted((tmp_path / "instance" / "mail").glob("*.eml"))
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["Message-ID"] == queued.message_id and message["To"] == "ann@x.test"
    assert f"{BASE}/account" in message.get_body(("plain",)).get_content()
    assert message.get_body(("html",)) is not None
    assert str(path) in caplog.text and queued.subject in caplog.text
    assert "/feeds/" not in caplog.text  # production: links never reach the log


def test_eml_files_read_with_cat_their_links_found_by_grep(sqlite_url: str, tmp_path: Path) -> None:
    config = mail_config(sqlite_url, tmp_path, None)
    db = Database(config.database_url)
    context = {**context_of("welcome"), "show_title": "Love TV · Été"}
    with db.session() as session:
        queue_email(session, config, "welcome", "ann@x.test", context)
    assert send_pending(db, config, open_transport(config)).sent == 1
    db.dispose()
    [path] = sorted((tmp_path / "instance" / "mail").glob("*.eml"))
    raw = path.read_bytes()
    assert b"Content-Transfer-Encoding: base64" not in raw
    assert raw.count(b"Content-Transfer-Encoding: 8bit") == 2  # the text and the HTML
    text = raw.decode("utf-8")
    feeds = [line for line in text.splitlines() if f"{BASE}/feeds/" in line]
    assert feeds and all("=\n" not in line for line in feeds)  # whole, on one line
    assert "Été" in text  # UTF-8 as it is, no =C3=89
    message = message_from_bytes(raw, policy=policy.default)
    assert "Été" in message.get_body(("plain",)).get_content()


def test_in_development_the_file_transport_logs_the_links(
    sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = mail_config(sqlite_url, tmp_path, None, LOVETV_ENV="development")
    db = Database(config.database_url)
    with db.session() as session:
        queue_email(session, config, "sign_in", "ann@x.test", context_of("sign_in"))
    with caplog.at_level(logging.INFO, logger="publisher.mail"):
        assert send_pending(db, config, open_transport(config)).sent == 1
    db.dispose()
    assert f"{BASE}/account/sign-in/s1gn1nt0ken" in caplog.text


@pytest.mark.parametrize("offered", [True, False])
def test_an_internationalised_address_goes_out_with_smtputf8_where_offered(
    sqlite_url: str, tmp_path: Path, offered: bool
) -> None:
    server = SmtpTestServer(smtputf8=offered).start()
    config = mail_config(sqlite_url, tmp_path, server.url)
    db = Database(config.database_url)
    transport = open_transport(config)
    domain = f"ex\u00e4mple-{new_mail_domain()}"
    try:
        with db.session() as session:
            queue_email(session, config, "sign_in", f"jos\u00e9@{domain}", context_of("sign_in"))
        report = send_pending(db, config, transport)
        with db.session() as session:
            (row,) = session.scalars(select(OutboxMessage)).all()
        if offered:
            assert report.sent == 1 and row.status == "sent"
            (received,) = server.wait_for(domain, 1)
            assert received.rcpt_tos == (f"jos\u00e9@{domain}",)
            assert received.message["To"] == f"jos\u00e9@{domain}"
            assert "sign-in" in received.message.get_body(("plain",)).get_content()
        else:  # kept, with an error that says why, never a TypeError from the library
            assert report.sent == 0 and row.status == "pending"
            assert "SMTPUTF8" in (row.last_error or "") and "Compat32" not in row.last_error
    finally:
        transport.close()
        server.stop()
        db.dispose()
