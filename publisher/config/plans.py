"""The plan names LOVETV_STRIPE_PRICES accepts (kept apart so the plan table can replace them)."""

from __future__ import annotations

PLANS = ("monthly", "yearly", "lifetime")
# The names LOVETV_STRIPE_PRICES takes: the plans, then the gifts' one-time Prices.
PRICE_NAMES = (*PLANS, "months-3", "gift-yearly", "gift-lifetime")
