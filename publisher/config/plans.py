"""The plan names LOVETV_STRIPE_PRICES accepts, derived from the one plan table."""

from __future__ import annotations

from auth.plans import PAYING_PLANS, PRICE_NAMES

PLANS = PAYING_PLANS  # the plans on sale; PRICE_NAMES adds the gifts' one-time Prices

__all__ = ["PLANS", "PRICE_NAMES"]
