"""Sign-in end to end over real SMTP: the link arrives, works once, for 15 minutes only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import update
from support.accounts import ask_for_link, deliver_mail, finish_sign_in, link_in
from support.smtp import new_mail_domain, shared_smtp_server
from support.stripe_app import Shop, csrf_token_of

from publisher.members.members import add_member
from publisher.models import SignInLink


@pytest.fixture(name="env")
def env_fixture(smtp_env: dict[str, str]) -> dict[str, str]:
    return smtp_env


def emailed_link(domain: str, count: int) -> str:
    received = shared_smtp_server().wait_for(domain, count)[count - 1].message
    text = received.get_body(("plain",)).get_content()
    assert "15 minutes" in text
    return link_in(text)


def test_sign_in_end_to_end_over_smtp(shop: Shop) -> None:
    domain, stranger_domain = new_mail_domain(), new_mail_domain()
    with shop.services.db.session() as session:
        add_member(session, shop.services.config.secret_key, f"ann@{domain}")
    asked = ask_for_link(shop.url, shop.browser, f"ann@{domain}")
    stranger = ask_for_link(shop.url, requests.Session(), f"ann@{stranger_domain}")
    assert asked.status_code == stranger.status_code == 200
    assert deliver_mail(shop.services) == 1
    link = emailed_link(domain, 1)
    assert link.startswith(f"{shop.url}/account/sign-in/")
    assert shared_smtp_server().received(stranger_domain) == []
    # Mail scanners open links: that must not use them up.
    assert requests.get(link, timeout=30).status_code == 200
    signed_in = finish_sign_in(shop.browser, link)
    assert signed_in.status_code == 303
    account = shop.browser.get(f"{shop.url}/account", allow_redirects=False, timeout=30)
    assert account.status_code == 200 and f"ann@{domain}" in account.text
    with requests.Session() as thief:
        used = thief.get(link, timeout=30)
        assert used.status_code == 410
        again = thief.post(link, data={"csrf_token": csrf_token_of(used.text)}, timeout=30)
        assert again.status_code == 410 and "lovetv_account" not in thief.cookies
    # A second link, left for 16 minutes, has expired.
    ask_for_link(shop.url, shop.browser, f"ann@{domain}")
    assert deliver_mail(shop.services) == 1
    late = emailed_link(domain, 2)
    with shop.services.db.session() as session:
        session.execute(
            update(SignInLink)
            .where(SignInLink.used_at.is_(None))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    with requests.Session() as browser:
        page = browser.get(late, timeout=30)
        assert page.status_code == 410 and "expired" in page.text
        posted = browser.post(late, data={"csrf_token": csrf_token_of(page.text)}, timeout=30)
        assert posted.status_code == 410 and "lovetv_account" not in browser.cookies
    # The third request for this address in 15 minutes is the last one allowed.
    assert ask_for_link(shop.url, shop.browser, f"ann@{domain}").status_code == 200
    refused = ask_for_link(shop.url, shop.browser, f"ann@{domain}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert deliver_mail(shop.services) == 1
    assert len(shared_smtp_server().wait_for(domain, 3)) == 3
