"""The demo: what `make run` shows a newcomer before they have a show of their own.

`seed` fills the database with the demo show, season, episodes and member (`lovetv demo`),
from the audio and texts in `media/` and the trailer video `video` draws. `billing` is a
local stand-in for Stripe that `lovetv serve` starts in development without a Stripe key,
so joining can be tried without an account. The stand-in runs only from a development
checkout: the built package leaves it out, and then joining is closed until a Stripe key is
set (`STAND_IN_MISSING` says so).

Nothing here is imported at start-up; the seed and the stand-in are loaded when used.
"""

from __future__ import annotations

from functools import cache
from importlib.util import find_spec
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publisher.config import Config

STAND_IN_MISSING = (
    "the demo checkout runs only from a development checkout of the source (make install, "
    "then make run): set STRIPE_API_KEY to take payments with this install"
)


def stand_in_wanted(config: Config) -> bool:
    """Demo billing runs only in development, and only when no Stripe key is configured."""
    return config.dev and not config.stripe_api_key


@cache
def stand_in_shipped() -> bool:
    """Whether this install holds the Stripe stand-in (a development checkout does, a wheel
    does not)."""
    return find_spec("publisher.demo.billing") is not None


def with_running_stand_in(config: Config) -> Config:
    """`config` pointed at this show's running stand-in, when this install has one and it
    runs (the CLI's billing commands then reach it); otherwise unchanged."""
    if not stand_in_shipped():
        return config
    from publisher.demo.billing.running import with_running_demo_billing

    return with_running_demo_billing(config)
