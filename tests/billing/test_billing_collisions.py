"""Two deliveries racing on one member: the loser's transaction collides, runs once more in
the same process and ends in the winner's state, with no 500 for Stripe to retry.

The race is made deterministic: the rival runs to completion exactly while the first
delivery is reading Stripe, between its "already applied?" check and its insert. Both go
through `handle_event` / `welcome_checkout` directly, so the in-process retry is what is
tested, not the webhook sender's retries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from support.stripe_app import Shop

from auth.billing_rules import BillingOutcome, SubscriptionState
from auth.plans import MemberStatus
from auth.stripe_api import CheckoutSummary, Purchases, StripeGateway
from publisher.billing.gateway import make_gateway
from publisher.billing.lookups import ConcurrentChange
from publisher.billing.membership import _claimed_ending, refresh_member
from publisher.billing.units import APPLIED, DUPLICATE, handle_event, welcome_checkout
from publisher.members.members import add_member
from publisher.models import FeedToken, Member, StripeEvent

pytestmark = pytest.mark.stripe


class RivalDuringRead(StripeGateway):
    """Stripe's API, except that the first read of a Checkout Session lets a rival finish."""

    def __init__(self, base: StripeGateway, rival: Callable[[], object]) -> None:
        self.__dict__.update(base.__dict__)
        self.rival: Callable[[], object] | None = rival

    def checkout_session(self, session_id: str) -> CheckoutSummary | None:
        rival, self.rival = self.rival, None
        if rival is not None:
            rival()
        return super().checkout_session(session_id)


def paid_checkout(shop: Shop, mp3_file: Path, email: str) -> tuple[str, dict[str, Any]]:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("monthly", email)
    (completed,) = [e for e in events if e["type"] == "checkout.session.completed"]
    return session_id, completed


def counts(shop: Shop) -> tuple[int, int, int]:
    """(members, feed tokens, recorded events)."""
    with shop.services.db.session() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Member, FeedToken, StripeEvent)
        )


def test_the_same_event_delivered_twice_at_once_is_applied_once(shop: Shop, mp3_file: Path) -> None:
    _, completed = paid_checkout(shop, mp3_file, "fay@example.com")
    services = shop.services
    plain = make_gateway(services.config)
    results: list[str] = []

    def rival() -> None:
        results.append(handle_event(services.db, plain, services.config, completed))

    racing = RivalDuringRead(plain, rival)
    results.append(handle_event(services.db, racing, services.config, completed))
    assert racing.rival is None  # the rival really ran inside the first delivery
    assert results == [APPLIED, DUPLICATE]
    assert counts(shop) == (1, 1, 1)
    assert shop.member("fay@example.com")["status"] == "active"


def test_a_webhook_racing_the_welcome_page_ends_with_one_member_and_one_link(
    shop: Shop, mp3_file: Path
) -> None:
    session_id, completed = paid_checkout(shop, mp3_file, "gus@example.com")
    services = shop.services
    plain = make_gateway(services.config)
    checkout = plain.checkout_session(session_id)
    assert checkout is not None

    def welcome_page() -> None:
        assert welcome_checkout(services.db, plain, services.config, checkout) is not None

    racing = RivalDuringRead(plain, welcome_page)
    assert handle_event(services.db, racing, services.config, completed) == APPLIED
    assert racing.rival is None
    assert counts(shop) == (1, 1, 1)
    token = shop.token_of("gus@example.com")
    assert [title for title, _ in shop.listen(token)] == ["First Steps"]


def test_of_two_refreshes_ending_one_membership_only_the_first_claims_the_ending(
    shop: Shop,
) -> None:
    """The ending (and its email) is claimed by a conditional UPDATE from active: a refresh
    that read the member as active after a rival ended it claims nothing."""
    db, secret = shop.services.db, shop.services.config.secret_key
    lapse = BillingOutcome(MemberStatus.LAPSED, "canceled", "monthly", "ended", "cus_1")
    with db.session() as session:
        member_id = add_member(session, secret, "ann@example.com", plan="monthly").id
    with db.session() as session:
        member = session.get(Member, member_id)
        assert member is not None and member.status == MemberStatus.ACTIVE
        with db.session() as rival:  # ends it first, and commits
            assert _claimed_ending(rival, rival.get(Member, member_id), lapse, None) == "lapsed"
        assert member.status == MemberStatus.ACTIVE  # as this refresh read it
        assert _claimed_ending(session, member, lapse, None) is None
    with db.session() as session:  # nothing to claim when the outcome ends nothing
        restored = session.get(Member, member_id)
        restored.status = MemberStatus.ACTIVE
        active = BillingOutcome(MemberStatus.ACTIVE, "active", "monthly", "paid", "cus_1")
        assert _claimed_ending(session, restored, active, None) is None
        assert restored.status == MemberStatus.ACTIVE


def subscribed(status: str) -> Purchases:
    """One monthly subscription in `status`, paid up to far ahead."""
    end = datetime(2999, 1, 1, tzinfo=UTC)
    return Purchases((SubscriptionState("sub_1", "cus_1", status, "monthly", 1, None, end),))


def test_an_older_event_does_not_end_a_membership_a_newer_one_kept(shop: Shop) -> None:
    """The ending is claimed only for an event at least as new as the member's last one."""
    services = shop.services
    with services.db.session() as session:
        member = add_member(session, services.config.secret_key, "ann@example.com", "monthly")
        member.billing_version, member_id = 200, member.id
    with services.db.session() as session:
        member = session.get(Member, member_id)
        refresh_member(
            session, services.config, member, subscribed("canceled"), email=None, version=100
        )
    with services.db.session() as session:
        assert session.get(Member, member_id).status == MemberStatus.ACTIVE
    assert shop.outbox("membership_ended") == []


def test_a_customer_whose_address_became_a_member_meanwhile_is_a_collision(shop: Shop) -> None:
    """Never merged into that member: the unit runs again and finds them by customer."""
    services = shop.services
    with services.db.session() as session:
        add_member(session, services.config.secret_key, "ann@example.com", "monthly")
    with services.db.session() as session, pytest.raises(ConcurrentChange, match="ann@"):
        refresh_member(
            session, services.config, None, subscribed("active"),
            email="ann@example.com", version=None,
        )  # fmt: skip


def test_a_paying_customer_with_no_address_makes_no_member(shop: Shop) -> None:
    """Identity comes from an email address: a customer Stripe has none for is nobody yet."""
    services = shop.services
    with services.db.session() as session:
        made = refresh_member(
            session, services.config, None, subscribed("active"), email=None, version=None
        )
        assert made == (None, None)
        assert session.scalar(select(func.count()).select_from(Member)) == 0
