"""What a buyer is offered on top of a plan's price: a free trial and a promotion code.

Plain rules over plain values, so the join page and the Checkout it starts agree. A trial
is for a first subscription only (Stripe would start a second one just as happily, so the
rule lives here). Promotion codes are Stripe's own objects, read here in the API's current
shape (since 2025-09-30 the coupon sits under `promotion`; older shapes carried `coupon` at
the top: https://docs.stripe.com/changelog/clover/2025-09-30/add-promotion-field-promotion-codes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auth.plans import Plan


@dataclass(frozen=True)
class CheckoutOffer:
    """What the Checkout Session carries beyond the price."""

    trial_days: int | None = None
    promotion_code_id: str | None = None  # pre-applied (then Checkout takes no other code)
    allow_promotion_codes: bool = True


def trial_days(plan: str, configured: Mapping[str, int], subscribed_before: bool) -> int | None:
    """The plan's free days for someone who never had a subscription; None otherwise."""
    if plan == Plan.LIFETIME or subscribed_before:
        return None
    days = configured.get(plan)
    return days if days else None


@dataclass(frozen=True)
class PromotionOffer:
    """A promotion code as a buyer reads it, and whether it can be used now."""

    code: str
    id: str
    usable: bool
    words: str  # "20% off for 3 months", or why it cannot be used
    coupon: Mapping[str, Any] | None = None  # its terms, for the price as charged

    @property
    def applied(self) -> str:
        return f"Code {self.code}: {self.words}."


def promotion_offer(raw: Mapping[str, Any], now: int) -> PromotionOffer:
    """A Stripe PromotionCode (its coupon expanded) as an offer, or the reason it is not one."""
    coupon = ((raw.get("promotion") or {}).get("coupon")) or raw.get("coupon") or {}
    code, code_id = str(raw.get("code") or ""), str(raw.get("id") or "")
    expires_at = raw.get("expires_at")
    limit, used = raw.get("max_redemptions"), int(raw.get("times_redeemed") or 0)
    if (expires_at and int(expires_at) <= now) or (limit is not None and used >= int(limit)):
        return PromotionOffer(code, code_id, False, "this code has expired")
    if not raw.get("active") or not isinstance(coupon, Mapping) or not coupon.get("valid", True):
        return PromotionOffer(code, code_id, False, "this code is no longer valid")
    return PromotionOffer(code, code_id, True, discount_words(coupon), dict(coupon))


def discount_words(coupon: Mapping[str, Any]) -> str:
    """ "20% off for 3 months", "$10.00 off once", "50% off": a coupon as a sentence part."""
    if coupon.get("percent_off"):
        amount = f"{float(coupon['percent_off']):g}% off"
    else:
        amount = f"${int(coupon.get('amount_off') or 0) / 100:,.2f} off"
    duration = coupon.get("duration")
    if duration == "repeating" and coupon.get("duration_in_months"):
        months = int(coupon["duration_in_months"])
        return f"{amount} for {months} month{'s' if months != 1 else ''}"
    if duration == "once":
        return f"{amount} the first payment"
    return amount


def money(cents: int) -> str:
    """ "$77", "$61.60": whole dollars without cents, as the plans are priced."""
    if cents % 100 == 0:
        return f"${cents // 100:,}"
    return f"${cents / 100:,.2f}"


def price_words(cents: int, interval: str | None) -> str:
    """ "$77 / month", "$222 / year", "$333 once": one plan's price."""
    return f"{money(cents)} / {interval}" if interval else f"{money(cents)} once"


def discounted_cents(cents: int, coupon: Mapping[str, Any]) -> int:
    """One payment of `cents` with the coupon taken off, as Stripe rounds it."""
    if coupon.get("percent_off"):
        return max(0, cents - round(cents * float(coupon["percent_off"]) / 100))
    return max(0, cents - int(coupon.get("amount_off") or 0))


def charged_words(
    cents: int,
    interval: str | None,
    coupon: Mapping[str, Any] | None = None,
    trial_days: int | None = None,
    trial_until: str | None = None,
) -> str:
    """What a buyer pays, in the order it happens: "7 days free (until 14 December 2026),
    then $61.60 / month for the first 3 months, then $77 / month"."""
    steps = []
    if trial_days:
        steps.append(f"{trial_days} days free" + (f" (until {trial_until})" if trial_until else ""))
    full = price_words(cents, interval)
    if coupon:
        off = discounted_cents(cents, coupon)
        duration = coupon.get("duration") or "once"
        if interval is None:
            return ", then ".join([*steps, f"{price_words(off, None)} (instead of {money(cents)})"])
        if duration == "forever":
            return ", then ".join([*steps, price_words(off, interval)])
        periods = 1
        if duration == "repeating" and coupon.get("duration_in_months"):
            months = int(coupon["duration_in_months"])
            periods = months if interval == "month" else -(-months // 12)
        first = f"the first {interval}" if periods == 1 else f"the first {periods} {interval}s"
        steps.append(f"{price_words(off, interval)} for {first}")
    steps.append(full)
    return ", then ".join(steps)
