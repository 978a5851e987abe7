"""Emails caused by Stripe: a membership that ends is told once, however events arrive."""

from __future__ import annotations

import pytest
from support.stripe_app import Shop

pytestmark = pytest.mark.stripe

DAY = 86400


def test_a_lapse_emails_the_member_once_even_with_repeated_events(shop: Shop) -> None:
    session_id, events = shop.buy("monthly", "ann@example.com")
    shop.deliver(*events)
    sub = shop.stripe.session_subscription(session_id)
    ended = shop.stripe.end_subscription(sub, "canceled")
    shop.deliver(*ended, *ended)
    shop.deliver(*shop.stripe.renew(sub))  # Stripe has it canceled still: no flapping
    mails = shop.outbox("membership_ended")
    assert [m.to_address for m in mails] == ["ann@example.com"]
    assert "lapsed" in mails[0].body_text
    assert "Stripe reports: subscription canceled" in mails[0].body_text  # why, in words
    assert f"{shop.url}/" in mails[0].body_text


def test_a_full_refund_of_lifetime_emails_that_the_membership_ended(shop: Shop) -> None:
    session_id, events = shop.buy("lifetime", "bo@example.com")
    shop.deliver(*events)
    shop.deliver(*shop.stripe.refund(shop.stripe.session_charge(session_id)))
    (mail,) = shop.outbox("membership_ended")
    assert mail.to_address == "bo@example.com" and "been ended" in mail.body_text


def test_a_payment_problem_within_grace_sends_no_ending(shop: Shop) -> None:
    session_id, events = shop.buy("monthly", "cy@example.com")
    shop.deliver(*events, *shop.stripe.fail_renewal(shop.stripe.session_subscription(session_id)))
    assert shop.outbox("membership_ended") == []
    assert [m.to_address for m in shop.outbox("welcome")] == ["cy@example.com"]
