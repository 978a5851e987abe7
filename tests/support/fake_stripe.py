"""A local Stripe API for the tests: the real `stripe` library talks to it over HTTP.

The API, its accounts and what customers and Stripe's billing engine do (pay at checkout, a
card failing on renewal, a refund, a dispute) are `publisher.demo.billing`, the same
stand-in that demo billing runs, so the demo does what these tests prove. This module
serves it once per test process and gives each test an account of its own (its own API
key, so tests never see each other's customers); a test drives the account's methods and
delivers (or withholds) the events they return.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from publisher.demo.billing.api import StripeApi as FakeStripe
from publisher.demo.billing.engine import StandInAccount as FakeStripeAccount
from publisher.demo.billing.store import PRICES_SETTING

__all__ = ["PRICES_SETTING", "FakeStripe", "FakeStripeAccount"]


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
