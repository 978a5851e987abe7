"""The gifts on sale: what each gives and which of `LOVETV_STRIPE_PRICES` it is charged at."""

from __future__ import annotations

from dataclasses import dataclass

from auth.plans import GIFT_ROWS


@dataclass(frozen=True)
class GiftPlan:
    """A gift as a buyer chooses it."""

    slug: str  # as in /gift/<slug>
    title: str
    price_text: str
    cents: int  # what the demo billing charges; Stripe's Price is what is charged live
    months: int | None  # None: for good
    price_key: str  # the LOVETV_STRIPE_PRICES name of its one-time Price

    @property
    def days(self) -> int | None:
        """The days it gives: three months is 91, a year 365 (months of 30.44 days)."""
        return None if self.months is None else round(self.months * 30.44)

    @property
    def length(self) -> str:
        """ "3 months", "a year", "for good": what the recipient gets, as a sentence part."""
        if self.months is None:
            return "for good"
        return "a year" if self.months == 12 else f"{self.months} months"

    def gift_words(self, show_title: str) -> str:
        """What the recipient gets, as a person says it: "three months of Love TV",
        "a year of Love TV", "Love TV for good"."""
        if self.months is None:
            return f"{show_title} for good"
        spans = {3: "three months", 12: "a year"}
        return f"{spans.get(self.months, f'{self.months} months')} of {show_title}"


# Their prices and why they are what they are: `auth.plans.PLAN_TABLE`.
GIFT_PLANS = tuple(
    GiftPlan(row.plan.value, g.title, g.price_text, g.cents, row.months, g.price_key)
    for row in GIFT_ROWS
    if (g := row.gift) is not None
)
GIFT_BY_SLUG = {p.slug: p for p in GIFT_PLANS}
GIFT_PRICE_KEYS = tuple(p.price_key for p in GIFT_PLANS)
