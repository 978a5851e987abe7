"""The service as Stripe and a buyer's browser see it: served over HTTP, wired to the fake.

A module marked `pytest.mark.stripe` gets an `env` (tests/conftest.py) whose app talks to
the test's own fake Stripe account, on SQLite and PostgreSQL. `live_url` serves
the app on a real loopback port; `Shop` drives it the way Stripe and a member would:
webhooks signed exactly as Stripe signs them, and a browser session with cookies.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from auth.access import AccessDecision, listening_access
from publisher.accounts.sessions import start_session
from publisher.members.members import current_token, find_member, find_token_holder
from publisher.models import AccountSession, Checkout, Member, OutboxMessage, Season, StripeEvent
from publisher.services import Services
from support.catalog_factory import make_episode, make_season, make_show
from support.fake_stripe import (
    FakeStripeAccount,
)
from support.network import free_port
from support.service_env import service_env

SECRET_KEY = "billing-test-secret-key-long-enough-0123456789"
WEBHOOK_SECRET = "whsec_test_billing_endpoint_secret"


def billing_env(
    database_url: str, storage_url: str, stripe_account: FakeStripeAccount, **extra: str
) -> dict[str, str]:
    """The variables of an app wired to a fake Stripe account (plus `extra` ones), served
    at its own loopback address (`live_url` serves it there)."""
    return service_env(
        database_url,
        storage_url,
        base_url=f"http://127.0.0.1:{free_port()}",
        secret=SECRET_KEY,
        allow_http=False,
        stripe=stripe_account,
        **extra,
    )


@pytest.fixture(name="live_url")
def live_url_fixture(app, env: dict) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served over real HTTP at its own LOVETV_BASE_URL."""
    port = urlsplit(env["LOVETV_BASE_URL"]).port
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield env["LOVETV_BASE_URL"]
    server.shutdown()
    thread.join(timeout=10)


def csrf_token_of(page: str) -> str:
    """The hidden `csrf_token` field of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no form with a csrf_token field"
    return match.group(1)


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends: HMAC-SHA256 of "<t>.<payload>"."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@dataclass
class Shop:
    """A buyer's browser and Stripe's webhook sender, both pointed at the live app."""

    url: str
    stripe: FakeStripeAccount
    services: Services
    browser: requests.Session

    def deliver(self, *events: dict[str, Any]) -> list[requests.Response]:
        """POST each event to the webhook endpoint, signed as Stripe signs."""
        return [self.post_webhook(json.dumps(event).encode()) for event in events]

    def post_webhook(
        self, body: bytes, signature: str | None = "sign", timestamp: int | None = None
    ) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            signature = stripe_signature(body, WEBHOOK_SECRET, timestamp)
        if signature is not None:
            headers["Stripe-Signature"] = signature
        return requests.post(f"{self.url}/webhooks/stripe", data=body, headers=headers, timeout=30)

    def start_checkout(self, plan: str) -> str:
        """Follow the join link to Stripe Checkout; the Checkout Session's id."""
        form = self.browser.get(f"{self.url}/join/{plan}", timeout=30)
        assert form.status_code == 200, form.text
        answer = self.browser.post(
            f"{self.url}/join/{plan}",
            data={"csrf_token": csrf_token_of(form.text)},
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 303, answer.text
        return answer.headers["Location"].rsplit("/", 1)[1]

    def buy(self, plan: str, email: str) -> tuple[str, list[dict[str, Any]]]:
        """Join and pay; the session id and the events Stripe would send (not yet sent)."""
        session_id = self.start_checkout(plan)
        return session_id, self.stripe.pay_checkout(session_id, email)

    def sign_in(self, email: str) -> None:
        """Sign this browser in as the member (as the emailed link would)."""
        with self.services.db.session() as session:
            member = find_member(session, email)
            assert member is not None, f"{email} is not a member"
            cookie = start_session(session, member.id, datetime.now(UTC))
        host = urlsplit(self.url).hostname or ""
        self.browser.cookies.set("lovetv_account", cookie, domain=host, path="/")

    def sessions_of(self, email: str) -> int:
        """How many signed-in browsers the member has."""
        with self.services.db.session() as session:
            member = find_member(session, email)
            assert member is not None
            query = select(AccountSession).where(AccountSession.member_id == member.id)
            return len(list(session.scalars(query)))

    def outbox(self, kind: str | None = None) -> list[OutboxMessage]:
        """The queued emails (of one kind), oldest first."""
        with self.services.db.session() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if kind is not None:
                query = query.where(OutboxMessage.kind == kind)
            return list(session.scalars(query))

    def checkout_record(self, session_id: str) -> Checkout | None:
        with self.services.db.session() as session:
            return session.get(Checkout, session_id)

    def welcome(self, session_id: str) -> requests.Response:
        return self.browser.get(
            f"{self.url}/welcome", params={"session_id": session_id}, timeout=30
        )

    def add_season(self, slug: str, title: str, number: int) -> None:
        with self.services.db.session() as session:
            session.add(Season(slug=slug, title=title, number=number))

    def add_catalog(self, audio: Path) -> None:
        """The show and season-1 with one published episode, "First Steps"."""
        with self.services.db.session() as session:
            make_show(session)
            season = make_season(session, "season-1", 1)
            make_episode(session, self.services.storage, season, audio, title="First Steps")

    def listen(self, token: str, slug: str = "season-1") -> list[tuple[str, str]]:
        """(title, link) of each item of the member's feed, newest first, as an app sees it."""
        answer = requests.get(f"{self.url}/feeds/{token}/{slug}.xml", timeout=30)
        assert answer.status_code == 200, answer.text
        parsed = feedparser.parse(answer.content)
        assert not parsed.bozo, parsed.bozo_exception
        return [(entry.title, entry.get("link", "")) for entry in parsed.entries]

    def token_of(self, email: str) -> str:
        with self.services.db.session() as session:
            member = find_member(session, email)
            assert member is not None, f"{email} is not a member"
            return current_token(session, member, SECRET_KEY)

    def access(self, token: str, now: datetime | None = None) -> AccessDecision:
        """What a feed request presenting this token is told (as the feed routes decide)."""
        with self.services.db.session() as session:
            holder = find_token_holder(session, SECRET_KEY, token)
            assert holder is not None, "unknown token"
            m = holder.member
            return listening_access(
                m.status, m.billing_state, m.grace_until, now or datetime.now(UTC), holder.current
            )

    def recorded_events(self) -> list[str]:
        """The ids of the Stripe events the service has applied."""
        with self.services.db.session() as session:
            return list(session.scalars(select(StripeEvent.id).order_by(StripeEvent.id)))

    def members(self) -> list[str]:
        with self.services.db.session() as session:
            return list(session.scalars(select(Member.email).order_by(Member.email)))

    def member(self, email: str) -> dict[str, Any]:
        """The stored member fields billing writes."""
        with self.services.db.session() as session:
            m = find_member(session, email)
            assert m is not None, f"{email} is not a member"
            return {
                "status": m.status,
                "plan": m.plan,
                "billing_state": m.billing_state,
                "customer": m.stripe_customer_id,
                "subscription": m.stripe_subscription_id,
                "grace_until": m.grace_until,
                "period_end": m.period_end,
                "reason": m.status_reason,
            }


@pytest.fixture(name="shop")
def shop_fixture(live_url: str, stripe_account: FakeStripeAccount, app) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    from publisher.services import services_of

    with requests.Session() as browser:
        yield Shop(live_url, stripe_account, services_of(app), browser)
