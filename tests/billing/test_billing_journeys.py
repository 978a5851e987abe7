"""Members' journeys through Stripe, end to end over HTTP: join, pay, fail, recover, leave.

The real `stripe` library talks to the fake Stripe API; webhooks arrive signed over HTTP.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest
from support.stripe_app import Shop, csrf_token_of

from publisher.members.members import find_member
from publisher.web.podcast_apps import podcast_app_links

pytestmark = pytest.mark.stripe

DAY = 86400
EPISODES = ["First Steps"]
PAYMENT_PROBLEM = "Payment problem: update your card"
ENDED = ["Your membership has ended: renew to keep listening"]
WITHDRAWN = ["Access to this feed was withdrawn"]


def titles(shop: Shop, email: str) -> list[str]:
    """What the member's podcast app shows for season-1, fetched over HTTP."""
    return [title for title, _ in shop.listen(shop.token_of(email))]


@pytest.mark.parametrize("plan", ["monthly", "yearly", "lifetime"])
def test_joining_any_plan_gives_a_working_feed(shop: Shop, plan: str, mp3_file: Path) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy(plan, "ann@example.com")
    assert all(r.status_code == 200 for r in shop.deliver(*events))
    member = shop.member("ann@example.com")
    assert (member["status"], member["plan"]) == ("active", plan)
    assert titles(shop, "ann@example.com") == EPISODES
    checkout = shop.stripe.get(session_id, "checkout.session")
    assert checkout["mode"] == ("payment" if plan == "lifetime" else "subscription")
    assert checkout["metadata"] == {"plan": plan}


def test_the_welcome_page_before_the_webhook_shows_working_feed_links(
    shop: Shop, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("monthly", "bea@example.com")
    page = shop.welcome(session_id)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in page.headers  # the welcome page signs nobody in
    token = shop.token_of("bea@example.com")
    assert shop.access(token).allowed
    feed = f"{shop.url}/feeds/{token}/season-1.xml"
    apps = podcast_app_links(feed)
    assert apps
    for _, link in apps:
        assert f'href="{escape(link)}"' in page.text
    assert f'value="{feed}"' in page.text and 'src="/static/copy.js"' in page.text
    assert "Season 1" in page.text and "bea@example.com" in page.text
    assert [titles for titles, _ in shop.listen(token)] == EPISODES
    # The webhooks arriving afterwards find the same member and keep the same token.
    assert all(r.status_code == 200 for r in shop.deliver(*events))
    assert shop.token_of("bea@example.com") == token
    assert shop.welcome(session_id).text.count(feed) >= 1


def test_the_welcome_page_waits_for_an_unpaid_session(shop: Shop) -> None:
    session_id = shop.start_checkout("yearly")
    page = shop.welcome(session_id)
    assert page.status_code == 200 and "still confirming" in page.text
    assert shop.welcome("cs_test_unknown").status_code == 404
    assert shop.welcome("not-a-session").status_code == 400


def test_a_payment_failure_keeps_the_feed_with_a_notice_until_the_card_is_fixed(
    shop: Shop, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("monthly", "cy@example.com")
    shop.deliver(*events)
    sub = shop.stripe.session_subscription(session_id)
    shop.deliver(*shop.stripe.fail_renewal(sub))
    token = shop.token_of("cy@example.com")
    decision = shop.access(token)
    assert decision.allowed and decision.notice == "payment_problem"
    assert shop.member("cy@example.com")["status"] == "active"
    feed = shop.listen(token)
    # The notice links to the account page, never to a token-bearing billing URL.
    assert feed[0] == (PAYMENT_PROBLEM, f"{shop.url}/account")
    assert [title for title, _ in feed[1:]] == EPISODES
    # Signed in, the account page's billing form opens this member's Customer Portal.
    shop.sign_in("cy@example.com")
    account = shop.browser.get(f"{shop.url}/account", timeout=30)
    portal = shop.browser.post(
        f"{shop.url}/account/billing",
        data={"csrf_token": csrf_token_of(account.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert portal.status_code == 303
    assert (
        shop.stripe.of_kind("billing_portal.session")[0]["customer"]
        == shop.member("cy@example.com")["customer"]
    )
    shop.deliver(*shop.stripe.recover(sub))
    assert shop.access(token).notice is None and shop.access(token).allowed
    assert titles(shop, "cy@example.com") == EPISODES


def test_grace_running_out_lapses_and_resubscribing_restores_the_same_url(
    shop: Shop, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("monthly", "di@example.com")
    shop.deliver(*events)
    token = shop.token_of("di@example.com")
    sub = shop.stripe.session_subscription(session_id)
    # The renewal failed eight days ago; the default grace is seven days.
    shop.deliver(*shop.stripe.fail_renewal(sub, at=shop.stripe.now() - 8 * DAY))
    assert shop.access(token).notice == "lapsed"
    assert shop.member("di@example.com")["status"] == "lapsed"
    assert titles(shop, "di@example.com") == ENDED
    shop.deliver(*shop.stripe.end_subscription(sub, "canceled"))
    assert shop.access(token).notice == "lapsed"
    customer = shop.member("di@example.com")["customer"]
    # Buying again without signing in does not reach the membership (refunded instead)...
    shop.browser.cookies.clear()
    stray, events = shop.buy("yearly", "di@example.com")
    shop.deliver(*events)
    assert shop.access(token).notice == "lapsed"
    assert shop.checkout_record(stray).outcome == "foreign"
    # ...signed in, Checkout is made for the member's own customer and brings access back.
    shop.sign_in("di@example.com")
    again, events = shop.buy("yearly", "di@example.com")
    assert shop.stripe.get(again, "checkout.session")["customer"] == customer
    shop.deliver(*events)
    assert shop.token_of("di@example.com") == token
    assert shop.access(token).allowed
    assert shop.member("di@example.com")["plan"] == "yearly"
    assert shop.member("di@example.com")["customer"] == customer
    assert shop.checkout_record(again).outcome == "member"
    assert titles(shop, "di@example.com") == EPISODES


def test_grace_ends_by_time_alone_without_any_event(shop: Shop) -> None:
    session_id, events = shop.buy("monthly", "ed@example.com")
    shop.deliver(*events)
    shop.deliver(*shop.stripe.fail_renewal(shop.stripe.session_subscription(session_id)))
    token = shop.token_of("ed@example.com")
    grace_until = shop.member("ed@example.com")["grace_until"]
    assert grace_until is not None
    assert shop.access(token, now=grace_until - timedelta(minutes=1)).allowed
    assert shop.access(token, now=grace_until + timedelta(minutes=1)).notice == "lapsed"


def test_cancelling_at_period_end_keeps_access_until_the_period_ends(shop: Shop) -> None:
    session_id, events = shop.buy("yearly", "fay@example.com")
    shop.deliver(*events)
    sub = shop.stripe.session_subscription(session_id)
    shop.deliver(*shop.stripe.cancel_at_period_end(sub))
    token = shop.token_of("fay@example.com")
    assert shop.access(token).allowed
    member = shop.member("fay@example.com")
    assert member["period_end"] > datetime.now(UTC) + timedelta(days=300)
    assert member["reason"] == "cancels at period end"
    shop.deliver(*shop.stripe.end_subscription(sub, "canceled"))
    assert shop.access(token).notice == "lapsed"


def test_a_full_lifetime_refund_revokes_but_a_partial_one_does_not(
    shop: Shop, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    session_id, events = shop.buy("lifetime", "gus@example.com")
    shop.deliver(*events)
    charge = shop.stripe.session_charge(session_id)
    token = shop.token_of("gus@example.com")
    shop.deliver(*shop.stripe.refund(charge, amount=1000))
    assert shop.access(token).allowed
    shop.deliver(*shop.stripe.refund(charge))
    assert shop.access(token).notice == "revoked"
    assert shop.member("gus@example.com")["status"] == "revoked"
    assert titles(shop, "gus@example.com") == WITHDRAWN


def test_a_dispute_on_a_lifetime_payment_revokes_access(shop: Shop) -> None:
    session_id, events = shop.buy("lifetime", "hal@example.com")
    shop.deliver(*events)
    shop.deliver(*shop.stripe.dispute(shop.stripe.session_charge(session_id)))
    assert shop.access(shop.token_of("hal@example.com")).notice == "revoked"


@pytest.mark.parametrize("status", ["unpaid", "incomplete_expired", "paused"])
def test_subscription_states_that_end_access(shop: Shop, status: str) -> None:
    session_id, events = shop.buy("monthly", "ivy@example.com")
    shop.deliver(*events)
    shop.deliver(
        *shop.stripe.end_subscription(shop.stripe.session_subscription(session_id), status)
    )
    assert shop.access(shop.token_of("ivy@example.com")).notice == "lapsed"
    assert shop.member("ivy@example.com")["billing_state"] == status


def test_a_second_purchase_does_not_make_a_second_member(shop: Shop) -> None:
    first, events = shop.buy("monthly", "jo@example.com")
    shop.deliver(*events)
    shop.welcome(first)  # the welcome page sets no cookie: this browser is still anonymous
    token = shop.token_of("jo@example.com")
    before = shop.member("jo@example.com")
    second, events = shop.buy("lifetime", "jo@example.com")
    assert shop.stripe.get(second, "checkout.session")["customer"] != before["customer"]
    shop.deliver(*events)
    assert shop.members() == ["jo@example.com"]
    assert shop.token_of("jo@example.com") == token
    assert shop.member("jo@example.com") == before  # still monthly, same customer
    charge = shop.stripe.get(shop.stripe.session_charge(second), "charge")
    assert charge["refunded"] and charge["amount_refunded"] == charge["amount"]


def test_a_signed_in_comp_member_buying_gets_their_purchase_and_their_links_kept(
    shop: Shop, mp3_file: Path
) -> None:
    shop.add_catalog(mp3_file)
    with shop.services.db.session() as session:
        from publisher.members.members import add_member

        add_member(session, shop.services.config.secret_key, "kim@example.com", plan="comp")
    token = shop.token_of("kim@example.com")
    shop.sign_in("kim@example.com")
    session_id, events = shop.buy("yearly", "someone-else@example.com")
    checkout = shop.stripe.get(session_id, "checkout.session")
    # Checkout was prefilled with the member's own address, whatever the buyer would type.
    assert checkout["customer_email"] == "kim@example.com"
    assert checkout["metadata"]["member_id"].isdigit()
    page = shop.welcome(session_id)  # before the webhook
    assert "Your membership is updated" in page.text and token not in page.text
    assert 'href="/account"' in page.text
    shop.deliver(*events)
    member = shop.member("kim@example.com")
    assert (member["plan"], member["status"]) == ("yearly", "active")
    assert member["customer"] == shop.stripe.get(session_id, "checkout.session")["customer"]
    assert shop.token_of("kim@example.com") == token
    assert shop.members() == ["kim@example.com"]
    assert shop.checkout_record(session_id).outcome == "member"


@pytest.mark.parametrize("plan", ["monthly", "lifetime"])
def test_the_name_typed_at_checkout_becomes_the_members_name(shop: Shop, plan: str) -> None:
    session_id = shop.start_checkout(plan)
    events = shop.stripe.pay_checkout(session_id, "ann@example.com", name="  Ann   Example ")
    assert all(r.status_code == 200 for r in shop.deliver(*events))
    with shop.services.db.session() as session:
        member = find_member(session, "ann@example.com")
        assert member is not None and member.name == "Ann Example"
