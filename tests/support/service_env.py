"""The one place a test's service environment is spelled.

Every test app, CLI run and served process is configured through these variables, so a
new required setting is added here once. Variants (a fake Stripe account, an SMTP server,
a real loopback address) are arguments, not copies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from support.fake_stripe import FakeStripeAccount

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
BASE_URL = "http://podcasts.lovetv.test"


def service_env(
    database_url: str,
    storage_url: str,
    *,
    base_url: str = BASE_URL,
    secret: str = TEST_SECRET,
    allow_http: bool = True,
    stripe: FakeStripeAccount | None = None,
    **extra: str,
) -> dict[str, str]:
    """The variables of a production-mode service over this database and store.

    `allow_http` lets a plain-HTTP test address through production's HTTPS check; with a
    `stripe` account the service sells through that fake account's API and prices.
    """
    env = {
        "LOVETV_DATABASE_URL": database_url,
        "LOVETV_STORAGE_URL": storage_url,
        "LOVETV_BASE_URL": base_url,
        "LOVETV_SECRET_KEY": secret,
        "LOVETV_ENV": "production",
    }
    if allow_http:
        env["LOVETV_ALLOW_HTTP"] = "1"
    if stripe is not None:
        from support.fake_stripe import PRICES_SETTING
        from support.stripe_app import WEBHOOK_SECRET

        env |= {
            "STRIPE_API_KEY": stripe.api_key,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe.base_url,
            "LOVETV_STRIPE_PRICES": PRICES_SETTING,
        }
    return env | extra
