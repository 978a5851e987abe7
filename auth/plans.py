"""The plans a member can be on and the statuses they can be in: one table, one home.

Every other list of plans (the CLI's `--plan` choices, the names `LOVETV_STRIPE_PRICES`
takes, the landing page's prices, the gifts on sale, which purchase outranks which) is
derived from `PLAN_TABLE`, so adding a plan is one row here plus its Stripe Price. The
enums are `StrEnum`s: a member compares equal to the stored string (`Plan.COMP == "comp"`),
so rows already in the database and the words of the CLI stay exactly what they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Plan(StrEnum):
    """What a member is on (`Member.plan`), or what a gift gives."""

    COMP = "comp"  # given by the show, never billed
    MONTHLY = "monthly"
    YEARLY = "yearly"
    LIFETIME = "lifetime"  # one payment, good until refunded or disputed
    GIFT = "gift"  # a redeemed gift's membership (its length is the gift's)
    MONTHS_3 = "months-3"  # sold only as a gift


class MemberStatus(StrEnum):
    """Whether a member may listen (`Member.status`)."""

    ACTIVE = "active"
    LAPSED = "lapsed"
    REVOKED = "revoked"


class BillingState(StrEnum):
    """What a member's status was derived from (`Member.billing_state`): a Stripe
    subscription status (https://docs.stripe.com/billing/subscriptions/overview), a lifetime
    payment's state, or a membership billed outside Stripe."""

    ACTIVE = "active"
    TRIALING = "trialing"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    PAUSED = "paused"
    PAID = "paid"  # a lifetime payment
    REFUNDED = "refunded"
    DISPUTED = "disputed"
    GIFT = "gift"  # access until `grace_until` (None: for good)
    PREPAID = "prepaid"  # paid on the show's earlier platform, access until `grace_until`


# A subscription Stripe still bills (a gift redeemed meanwhile is credited to it).
SUBSCRIBED = (BillingState.ACTIVE, BillingState.TRIALING, BillingState.PAST_DUE)


@dataclass(frozen=True)
class GiftTerms:
    """How a plan is sold as a gift (one payment, whatever the plan's own billing)."""

    title: str  # "A year"
    price_text: str
    cents: int  # what the demo billing charges; Stripe's Price is what is charged live
    price_key: str  # the LOVETV_STRIPE_PRICES name of its one-time Price


@dataclass(frozen=True)
class PlanRow:
    """One plan: what members read, what one payment covers, and how it is sold."""

    plan: Plan
    name: str  # as a member reads it: "Complimentary", never the stored code
    months: int | None  # months one payment (or gift) covers; None: for good, or unbilled
    rank: int = 0  # of two purchases that both give access, the higher rank decides
    assignable: bool = False  # an operator may put a member on it (`member add --plan`)
    # On sale as a membership (`/join/<plan>`): its title, price words, cents, Price name.
    title: str | None = None
    price_text: str = ""
    cents: int = 0
    price_key: str | None = None
    gift: GiftTerms | None = None  # on sale as a gift (`/gift/<plan>`)

    @property
    def paying(self) -> bool:
        """Bought through Stripe as a membership."""
        return self.price_key is not None


# Beside the plans ($77 a month, $222 a year, $333 for good): a three-month gift costs less
# than a year and less than three months paid monthly; a year and for good cost what the
# plans do. The demo billing charges these; live, each Stripe Price is what is charged.
# fmt: off
PLAN_TABLE = (
    PlanRow(Plan.COMP, "Complimentary", None, assignable=True),
    PlanRow(
        Plan.MONTHLY, "Monthly", 1, rank=1, assignable=True,
        title="Monthly membership", price_text="$77 / month", cents=7700, price_key="monthly",
    ),
    PlanRow(
        Plan.YEARLY, "Yearly", 12, rank=2, assignable=True,
        title="Yearly membership", price_text="$222 / year", cents=22200, price_key="yearly",
        gift=GiftTerms("A year", "$222 once", 22200, "gift-yearly"),
    ),
    PlanRow(
        Plan.LIFETIME, "Lifetime", None, rank=3, assignable=True,
        title="Lifetime membership", price_text="$333 once, yours for good", cents=33300,
        price_key="lifetime", gift=GiftTerms("For good", "$333 once", 33300, "gift-lifetime"),
    ),
    PlanRow(Plan.GIFT, "Gift", None),
    PlanRow(
        Plan.MONTHS_3, "Three months", 3,
        gift=GiftTerms("Three months", "$99 once", 9900, "months-3"),
    ),
)
# fmt: on
PLAN_ROWS = {row.plan.value: row for row in PLAN_TABLE}

# Derived tables, as plain strings (what the database, click and templates hold).
MEMBER_PLANS = tuple(row.plan.value for row in PLAN_TABLE if row.assignable)
PAYING_PLANS = tuple(row.plan.value for row in PLAN_TABLE if row.paying)
RECURRING_PLANS = tuple(row.plan.value for row in PLAN_TABLE if row.paying and row.months)
# Gifts shortest first, "for good" last.
GIFT_ROWS = tuple(
    sorted(
        (row for row in PLAN_TABLE if row.gift is not None),
        key=lambda row: (row.months is None, row.months or 0),
    )
)
GIFT_PRICE_KEYS = tuple(row.gift.price_key for row in GIFT_ROWS if row.gift is not None)
# The names LOVETV_STRIPE_PRICES takes: the plans, then the gifts' one-time Prices.
PRICE_NAMES = (
    *(row.price_key for row in PLAN_TABLE if row.price_key is not None),
    *GIFT_PRICE_KEYS,
)
PLAN_RANK = {row.plan.value: row.rank for row in PLAN_TABLE if row.rank}


def plan_of_interval(interval: str | None) -> Plan:
    """The subscription plan Stripe bills at this interval ("year": yearly, else monthly)."""
    return Plan.YEARLY if interval == "year" else Plan.MONTHLY
