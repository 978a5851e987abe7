"""A member joins while the mail server is down: the welcome email waits, then arrives once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from support.fake_stripe import FakeStripeAccount
from support.smtp import SmtpTestServer, new_mail_domain
from support.stripe_app import Shop, billing_env

from publisher.mail.sender import backoff, send_pending
from publisher.mail.transports import open_transport
from publisher.models import utcnow


@pytest.fixture(name="smtp")
def smtp_fixture() -> Iterator[SmtpTestServer]:
    """This test's own mail server, so it can go down without disturbing others."""
    server = SmtpTestServer().start()
    yield server
    server.stop()


@pytest.fixture(name="env")
def env_fixture(
    database_url: str,
    local_storage_url: str,
    stripe_account: FakeStripeAccount,
    smtp: SmtpTestServer,
) -> dict[str, str]:
    return billing_env(database_url, local_storage_url, stripe_account, LOVETV_SMTP_URL=smtp.url)


def test_smtp_down_while_a_member_joins_delays_the_welcome_email_and_loses_nothing(
    shop: Shop, smtp: SmtpTestServer, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    domain = new_mail_domain()
    smtp.stop()
    _, events = shop.buy("monthly", f"new@{domain}")
    assert all(answer.status_code == 200 for answer in shop.deliver(*events))
    services = shop.services
    transport = open_transport(services.config)
    try:
        failed_at = utcnow()
        down = send_pending(services.db, services.config, transport, now=failed_at)
        assert (down.sent, down.failed, down.stopped_early) == (0, 1, True)
        smtp.start()
        too_soon = send_pending(services.db, services.config, transport, now=failed_at)
        assert too_soon.claimed == 0  # backing off, not hammering the server
        later = failed_at + backoff(1)
        assert send_pending(services.db, services.config, transport, now=later).sent == 1
        again = send_pending(
            services.db, services.config, transport, now=later + timedelta(hours=2)
        )
        assert again.claimed == 0
    finally:
        transport.close()
    [welcome] = smtp.wait_for(domain, 1)
    assert welcome.rcpt_tos == (f"new@{domain}",)
    assert "/feeds/" in welcome.message.get_body(("plain",)).get_content()
    assert len(smtp.received(domain)) == 1


def test_a_welcome_before_any_season_promises_the_link_instead_of_listing_none(
    shop: Shop, smtp: SmtpTestServer
) -> None:
    domain = new_mail_domain()
    _, events = shop.buy("yearly", f"early@{domain}")
    shop.deliver(*events)
    transport = open_transport(shop.services.config)
    try:
        assert send_pending(shop.services.db, shop.services.config, transport).sent == 1
    finally:
        transport.close()
    [welcome] = smtp.wait_for(domain, 1)
    text = welcome.message.get_body(("plain",)).get_content()
    assert "first season is on its way" in text and "for each season" not in text
