"""The gifts on sale: what each gives and which of `LOVETV_STRIPE_PRICES` it is charged at."""

from __future__ import annotations

from dataclasses import dataclass


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


GIFT_PLANS = (
    GiftPlan("months-3", "Three months", "$199 once", 19900, 3, "months-3"),
    GiftPlan("yearly", "A year", "$222 once", 22200, 12, "gift-yearly"),
    GiftPlan("lifetime", "For good", "$333 once", 33300, None, "gift-lifetime"),
)
GIFT_BY_SLUG = {p.slug: p for p in GIFT_PLANS}
GIFT_PRICE_KEYS = tuple(p.price_key for p in GIFT_PLANS)
