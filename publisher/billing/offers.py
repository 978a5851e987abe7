"""What the join page offers and the Checkout it starts carries: a trial, a promotion code.

Decided once per request from the configuration, the signed-in member (if any) and the
`?code=` of a join link, so the page a buyer reads and the Checkout Session they are sent to
agree. A code is looked up through Stripe; a code that does not work never stops the join:
the plan is shown at its full price with the reason, and Checkout still takes a typed code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from auth.offers import CheckoutOffer, charged_words, trial_days
from auth.plans import RECURRING_PLANS
from auth.stripe_api import StripeFailure, StripeGateway
from publisher.config import Config
from publisher.members.plans import BY_SLUG
from publisher.models import Member, utcnow

# What a promotion code can look like (Stripe: letters, digits, dashes, underscores).
CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class JoinOffer:
    """The join page's words and the Checkout's extras for one plan and one buyer."""

    checkout: CheckoutOffer
    code: str = ""  # the code carried by the form, when it works
    trial: int | None = None
    code_words: str | None = None  # "Code LAUNCH: 20% off for 3 months."
    code_problem: str | None = None  # why a code from the link is not applied
    no_second_trial: bool = False  # a trial is configured, but this member had one
    charged: str = ""  # "7 days free (until 14 December 2026), then $77 / month"


def join_offer(
    config: Config, gateway: StripeGateway, plan: str, member: Member | None, code: str
) -> JoinOffer:
    """The trial this buyer may have and the code from the link, checked with Stripe."""
    offer = _join_offer(config, gateway, plan, member, code)
    price = BY_SLUG[plan]
    until = None
    if offer.trial:
        until = (utcnow() + timedelta(days=offer.trial)).strftime("%-d %B %Y")
    charged = charged_words(price.cents, price.interval, offer.coupon, offer.trial, until)
    return replace(offer.join, charged=charged)


@dataclass(frozen=True)
class _Found:
    join: JoinOffer
    coupon: Mapping[str, Any] | None = None

    @property
    def trial(self) -> int | None:
        return self.join.trial


def _join_offer(
    config: Config, gateway: StripeGateway, plan: str, member: Member | None, code: str
) -> _Found:
    before = _subscribed_before(gateway, member) if config.trial_days.get(plan) else False
    trial = trial_days(plan, config.trial_days, before)
    no_second = bool(config.trial_days.get(plan)) and before
    allow = config.promotion_codes
    code = code.strip()[:64]
    if not code or not allow:
        return _Found(
            JoinOffer(CheckoutOffer(trial, None, allow), "", trial, None, None, no_second)
        )
    problem = f"The code {code} does not exist, so the plan is shown at its full price."
    found = None
    if CODE.match(code):
        try:
            found = gateway.promotion_code(code)
        except StripeFailure:
            problem = (
                f"The code {code} could not be checked just now: you can type it on the "
                "payment page."
            )
    if found is None or not found.usable:
        if found is not None:
            problem = f"The code {code}: {found.words}, so the plan is shown at its full price."
        return _Found(
            JoinOffer(CheckoutOffer(trial, None, allow), "", trial, None, problem, no_second)
        )
    offer = CheckoutOffer(trial, found.id, allow)
    return _Found(JoinOffer(offer, found.code, trial, found.applied, None, no_second), found.coupon)


def _subscribed_before(gateway: StripeGateway, member: Member | None) -> bool:
    """A trial is for a first subscription: a member who had one (here or at Stripe) has not."""
    if member is None:
        return False
    if member.stripe_subscription_id or member.plan in RECURRING_PLANS:
        return True
    if not member.stripe_customer_id:
        return False
    try:
        return gateway.ever_subscribed(member.stripe_customer_id)
    except StripeFailure:
        return True  # when in doubt, no second trial: the page says so, Checkout charges
