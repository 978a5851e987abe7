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

    def gift_words(self, show_title: str) -> str:
        """What the recipient gets, as a person says it: "three months of Love TV",
        "a year of Love TV", "Love TV for good"."""
        if self.months is None:
            return f"{show_title} for good"
        spans = {3: "three months", 12: "a year"}
        return f"{spans.get(self.months, f'{self.months} months')} of {show_title}"


# Beside the plans ($77 a month, $222 a year, $333 for good): three months cost less than a
# year and less than three months paid monthly; a year and for good cost what the plans do.
# The demo billing charges these; live, each gift's one-time Stripe Price is what is charged.
GIFT_PLANS = (
    GiftPlan("months-3", "Three months", "$99 once", 9900, 3, "months-3"),
    GiftPlan("yearly", "A year", "$222 once", 22200, 12, "gift-yearly"),
    GiftPlan("lifetime", "For good", "$333 once", 33300, None, "gift-lifetime"),
)
GIFT_BY_SLUG = {p.slug: p for p in GIFT_PLANS}
GIFT_PRICE_KEYS = tuple(p.price_key for p in GIFT_PLANS)
