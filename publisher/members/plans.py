"""The plans on sale and their prices: one place for the landing page and the revenue sums.

Prices are in cents. Monthly recurring revenue counts a yearly plan as a twelfth of its
price and a lifetime plan (one payment) as nothing recurring.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from auth.plans import PLAN_TABLE, MemberStatus


@dataclass(frozen=True)
class PlanPrice:
    """A plan as members buy it."""

    slug: str
    title: str
    price_text: str
    cents: int
    months: int | None  # months one payment covers; None: once, for good

    @property
    def interval(self) -> str | None:
        """ "month" or "year" for a subscription, None for a single payment."""
        return {1: "month", 12: "year"}.get(self.months or 0)

    @property
    def monthly_cents(self) -> Decimal:
        """What the plan brings in per month, recurring (0 for lifetime and comp)."""
        if self.months is None:
            return Decimal(0)
        return Decimal(self.cents) / self.months


PLAN_PRICES = tuple(
    PlanPrice(row.plan.value, row.title or row.name, row.price_text, row.cents, row.months)
    for row in PLAN_TABLE
    if row.paying
)
BY_SLUG = {p.slug: p for p in PLAN_PRICES}
PAYING_PLANS = tuple(BY_SLUG)


def parse_regular_prices(raw: str) -> dict[str, int]:
    """`monthly=199,yearly=499,lifetime=799` (dollars, cents allowed) as cents per plan;
    an empty text is none. Raises ValueError with the entry that is wrong."""
    prices: dict[str, int] = {}
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        plan, sep, amount = part.partition("=")
        try:
            cents = round(Decimal(amount.strip().lstrip("$")) * 100) if sep else -1
        except ArithmeticError:
            cents = -1
        if plan.strip() not in BY_SLUG or cents <= 0:
            raise ValueError(
                f"bad regular price {part!r} (expected e.g. monthly=199,yearly=499,lifetime=799)"
            )
        prices[plan.strip()] = cents
    return prices


def regular_prices_text(prices: dict[str, int]) -> str:
    """The stored form of `parse_regular_prices`' result: `monthly=199,yearly=499.50`."""
    return ",".join(
        f"{plan}={cents // 100 if cents % 100 == 0 else f'{cents / 100:.2f}'}"
        for plan, cents in sorted(prices.items(), key=lambda item: PAYING_PLANS.index(item[0]))
    )


def monthly_revenue_cents(plan: str) -> Decimal:
    """Recurring revenue per month of one active member on `plan` (comp: nothing)."""
    price = BY_SLUG.get(plan)
    return price.monthly_cents if price else Decimal(0)


# What members read for each plan and status: never the stored codes (`comp`, `past_due`).
PLAN_NAMES = {row.plan.value: row.name for row in PLAN_TABLE}
STATUS_NAMES = {
    MemberStatus.ACTIVE.value: "Active",
    MemberStatus.LAPSED.value: "Ended",
    MemberStatus.REVOKED.value: "Ended by the show",
}


def plan_name(plan: str) -> str:
    """ "Complimentary" for `comp`, "Monthly" for `monthly`: a plan as a member reads it."""
    return PLAN_NAMES.get(plan, plan.replace("_", " ").capitalize())
