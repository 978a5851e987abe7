"""Internationalised addresses: an IDN domain goes out in its ASCII form through any server;
a non-ASCII part before the @ needs SMTPUTF8, and where the server lacks it the address is
refused where it is typed, never left with mail that can't leave the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from support.accounts import ask_for_link, queued
from support.fake_stripe import FakeStripeAccount
from support.mail_contexts import context_of
from support.mail_env import mail_config
from support.smtp import SmtpTestServer, new_mail_domain
from support.stripe_app import Shop, billing_env

from publisher.db import Database
from publisher.mail import reach
from publisher.mail.outbox import queue_email
from publisher.mail.sender import send_pending
from publisher.mail.transports import open_transport
from publisher.members.members import add_member
from publisher.models import OutboxMessage


@pytest.fixture
def plain_server() -> Iterator[SmtpTestServer]:
    """A mail server without SMTPUTF8, as many still are."""
    server = SmtpTestServer(smtputf8=False).start()
    yield server
    server.stop()


@pytest.fixture(name="env")
def env_fixture(
    database_url: str,
    local_storage_url: str,
    stripe_account: FakeStripeAccount,
    plain_server: SmtpTestServer,
) -> dict:
    return billing_env(
        database_url, local_storage_url, stripe_account, LOVETV_SMTP_URL=plain_server.url
    )


def test_an_idn_domain_goes_out_as_ascii_through_a_plain_server(
    sqlite_url: str, tmp_path: Path, plain_server: SmtpTestServer
) -> None:
    config = mail_config(sqlite_url, tmp_path, plain_server.url)
    db = Database(config.database_url)
    transport = open_transport(config)
    label = new_mail_domain().split(".")[0]
    try:
        with db.session() as session:
            queue_email(
                session, config, "sign_in", f"ann@{label}-ex\u00e4mple.test", context_of("sign_in")
            )
        assert send_pending(db, config, transport).sent == 1
        (received,) = [m for m in plain_server.received() if label in m.rcpt_tos[0]]
        assert received.rcpt_tos[0].isascii() and "xn--" in received.rcpt_tos[0]
    finally:
        transport.close()
        db.dispose()


def test_reach_asks_the_server_only_for_a_non_ascii_local_part(
    sqlite_url: str, tmp_path: Path, plain_server: SmtpTestServer
) -> None:
    plain = mail_config(sqlite_url, tmp_path, plain_server.url)
    assert reach.deliverable(plain, "ann@example.com")
    assert reach.deliverable(plain, "ann@ex\u00e4mple.com")
    assert not reach.deliverable(plain, "jos\u00e9@example.com")
    modern = SmtpTestServer(smtputf8=True).start()
    try:
        assert reach.deliverable(
            mail_config(sqlite_url, tmp_path, modern.url), "jos\u00e9@example.com"
        )
    finally:
        modern.stop()
    files = mail_config(sqlite_url, tmp_path, None)  # .eml files take any address
    assert reach.deliverable(files, "jos\u00e9@example.com")


def test_signing_in_with_an_address_the_server_cannot_write_to_says_so(shop: Shop) -> None:
    with shop.services.db.session() as session:
        add_member(session, shop.services.config.secret_key, "jos\u00e9@example.com")
    answer = ask_for_link(shop.url, shop.browser, "jos\u00e9@example.com", Accept="text/html")
    assert answer.status_code == 400 and "use another address" in answer.text
    assert queued(shop.services, "sign_in") == []
    with shop.services.db.session() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
