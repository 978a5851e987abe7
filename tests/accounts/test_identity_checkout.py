"""Identity at checkout: an email typed at Stripe Checkout never reveals or changes a member.

Stripe does not verify that address. These tests pay as an attacker who types an existing
member's email, and check what the attacker's browser sees, what happens at Stripe, and
what the member is told; then the welcome page's window and its rotation rule.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from support.stripe_app import Shop

from publisher.billing.welcome_page import WELCOME_WINDOW
from publisher.members import admin
from publisher.models import Checkout

pytestmark = pytest.mark.stripe

VICTIM = "vic@example.com"


def member_with_links(shop: Shop, mp3_file: Path) -> tuple[str, dict]:
    """A paying monthly member with a published season; their token and stored fields."""
    shop.add_catalog(mp3_file)
    _session_id, events = shop.buy("monthly", VICTIM)
    shop.deliver(*events)
    shop.browser.cookies.clear()
    return shop.token_of(VICTIM), shop.member(VICTIM)


@pytest.mark.parametrize("plan", ["yearly", "lifetime"])
def test_paying_with_a_members_email_reveals_and_changes_nothing_and_is_refunded(
    shop: Shop, mp3_file: Path, plan: str
) -> None:
    token, before = member_with_links(shop, mp3_file)
    portals_before = len(shop.stripe.of_kind("billing_portal.session"))
    # The attacker, in their own browser, pays typing the member's address.
    session_id, events = shop.buy(plan, VICTIM)
    cookies_before = shop.browser.cookies.get_dict()  # only the join form's CSRF session
    page = shop.welcome(session_id)  # before the webhook
    assert page.status_code == 200
    assert token not in page.text and "/feeds/" not in page.text
    assert "refunded in full" in page.text and VICTIM not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in page.headers
    assert shop.browser.cookies.get_dict() == cookies_before
    assert "lovetv_account" not in cookies_before
    # Webhooks (repeated) and reloads change nothing more.
    for _ in range(2):
        assert all(r.status_code == 200 for r in shop.deliver(*events))
        assert token not in shop.welcome(session_id).text
    # No session, no portal: the account page and billing send this browser to sign in.
    account = shop.browser.get(f"{shop.url}/account", allow_redirects=False, timeout=30)
    assert account.status_code in (302, 303) and "/account/sign-in" in account.headers["Location"]
    billing = shop.browser.get(f"{shop.url}/account/billing", allow_redirects=False, timeout=30)
    assert billing.status_code in (302, 303) and "portal" not in billing.headers["Location"]
    assert len(shop.stripe.of_kind("billing_portal.session")) == portals_before
    # The member: same customer, plan, status and links.
    assert shop.member(VICTIM) == before
    assert shop.token_of(VICTIM) == token and shop.access(token).allowed
    assert shop.members() == [VICTIM]
    # At Stripe: cancelled at once and refunded in full, exactly once.
    checkout = shop.stripe.get(session_id, "checkout.session")
    if plan == "lifetime":
        charge = shop.stripe.get(shop.stripe.session_charge(session_id), "charge")
    else:
        sub = shop.stripe.get(checkout["subscription"], "subscription")
        assert sub["status"] == "canceled"
        charge = next(c for c in shop.stripe.of_kind("charge") if c["customer"] == sub["customer"])
    assert charge["refunded"] and charge["amount_refunded"] == charge["amount"]
    assert len(shop.stripe.of_kind("refund")) == 1
    # The member is emailed once: what was bought with their address, refunded, how to sign in.
    mails = shop.outbox("foreign_purchase")
    assert [m.to_address for m in mails] == [VICTIM]
    assert "refunded in full" in mails[0].body_text
    assert f"{shop.url}/account/sign-in" in mails[0].body_text
    assert token not in mails[0].body_text
    record = shop.checkout_record(session_id)
    assert record is not None and record.outcome == "foreign"


def test_the_refund_events_of_a_foreign_purchase_change_nothing(shop: Shop, mp3_file: Path) -> None:
    token, before = member_with_links(shop, mp3_file)
    _session_id, events = shop.buy("monthly", VICTIM)
    shop.deliver(*events)
    later = [
        *shop.stripe.sent_events("customer.subscription.deleted"),
        *shop.stripe.sent_events("charge.refunded"),
    ]
    assert len(later) == 2
    assert all(r.json()["outcome"] == "applied" for r in shop.deliver(*later))
    assert shop.member(VICTIM) == before and shop.access(token).allowed
    assert not shop.outbox("membership_ended")


def test_events_of_a_foreign_customer_before_its_checkout_are_ignored(
    shop: Shop, mp3_file: Path
) -> None:
    _token, before = member_with_links(shop, mp3_file)
    _session_id, events = shop.buy("yearly", VICTIM)
    # Stripe delivers the subscription and invoice first: the member is untouched.
    others = [e for e in events if e["type"] != "checkout.session.completed"]
    shop.deliver(*others)
    assert shop.member(VICTIM) == before
    assert not shop.stripe.of_kind("refund")
    # The checkout then refunds it.
    shop.deliver(*[e for e in events if e["type"] == "checkout.session.completed"])
    assert len(shop.stripe.of_kind("refund")) == 1
    assert shop.member(VICTIM) == before


def test_the_welcome_links_disappear_after_the_window(shop: Shop, mp3_file: Path) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("monthly", "new@example.com")
    shop.deliver(*events)
    token = shop.token_of("new@example.com")
    assert token in shop.welcome(session_id).text
    with shop.services.db.session() as session:
        record = session.get(Checkout, session_id)
        assert record is not None
        record.completed_at -= WELCOME_WINDOW + timedelta(seconds=1)
    page = shop.welcome(session_id)
    assert token not in page.text and "new@example.com" not in page.text
    assert "emailed to you" in page.text and 'href="/account/sign-in"' in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_the_welcome_window_is_an_hour_by_the_clock_passed_in(shop: Shop) -> None:
    from publisher.billing.welcome_page import LINKS, SIGN_IN, welcome_view

    session_id, events = shop.buy("lifetime", "clock@example.com")
    shop.deliver(*events)
    with shop.services.db.session() as session:
        record = session.get(Checkout, session_id)
        assert record is not None
        opened = record.completed_at
        config = shop.services.config
        just_before = opened + WELCOME_WINDOW - timedelta(seconds=1)
        assert welcome_view(session, config, record, just_before).state == LINKS
        assert welcome_view(session, config, record, opened + WELCOME_WINDOW).state == SIGN_IN
    assert timedelta(hours=1) == WELCOME_WINDOW


def test_a_rotated_token_makes_the_old_welcome_url_show_nothing_private(
    shop: Shop, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("yearly", "rot@example.com")
    shop.deliver(*events)
    old = shop.token_of("rot@example.com")
    assert old in shop.welcome(session_id).text
    admin.rotate(shop.services, "rot@example.com")
    new = shop.token_of("rot@example.com")
    page = shop.welcome(session_id)
    assert old not in page.text and new not in page.text and "/feeds/" not in page.text
    assert "sign in" in page.text.lower()


def test_a_new_member_is_emailed_their_links_once(shop: Shop, mp3_file: Path) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("monthly", "wel@example.com")
    shop.welcome(session_id)
    shop.deliver(*events, *events)
    shop.welcome(session_id)
    mails = shop.outbox("welcome")
    assert [m.to_address for m in mails] == ["wel@example.com"]
    token = shop.token_of("wel@example.com")
    assert f"{shop.url}/feeds/{token}/season-1.xml" in mails[0].body_text
    assert shop.checkout_record(session_id).outcome == "new_member"


def test_a_checkout_naming_a_member_in_its_metadata_lands_on_them(
    shop: Shop, mp3_file: Path
) -> None:
    token, before = member_with_links(shop, mp3_file)
    customer = before["customer"]
    with shop.services.db.session() as session:
        from publisher.members.members import find_member

        member_id = find_member(session, VICTIM).id
    session_id = shop.stripe.checkout_for("lifetime", customer=customer, member_id=member_id)
    events = shop.stripe.pay_checkout(session_id, "typed-anything@example.com")
    page = shop.welcome(session_id)
    assert "membership is updated" in page.text and token not in page.text
    shop.deliver(*events)
    after = shop.member(VICTIM)
    assert (after["plan"], after["customer"]) == ("lifetime", customer)
    assert shop.token_of(VICTIM) == token
    assert not shop.stripe.of_kind("refund")


REFUSED_ADDRESSES = ['"john doe"@example.com', '"a,b"@example.com', "x" * 300 + "@example.com"]


@pytest.mark.parametrize(
    ("plan", "address"),
    [("monthly", a) for a in REFUSED_ADDRESSES[:2]] + [("lifetime", REFUSED_ADDRESSES[2])],
)
def test_a_paid_checkout_with_an_address_we_refuse_is_refunded_never_stuck(
    shop: Shop, plan: str, address: str
) -> None:
    session_id, events = shop.buy(plan, address)
    for _ in range(2):  # repeated deliveries: 200 each time, one refund
        assert [r.status_code for r in shop.deliver(*events)] == [200] * len(events)
    page = shop.welcome(session_id)
    assert page.status_code == 200 and "refunded in full" in page.text
    assert "name@example.com" in page.text and 'href="/"' in page.text
    assert shop.members() == []
    charges = shop.stripe.of_kind("charge")
    assert len(charges) == 1 and charges[0]["refunded"]
    assert len(shop.stripe.of_kind("refund")) == 1
    if plan == "monthly":
        checkout = shop.stripe.get(session_id, "checkout.session")
        assert shop.stripe.get(checkout["subscription"], "subscription")["status"] == "canceled"
    record = shop.checkout_record(session_id)
    assert record is not None and record.outcome == "refused_refunded"
    assert shop.outbox() == []
