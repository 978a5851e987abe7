"""A local Stripe API for the tests: the real `stripe` library talks to it over HTTP.

The API, its accounts and what customers and Stripe's billing engine do (pay at checkout, a
renewal, a cancellation) are `publisher.demo.billing`, the same stand-in that demo billing
runs, so the demo does what these tests prove; what only tests make happen (a card failing
on renewal, a refund, a dispute) is scripted on top of it in `support.stripe_scripts`. This
module serves it once per test process and gives each test an account of its own (its own
API key, so tests never see each other's customers); a test drives the account's methods
and delivers (or withholds) the events they return.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from publisher.demo.billing.api import StripeApi
from publisher.demo.billing.store import PRICES_SETTING
from support.stripe_scripts import ScriptedAccount as FakeStripeAccount

__all__ = ["PRICES_SETTING", "FakeStripe", "FakeStripeAccount"]


class FakeStripe(StripeApi):
    """The stand-in's API, handing out scripted accounts."""

    def new_account(self, api_key: str | None = None) -> FakeStripeAccount:
        """An empty account answering to `api_key` (a fresh random key by default)."""
        account = FakeStripeAccount(api_key or f"sk_test_{uuid.uuid4().hex}", self.base_url)
        self.accounts[account.api_key] = account
        return account


@pytest.fixture(scope="session", name="fake_stripe_server")
def fake_stripe_server_fixture() -> Iterator[FakeStripe]:
    """The fake Stripe API on a free loopback port, one per test process."""
    fake = FakeStripe()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield fake
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(name="stripe_account")
def stripe_account_fixture(fake_stripe_server: FakeStripe) -> FakeStripeAccount:
    """A fresh, empty Stripe account of this test's own (its own API key)."""
    return fake_stripe_server.new_account()
