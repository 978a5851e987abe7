"""The access table: Stripe subscription and payment states -> who may listen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth.access import listening_access
from auth.billing_rules import (
    SUBSCRIPTION_RULES,
    LifetimePurchase,
    SubscriptionState,
    decide_membership,
    lifetime_outcome,
    subscription_outcome,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GRACE_DAYS = 7


def sub(status: str, plan: str = "monthly", created: int = 100, **fields) -> SubscriptionState:  # type: ignore[no-untyped-def]
    return SubscriptionState(
        id=f"sub_{status}_{created}",
        customer_id="cus_1",
        status=status,
        plan=plan,
        created=created,
        current_period_start=fields.pop("start", NOW - timedelta(days=1)),
        current_period_end=fields.pop("end", NOW + timedelta(days=29)),
        **fields,
    )


@pytest.mark.parametrize(
    ("status", "expected", "notice", "reason"),
    [
        ("active", "active", None, "subscription active"),
        ("trialing", "active", None, "trial"),
        ("past_due", "active", "payment_problem", "payment problem: update your card"),
        ("canceled", "lapsed", "lapsed", "subscription canceled"),
        ("unpaid", "lapsed", "lapsed", "subscription unpaid"),
        ("incomplete", "lapsed", "lapsed", "first payment not completed"),
        ("incomplete_expired", "lapsed", "lapsed", "first payment never completed"),
        ("paused", "lapsed", "lapsed", "subscription paused"),
        ("some_future_status", "lapsed", "lapsed", "unrecognised subscription status"),
    ],
)
def test_each_subscription_status_decides_access(
    status: str, expected: str, notice: str | None, reason: str
) -> None:
    subscription = sub(status)
    outcome = subscription_outcome(subscription, NOW, GRACE_DAYS)
    assert outcome.status == expected
    assert outcome.billing_state == status
    # The reason is what the member and the operator read; the id is what the portal uses.
    assert (outcome.reason, outcome.subscription_id) == (reason, subscription.id)
    decision = listening_access(outcome.status, outcome.billing_state, outcome.grace_until, NOW)
    assert decision.notice == notice
    assert decision.allowed == (expected == "active")


@pytest.mark.parametrize("status", ["canceled", "past_due", "unpaid"])
def test_cancelling_at_period_end_says_so_only_while_the_subscription_grants_access(
    status: str,
) -> None:
    # A cancellation scheduled on a subscription that no longer pays changes nothing.
    plain = subscription_outcome(sub(status), NOW, GRACE_DAYS)
    scheduled = subscription_outcome(sub(status, cancel_at_period_end=True), NOW, GRACE_DAYS)
    assert (scheduled.status, scheduled.reason) == (plain.status, plain.reason)


def test_the_table_names_every_status_stripe_documents() -> None:
    assert set(SUBSCRIPTION_RULES) == {
        "active",
        "trialing",
        "past_due",
        "canceled",
        "unpaid",
        "incomplete",
        "incomplete_expired",
        "paused",
    }


def test_past_due_grace_counts_from_the_failed_renewal_not_from_each_event() -> None:
    failed_at = NOW - timedelta(days=3)
    first = subscription_outcome(sub("past_due", start=failed_at), NOW, GRACE_DAYS)
    later = subscription_outcome(
        sub("past_due", start=failed_at), NOW + timedelta(days=2), GRACE_DAYS
    )
    assert first.grace_until == later.grace_until == failed_at + timedelta(days=GRACE_DAYS)


def test_past_due_beyond_the_grace_period_is_lapsed() -> None:
    outcome = subscription_outcome(sub("past_due", start=NOW - timedelta(days=8)), NOW, 7)
    assert (outcome.status, outcome.billing_state) == ("lapsed", "past_due")
    assert "grace" in outcome.reason


def test_a_shorter_configured_grace_ends_sooner() -> None:
    outcome = subscription_outcome(sub("past_due", start=NOW - timedelta(days=2)), NOW, 1)
    assert outcome.status == "lapsed"


def test_cancelled_at_period_end_keeps_access_until_then() -> None:
    before = subscription_outcome(sub("active", cancel_at_period_end=True), NOW, GRACE_DAYS)
    assert before.status == "active" and before.reason == "cancels at period end"
    after = subscription_outcome(
        sub("active", cancel_at_period_end=True, end=NOW - timedelta(seconds=1)), NOW, GRACE_DAYS
    )
    assert after.status == "lapsed"


@pytest.mark.parametrize(
    ("since_failure", "status", "reason"),
    [
        (
            timedelta(days=GRACE_DAYS) - timedelta(seconds=1),
            "active",
            "payment problem: update your card",
        ),
        (timedelta(days=GRACE_DAYS), "lapsed", "payment problem: grace period ran out"),
    ],
)
def test_the_grace_period_ends_exactly_grace_days_after_the_failed_renewal(
    since_failure: timedelta, status: str, reason: str
) -> None:
    outcome = subscription_outcome(sub("past_due", start=NOW - since_failure), NOW, GRACE_DAYS)
    assert (outcome.status, outcome.reason) == (status, reason)


@pytest.mark.parametrize(
    ("until_end", "status", "reason"),
    [
        (timedelta(seconds=1), "active", "cancels at period end"),
        (timedelta(0), "lapsed", "subscription ended at period end"),
    ],
)
def test_a_cancelled_subscription_ends_exactly_at_its_period_end(
    until_end: timedelta, status: str, reason: str
) -> None:
    cancelled = sub("active", cancel_at_period_end=True, end=NOW + until_end)
    outcome = subscription_outcome(cancelled, NOW, GRACE_DAYS)
    assert (outcome.status, outcome.reason, outcome.period_end) == (status, reason, NOW + until_end)


@pytest.mark.parametrize(
    ("refunded", "disputed", "status"),
    [(False, False, "active"), (True, False, "revoked"), (False, True, "revoked")],
)
def test_lifetime_lasts_until_a_full_refund_or_a_dispute(
    refunded: bool, disputed: bool, status: str
) -> None:
    purchase = LifetimePurchase("cs_1", "cus_1", 100, refunded=refunded, disputed=disputed)
    outcome = lifetime_outcome(purchase)
    assert (outcome.status, outcome.plan) == (status, "lifetime")
    assert outcome.billing_state == purchase.state  # the stored state says why it was revoked


def test_a_new_subscription_after_a_lapse_gives_access_again() -> None:
    old = sub("canceled", created=100)
    new = sub("active", plan="yearly", created=200)
    outcome = decide_membership([old, new], [], NOW, GRACE_DAYS)
    assert outcome is not None and outcome.status == "active" and outcome.plan == "yearly"


def test_a_paid_up_subscription_beats_one_in_its_grace_period() -> None:
    outcome = decide_membership(
        [sub("past_due", plan="yearly", created=100), sub("active", created=200)],
        [],
        NOW,
        GRACE_DAYS,
    )
    assert outcome is not None and outcome.billing_state == "active"


def test_lifetime_outranks_a_lapsed_subscription() -> None:
    outcome = decide_membership(
        [sub("canceled", created=300)], [LifetimePurchase("cs", "cus_1", 100)], NOW, GRACE_DAYS
    )
    assert outcome is not None and (outcome.status, outcome.plan) == ("active", "lifetime")


def test_without_access_the_newest_purchase_says_why() -> None:
    refunded = LifetimePurchase("cs", "cus_1", 300, refunded=True)
    outcome = decide_membership([sub("canceled", created=100)], [refunded], NOW, GRACE_DAYS)
    assert outcome is not None and outcome.status == "revoked"
    outcome = decide_membership([sub("canceled", created=400)], [refunded], NOW, GRACE_DAYS)
    assert outcome is not None and outcome.status == "lapsed"


def test_nothing_bought_decides_nothing() -> None:
    assert decide_membership([], [], NOW, GRACE_DAYS) is None


def test_a_plan_the_table_does_not_rank_loses_to_a_known_one() -> None:
    # Stripe metadata can name any plan (e.g. one made in the Dashboard); a known plan the
    # member also pays for is the one that decides, however new the other one is.
    known = sub("active", plan="monthly", created=100)
    unranked = sub("active", plan="founders", created=200)
    outcome = decide_membership([known, unranked], [], NOW, GRACE_DAYS)
    assert outcome is not None and outcome.plan == "monthly"


def test_between_equally_new_endings_a_revocation_is_the_reason() -> None:
    refunded = LifetimePurchase("cs", "cus_1", 300, refunded=True)
    outcome = decide_membership([sub("canceled", created=300)], [refunded], NOW, GRACE_DAYS)
    assert outcome is not None
    assert (outcome.status, outcome.reason) == ("revoked", "lifetime payment refunded")
