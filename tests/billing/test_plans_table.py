"""Every list of plans is read off `auth.plans.PLAN_TABLE`, and reads what it always did:
the CLI's `--plan` words, the names `LOVETV_STRIPE_PRICES` takes, the plans and gifts on sale
in their order, and which purchase outranks which."""

from __future__ import annotations

from datetime import UTC, datetime

from auth.billing_rules import LifetimePurchase, decide_membership
from auth.plans import (
    MEMBER_PLANS,
    PLAN_RANK,
    PLAN_TABLE,
    PRICE_NAMES,
    BillingState,
    MemberStatus,
    Plan,
)
from publisher.config import PLANS
from publisher.gifts.plans import GIFT_PLANS, GIFT_PRICE_KEYS
from publisher.members.plans import PAYING_PLANS, PLAN_NAMES, plan_name

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def test_the_words_people_type_and_store_stay_the_same() -> None:
    assert MEMBER_PLANS == ("comp", "monthly", "yearly", "lifetime")
    assert PLANS == PAYING_PLANS == ("monthly", "yearly", "lifetime")
    assert PRICE_NAMES == (
        "monthly",
        "yearly",
        "lifetime",
        "months-3",
        "gift-yearly",
        "gift-lifetime",
    )
    assert [status.value for status in MemberStatus] == ["active", "lapsed", "revoked"]
    assert Plan.COMP == "comp" and BillingState.PAST_DUE == "past_due"
    assert f"{Plan.LIFETIME}" == "lifetime" and str(MemberStatus.REVOKED) == "revoked"


def test_gifts_are_on_sale_shortest_first_at_their_own_prices() -> None:
    assert [(g.slug, g.months, g.price_key) for g in GIFT_PLANS] == [
        ("months-3", 3, "months-3"),
        ("yearly", 12, "gift-yearly"),
        ("lifetime", None, "gift-lifetime"),
    ]
    assert GIFT_PRICE_KEYS == ("months-3", "gift-yearly", "gift-lifetime")


def test_every_plan_has_a_name_members_read_and_no_stored_code_shows() -> None:
    assert set(PLAN_NAMES) == {row.plan for row in PLAN_TABLE}
    assert plan_name("comp") == "Complimentary" and plan_name("gift") == "Gift"


def test_a_lifetime_purchase_outranks_any_subscription() -> None:
    assert PLAN_RANK == {"monthly": 1, "yearly": 2, "lifetime": 3}
    outcome = decide_membership([], [LifetimePurchase("cs_1", "cus_1", 1)], now=NOW, grace_days=7)
    assert outcome is not None and outcome.plan == Plan.LIFETIME == "lifetime"
