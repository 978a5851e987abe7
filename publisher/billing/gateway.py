"""The Stripe API of this configuration, and why there is none.

Every module that talks to Stripe (the webhook, the join and gift pages, the CLI, the jobs)
asks here first whether billing can run, then for the gateway; nothing here reads or writes
a member.
"""

from __future__ import annotations

from auth.stripe_api import StripeGateway
from publisher.config import Config
from publisher.demo import STAND_IN_MISSING, stand_in_shipped


def billing_unavailable(config: Config, *, webhook: bool = False) -> str | None:
    """Why billing cannot run in this configuration, or None when it can."""
    if not config.stripe_api_key and config.dev and not stand_in_shipped():
        return f"billing is not configured: {STAND_IN_MISSING}"
    if not config.stripe_api_key and config.dev:
        return (
            "billing is not configured: demo billing is not running (`make run` starts it) "
            "and STRIPE_API_KEY is not set"
        )
    if not config.stripe_api_key:
        return "billing is not configured on this server (STRIPE_API_KEY is not set)"
    if webhook and not config.stripe_webhook_secret:
        return (
            "Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET is not set)"
        )
    return None


def make_gateway(config: Config) -> StripeGateway:
    """The Stripe API of this configuration (call only when `billing_unavailable` is None)."""
    assert config.stripe_api_key
    return StripeGateway(config.stripe_api_key, config.stripe_api_base, config.stripe_prices)
