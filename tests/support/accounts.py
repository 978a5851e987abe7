"""Signing in as a member the way a browser does: ask for a link, read it, press the button.

The link is read from the queued outbox row (what the sender will deliver); the end-to-end
test over real SMTP reads it from the delivered message instead.
"""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from publisher.mail.sender import send_pending
from publisher.mail.transports import open_transport
from publisher.models import OutboxMessage
from publisher.services import Services
from support.fake_stripe import FakeStripeAccount
from support.smtp import shared_smtp_server
from support.stripe_app import billing_env, csrf_token_of

LINK = re.compile(r"https?://[^\s\"<>]+/account/sign-in/([A-Za-z0-9_-]+)")


def ask_for_link(
    url: str, browser: requests.Session, email: str, **headers: str
) -> requests.Response:
    """POST the sign-in form as a browser that first opened it."""
    form = browser.get(f"{url}/account/sign-in", timeout=30)
    assert form.status_code == 200, form.text
    return browser.post(
        f"{url}/account/sign-in",
        data={"email": email, "csrf_token": csrf_token_of(form.text)},
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )


def queued(services: Services, kind: str, to: str | None = None) -> list[OutboxMessage]:
    """The outbox rows of one kind (to one address), oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.to_address == to)
    with services.db.session() as session:
        return list(session.scalars(query))


def link_in(text: str) -> str:
    """The sign-in link an email carries."""
    match = LINK.search(text)
    assert match, f"no sign-in link in: {text!r}"
    return match.group(0)


def finish_sign_in(browser: requests.Session, link: str) -> requests.Response:
    """Open the emailed link and press its button; the POST's answer."""
    page = browser.get(link, timeout=30)
    assert page.status_code == 200, page.text
    return browser.post(
        link,
        data={"csrf_token": csrf_token_of(page.text)},
        allow_redirects=False,
        timeout=30,
    )


def sign_in(url: str, browser: requests.Session, services: Services, email: str) -> None:
    """Sign `browser` in as the member with `email` (through the outbox)."""
    assert ask_for_link(url, browser, email).status_code == 200
    link = link_in(queued(services, "sign_in", email)[-1].body_text)
    answer = finish_sign_in(browser, link)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/account"), (
        answer.text
    )


def post_form(
    browser: requests.Session, url: str, page_path: str, action: str
) -> requests.Response:
    """POST one of a page's forms with the page's csrf_token, without following redirects."""
    page = browser.get(f"{url}{page_path}", timeout=30)
    return browser.post(
        f"{url}{action}",
        data={"csrf_token": csrf_token_of(page.text)},
        allow_redirects=False,
        timeout=30,
    )


@pytest.fixture(name="smtp_env")
def smtp_env_fixture(
    database_url: str, local_storage_url: str, stripe_account: FakeStripeAccount
) -> dict[str, str]:
    """The billing test environment, delivering mail to this process's real SMTP server."""
    return billing_env(
        database_url,
        local_storage_url,
        stripe_account,
        LOVETV_SMTP_URL=shared_smtp_server().url,
    )


def deliver_mail(services: Services) -> int:
    """Run the sender once over the app's own configuration; how many were sent."""
    transport = open_transport(services.config)
    try:
        return send_pending(services.db, services.config, transport).sent
    finally:
        transport.close()
