"""A hundred members' lives in Stripe, delivered shuffled, repeated and concurrently.

Stripe neither orders nor de-duplicates deliveries, and retries whatever did not get a 2xx.
Whatever the order, every member must end in exactly the state their last real event says.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from support.fake_stripe import FakeStripeAccount
from support.stripe_app import Shop, billing_env

DAY = 86400
Events = list[dict[str, Any]]


@dataclass(frozen=True)
class Ending:
    """How a member's story ends: stored status, plan and Stripe state, and the feed's notice."""

    status: str
    plan: str
    billing_state: str
    notice: str | None


@pytest.fixture(name="env")
def env_fixture(
    database_url: str, local_storage_url: str, stripe_account: FakeStripeAccount
) -> dict:
    """Behind one proxy hop, as behind a load balancer: a hundred buyers each come from their
    own address, so the per-client limit on Checkout pages counts each of them apart."""
    return billing_env(database_url, local_storage_url, stripe_account, LOVETV_TRUSTED_PROXIES="1")


def joined(shop: Shop, plan: str, email: str) -> tuple[str, Events]:
    shop.browser.cookies.clear()  # each purchase from a fresh browser: Stripe makes a customer
    high, low = hashlib.sha256(email.encode()).digest()[:2]
    shop.browser.headers["X-Forwarded-For"] = f"198.51.{high}.{low}"
    return shop.buy(plan, email)


def stays_monthly(shop: Shop, email: str) -> tuple[Events, Ending]:
    _, events = joined(shop, "monthly", email)
    return events, Ending("active", "monthly", "active", None)


def renews_yearly(shop: Shop, email: str) -> tuple[Events, Ending]:
    session, events = joined(shop, "yearly", email)
    return events + shop.stripe.renew(shop.stripe.session_subscription(session)), Ending(
        "active", "yearly", "active", None
    )


def card_fails(shop: Shop, email: str) -> tuple[Events, Ending]:
    session, events = joined(shop, "monthly", email)
    sub = shop.stripe.session_subscription(session)
    return events + shop.stripe.fail_renewal(sub), Ending(
        "active", "monthly", "past_due", "payment_problem"
    )


def card_fails_then_recovers(shop: Shop, email: str) -> tuple[Events, Ending]:
    session, events = joined(shop, "yearly", email)
    sub = shop.stripe.session_subscription(session)
    events += shop.stripe.fail_renewal(sub) + shop.stripe.recover(sub)
    return events, Ending("active", "yearly", "active", None)


def grace_runs_out(shop: Shop, email: str) -> tuple[Events, Ending]:
    session, events = joined(shop, "monthly", email)
    sub = shop.stripe.session_subscription(session)
    events += shop.stripe.fail_renewal(sub, at=shop.stripe.now() - 9 * DAY)
    return events, Ending("lapsed", "monthly", "past_due", "lapsed")


def cancels_at_period_end(shop: Shop, email: str) -> tuple[Events, Ending]:
    session, events = joined(shop, "yearly", email)
    events += shop.stripe.cancel_at_period_end(shop.stripe.session_subscription(session))
    return events, Ending("active", "yearly", "active", None)


def cancels_and_leaves(shop: Shop, email: str) -> tuple[Events, Ending]:
    session, events = joined(shop, "monthly", email)
    sub = shop.stripe.session_subscription(session)
    events += shop.stripe.cancel_at_period_end(sub) + shop.stripe.end_subscription(sub)
    return events, Ending("lapsed", "monthly", "canceled", "lapsed")


def goes_unpaid(shop: Shop, email: str) -> tuple[Events, Ending]:
    session, events = joined(shop, "monthly", email)
    sub = shop.stripe.session_subscription(session)
    events += shop.stripe.fail_renewal(sub) + shop.stripe.end_subscription(sub, "unpaid")
    return events, Ending("lapsed", "monthly", "unpaid", "lapsed")


def leaves_and_comes_back(shop: Shop, email: str) -> tuple[Events, Ending]:
    """Comes back signed in: Checkout is made for the member's own Stripe customer."""
    session, events = joined(shop, "monthly", email)
    events += shop.stripe.end_subscription(shop.stripe.session_subscription(session))
    customer = shop.stripe.get(session, "checkout.session")["customer"]
    again = shop.stripe.pay_checkout(shop.stripe.checkout_for("yearly", customer=customer), email)
    return events + again, Ending("active", "yearly", "active", None)


def buys_again_without_signing_in(shop: Shop, email: str) -> tuple[Events, Ending]:
    """A purchase typed with a member's address, after the member's own was delivered.

    (Which of two anonymous checkouts with one address is the member's is decided by which
    Stripe reports first, so the member's own events go out before the stream.)
    """
    _, events = joined(shop, "monthly", email)
    deliver_like_stripe(shop, events)
    _, stray = joined(shop, "lifetime", email)
    return stray, Ending("active", "monthly", "active", None)


def buys_lifetime(shop: Shop, email: str) -> tuple[Events, Ending]:
    _, events = joined(shop, "lifetime", email)
    return events, Ending("active", "lifetime", "paid", None)


def lifetime_refunded(shop: Shop, email: str) -> tuple[Events, Ending]:
    session, events = joined(shop, "lifetime", email)
    events += shop.stripe.refund(shop.stripe.session_charge(session))
    return events, Ending("revoked", "lifetime", "refunded", "revoked")


def lifetime_disputed(shop: Shop, email: str) -> tuple[Events, Ending]:
    session, events = joined(shop, "lifetime", email)
    events += shop.stripe.dispute(shop.stripe.session_charge(session))
    return events, Ending("revoked", "lifetime", "disputed", "revoked")


STORIES: list[Callable[[Shop, str], tuple[Events, Ending]]] = [
    stays_monthly,
    renews_yearly,
    card_fails,
    card_fails_then_recovers,
    grace_runs_out,
    cancels_at_period_end,
    cancels_and_leaves,
    goes_unpaid,
    leaves_and_comes_back,
    buys_lifetime,
    lifetime_refunded,
    lifetime_disputed,
    buys_again_without_signing_in,
]


def deliver_like_stripe(shop: Shop, events: Events) -> None:
    """POST every event until it gets a 2xx, four at a time, as Stripe's retries would."""

    def until_accepted(event: dict[str, Any]) -> None:
        body = json.dumps(event).encode()
        for attempt in range(20):
            answer = shop.post_webhook(body)
            if answer.status_code == 200:
                return
            assert answer.status_code >= 500, answer.text  # only our failures are retried
            time.sleep(0.05 * (attempt + 1))
        raise AssertionError(f"{event['id']} was never accepted")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(until_accepted, events))


def test_a_shuffled_stream_of_a_hundred_members_ends_in_each_last_true_state(shop: Shop) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    expected: dict[str, Ending] = {}
    stream: Events = []
    for n in range(100):
        email = f"member{n:03d}@example.com"
        events, ending = STORIES[n % len(STORIES)](shop, email)
        stream += events
        expected[email] = ending
    stream += rng.sample(stream, k=len(stream) // 5)  # Stripe repeats some deliveries
    rng.shuffle(stream)

    deliver_like_stripe(shop, stream)

    assert shop.members() == sorted(expected), f"seed {seed}"
    for email, ending in expected.items():
        member = shop.member(email)
        got = Ending(
            member["status"],
            member["plan"],
            member["billing_state"],
            shop.access(shop.token_of(email)).notice,
        )
        assert got == ending, f"{email} (seed {seed})"
    assert {e["id"] for e in stream} <= set(shop.recorded_events())


def test_nothing_is_left_for_reconciliation_after_the_stream(shop: Shop) -> None:
    """The webhooks alone did everything: a sync right after changes nothing."""
    stream: Events = []
    for n, story in enumerate(STORIES):
        stream += story(shop, f"m{n}@example.com")[0]
    random.Random(7).shuffle(stream)
    deliver_like_stripe(shop, stream)
    from publisher.billing.gateway import make_gateway
    from publisher.billing.sync import sync_members

    config = shop.services.config
    report = sync_members(shop.services.db, make_gateway(config), config)
    assert report.checked == len(STORIES) and report.changes == []
