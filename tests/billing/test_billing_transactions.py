"""No database transaction is open while Stripe is asked anything.

An observer runs inside the fake Stripe API, during each request it serves: it counts the
app's database connections checked out of the pool (a session holds one from its first
statement until its commit, on SQLite and PostgreSQL alike) and, on PostgreSQL, asks
`pg_stat_activity` whether any session of the test's database sits `idle in transaction`.
Then the refund that follows a purchase made with a member's address: decided and
committed first, sent to Stripe after, and retried by the next delivery or the welcome page
when Stripe fails it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from support.fake_stripe import FakeStripe
from support.stripe_app import Shop
from werkzeug.wrappers import Request

from auth.stripe_api import Purchases, StripeGateway
from publisher.billing.gateway import make_gateway
from publisher.billing.units import DUPLICATE, handle_event
from publisher.demo.billing.store import StripeRequestError
from publisher.members.members import add_member
from publisher.models import Checkout, Member

pytestmark = pytest.mark.stripe

VICTIM = "vic@example.com"


@dataclass
class TransactionWatch:
    """What the database looked like at each Stripe request the fake served."""

    engine: Engine
    observer: Engine | None  # PostgreSQL only: a connection of its own for pg_stat_activity
    checked_out: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    seen: list[tuple[str, str, int, int]] = field(default_factory=list)  # method, path, pool, idle

    def on_checkout(self, *_: object) -> None:
        with self.lock:
            self.checked_out += 1

    def on_checkin(self, *_: object) -> None:
        with self.lock:
            self.checked_out -= 1

    def look(self, request: Request) -> None:
        idle = 0
        if self.observer is not None:
            with self.observer.connect() as conn:
                idle = conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
                    )
                )
        with self.lock:
            self.seen.append((request.method, request.path, self.checked_out, idle))

    def held_open(self) -> list[tuple[str, str, int, int]]:
        """The Stripe requests that found a transaction open."""
        return [s for s in self.seen if s[2] or s[3]]


@pytest.fixture(name="watch")
def watch_fixture(
    shop: Shop, fake_stripe_server: FakeStripe, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TransactionWatch]:
    """Observe the database from inside every request the fake Stripe serves this test."""
    engine = shop.services.db.engine
    observer = (
        create_engine(database_url, poolclass=NullPool)
        if database_url.startswith("postgresql")
        else None
    )
    watch = TransactionWatch(engine, observer)
    event.listen(engine, "checkout", watch.on_checkout)
    event.listen(engine, "checkin", watch.on_checkin)
    dispatch = fake_stripe_server._dispatch

    def observed(account: Any, request: Request) -> tuple[int, dict[str, Any]]:
        if account is shop.stripe:
            watch.look(request)
        return dispatch(account, request)

    monkeypatch.setattr(fake_stripe_server, "_dispatch", observed)
    yield watch
    event.remove(engine, "checkout", watch.on_checkout)
    event.remove(engine, "checkin", watch.on_checkin)
    if observer is not None:
        observer.dispose()


def fail_refunds(
    fake: FakeStripe, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> Callable[[bool], None]:
    """Make Stripe refuse refunds (500) until the returned switch is turned off."""
    failing = {"on": True}
    dispatch = fake._dispatch

    def refusing(account: Any, request: Request) -> tuple[int, dict[str, Any]]:
        if account is shop.stripe and failing["on"] and request.path == "/v1/refunds":
            raise StripeRequestError(500, "the fake Stripe cannot refund right now")
        return dispatch(account, request)

    monkeypatch.setattr(fake, "_dispatch", refusing)
    return lambda on: failing.__setitem__("on", on)


def member_with_links(shop: Shop, mp3_file: Path) -> str:
    shop.add_catalog(mp3_file)
    _session_id, events = shop.buy("monthly", VICTIM)
    assert all(r.status_code == 200 for r in shop.deliver(*events))
    shop.browser.cookies.clear()
    return shop.token_of(VICTIM)


def completed_event(events: list[dict[str, Any]]) -> dict[str, Any]:
    (completed,) = [e for e in events if e["type"] == "checkout.session.completed"]
    return completed


def stripe_writes(shop: Shop) -> list[tuple[str, str]]:
    return [(m, p) for m, p, _ in shop.stripe.requests if m in ("POST", "DELETE")]


def test_the_observer_sees_a_transaction_held_across_a_stripe_call(
    shop: Shop, watch: TransactionWatch
) -> None:
    # The check this file rests on can fail: a session that has read a row is a transaction.
    gateway = make_gateway(shop.services.config)
    with shop.services.db.session() as session:
        session.scalar(select(Member.id).limit(1))
        gateway.customer_email("cus_nobody")
    assert watch.held_open(), watch.seen


def test_no_transaction_is_open_while_stripe_is_asked(
    shop: Shop, mp3_file: Path, watch: TransactionWatch
) -> None:
    shop.add_catalog(mp3_file)
    # A new member: the welcome page first, then the webhooks (twice), then a renewal failing.
    session_id, events = shop.buy("monthly", "ann@example.com")
    assert shop.welcome(session_id).status_code == 200
    for _ in range(2):
        assert all(r.status_code == 200 for r in shop.deliver(*events))
    sub = shop.stripe.session_subscription(session_id)
    assert all(r.status_code == 200 for r in shop.deliver(*shop.stripe.fail_renewal(sub)))
    # Events about a customer nobody holds yet (its checkout's event still to come).
    _, lifetime = shop.buy("lifetime", "bo@example.com")
    others = [e for e in lifetime if e["type"] != "checkout.session.completed"]
    assert all(r.status_code == 200 for r in shop.deliver(*others, completed_event(lifetime)))
    # A purchase with a member's address: decided, committed, then cancelled and refunded.
    shop.browser.cookies.clear()
    foreign_id, foreign = shop.buy("yearly", "ann@example.com")
    assert all(r.status_code == 200 for r in shop.deliver(*foreign))
    assert shop.checkout_record(foreign_id).outcome == "foreign"  # type: ignore[union-attr]
    assert len(shop.stripe.of_kind("refund")) == 1
    assert shop.members() == ["ann@example.com", "bo@example.com"]
    paths = {path for _, path, _, _ in watch.seen}
    assert {"/v1/checkout/sessions", "/v1/subscriptions", "/v1/refunds"} <= paths, paths
    assert watch.held_open() == []


def test_a_refund_stripe_fails_is_retried_by_the_next_delivery(
    shop: Shop,
    mp3_file: Path,
    fake_stripe_server: FakeStripe,
    monkeypatch: pytest.MonkeyPatch,
    watch: TransactionWatch,
) -> None:
    token = member_with_links(shop, mp3_file)
    before = shop.member(VICTIM)
    refunds = fail_refunds(fake_stripe_server, shop, monkeypatch)
    session_id, events = shop.buy("yearly", VICTIM)
    body = json.dumps(completed_event(events)).encode()
    failed = shop.post_webhook(body)
    assert failed.status_code == 500  # Stripe delivers it again
    # The decision is committed; the refund and the member's email wait for Stripe.
    assert shop.checkout_record(session_id).outcome == "foreign"  # type: ignore[union-attr]
    assert shop.stripe.of_kind("refund") == [] and shop.outbox("foreign_purchase") == []
    assert shop.member(VICTIM) == before and shop.access(token).allowed
    refunds(False)
    retried = shop.post_webhook(body)
    assert retried.status_code == 200, retried.text
    assert len(shop.stripe.of_kind("refund")) == 1
    assert [m.to_address for m in shop.outbox("foreign_purchase")] == [VICTIM]
    assert "refunded in full" in shop.outbox("foreign_purchase")[0].body_text
    # Once done, a repeat is a plain duplicate: no Stripe write, no second email.
    writes = len(stripe_writes(shop))
    again = shop.post_webhook(body)
    assert again.status_code == 200 and again.json()["outcome"] == DUPLICATE
    assert len(stripe_writes(shop)) == writes
    assert len(shop.outbox("foreign_purchase")) == 1
    assert shop.member(VICTIM) == before and shop.members() == [VICTIM]
    assert watch.held_open() == []


def test_a_refund_stripe_fails_is_retried_by_the_welcome_page(
    shop: Shop, mp3_file: Path, fake_stripe_server: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    member_with_links(shop, mp3_file)
    refunds = fail_refunds(fake_stripe_server, shop, monkeypatch)
    session_id, events = shop.buy("lifetime", VICTIM)
    assert shop.post_webhook(json.dumps(completed_event(events)).encode()).status_code == 500
    failing_page = shop.welcome(session_id)
    assert failing_page.status_code == 502 and VICTIM not in failing_page.text
    assert shop.stripe.of_kind("refund") == []
    refunds(False)
    page = shop.welcome(session_id)
    assert page.status_code == 200 and "refunded in full" in page.text
    charge = shop.stripe.get(shop.stripe.session_charge(session_id), "charge")
    assert charge["refunded"] and len(shop.stripe.of_kind("refund")) == 1
    assert len(shop.outbox("foreign_purchase")) == 1
    # The webhook's next delivery finds it done.
    assert shop.deliver(completed_event(events))[0].json()["outcome"] == DUPLICATE
    assert len(shop.stripe.of_kind("refund")) == 1 and len(shop.outbox("foreign_purchase")) == 1


def test_a_repeated_delivery_asks_stripe_nothing(shop: Shop, watch: TransactionWatch) -> None:
    _, events = shop.buy("monthly", "cy@example.com")
    completed = completed_event(events)
    services = shop.services
    gateway = make_gateway(services.config)
    assert handle_event(services.db, gateway, services.config, completed) == "applied"
    asked = len(watch.seen)
    assert handle_event(services.db, gateway, services.config, completed) == DUPLICATE
    assert len(watch.seen) == asked
    with services.db.session() as session:
        assert session.scalar(select(Checkout.outcome)) == "new_member"


class RivalDuringPurchases(StripeGateway):
    """Stripe's API, except that the first read of purchases lets a rival finish first."""

    def __init__(self, base: StripeGateway, rival: Callable[[], object]) -> None:
        self.__dict__.update(base.__dict__)
        self.rival: Callable[[], object] | None = rival
        self.asked: list[str] = []

    def purchases_of(self, customer_ids: Iterable[str]) -> Purchases:
        rival, self.rival = self.rival, None
        if rival is not None:
            rival()
        ids = list(customer_ids)
        self.asked += ids
        return super().purchases_of(ids)


def test_a_rival_changing_whose_customer_is_read_makes_the_unit_read_again(
    shop: Shop, watch: TransactionWatch
) -> None:
    services = shop.services
    with services.db.session() as session:
        member_id = add_member(session, services.config.secret_key, "dee@example.com").id
    # Two checkouts of one signed-in member, each paid under a customer of its own.
    first = shop.stripe.checkout_for("lifetime", member_id=member_id)
    first_events = shop.stripe.pay_checkout(first, "dee@example.com")
    second = shop.stripe.checkout_for("monthly", member_id=member_id)
    second_events = shop.stripe.pay_checkout(second, "dee@example.com")
    first_customer = shop.stripe.get(first, "checkout.session")["customer"]
    second_customer = shop.stripe.get(second, "checkout.session")["customer"]
    assert first_customer != second_customer
    plain = make_gateway(services.config)

    def rival() -> None:  # the second checkout lands first, giving the member its customer
        handle_event(services.db, plain, services.config, completed_event(second_events))

    racing = RivalDuringPurchases(plain, rival)
    outcome = handle_event(services.db, racing, services.config, completed_event(first_events))
    assert outcome == "applied" and racing.rival is None
    # The transaction first needed the first customer's purchases; once fetched, it ran again
    # and found the member's own customer now the second, so that one was fetched and it ran
    # once more (each answer fetched once, none while a transaction was open).
    assert racing.asked == [first_customer, second_customer]
    with services.db.session() as session:
        member = session.get(Member, member_id)
        assert member is not None and member.stripe_customer_id == second_customer
        assert member.plan == "monthly" and member.status == "active"
        outcomes = dict(session.execute(select(Checkout.id, Checkout.outcome)).all())
    assert outcomes == {first: "member", second: "member"}
    assert watch.held_open() == []
