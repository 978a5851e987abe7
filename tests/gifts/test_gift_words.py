"""Gifts as a person reads them: prices that make sense beside the plans, the giver named,
sentences without doubled words, the redeem page pre-filled, and one press for a member who
is signed in (their address is proven already)."""

from __future__ import annotations

import re

import pytest
import requests
from support.accounts import sign_in
from support.stripe_app import Shop, csrf_token_of

from publisher.demo.billing.store import PRICES
from publisher.gifts.plans import GIFT_BY_SLUG
from publisher.members.members import add_member
from publisher.members.plans import BY_SLUG

pytestmark = pytest.mark.stripe

RECIPIENT = "sam@example.com"


def buy_gift_from(shop: Shop, giver: str, plan: str = "yearly") -> None:
    page = shop.browser.get(f"{shop.url}/gift", timeout=30)
    form = {
        "csrf_token": csrf_token_of(page.text),
        "recipient_name": "Sam",
        "recipient_email": RECIPIENT,
        "giver_name": giver,
        "deliver_on": "",
        "message": "For the two of us.",
    }
    answer = shop.browser.post(
        f"{shop.url}/gift/{plan}", data=form, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 303, answer.text
    session_id = answer.headers["Location"].rsplit("/", 1)[1]
    shop.deliver(*shop.stripe.pay_checkout(session_id, "ann@example.com"))


def code_in(text: str) -> str:
    match = re.search(r"GIFT(-[0-9A-Z]{4}){4}", text)
    assert match, text
    return match.group(0)


def test_three_months_cost_less_than_a_year_and_than_three_months_paid_monthly() -> None:
    three, year = GIFT_BY_SLUG["months-3"], GIFT_BY_SLUG["yearly"]
    assert three.cents < year.cents <= BY_SLUG["yearly"].cents
    assert three.cents < 3 * BY_SLUG["monthly"].cents
    charged = {p["title"]: p["unit_amount"] for p in PRICES.values()}
    assert charged["Gift: three months"] == three.cents  # the demo charges what the page says
    assert charged["Gift: a year"] == year.cents


def test_the_giver_is_named_and_the_words_read_as_a_person_wrote_them(shop: Shop) -> None:
    buy_gift_from(shop, "Alex")
    (delivery,) = shop.outbox("gift_delivery")
    assert "from Alex" in delivery.subject
    assert "Alex has given you a year of Love TV" in delivery.body_text
    assert "A message from Alex:" in delivery.body_text
    (receipt,) = shop.outbox("gift_receipt")
    assert "Thank you for giving Sam a year of Love TV." in receipt.body_text
    for text in (delivery.body_text, receipt.body_text):
        assert "(a year)" not in text and not re.search(r"gift\.[A-Z]", text), text
    page = shop.browser.get(f"{shop.url}/gift/redeem/{code_in(delivery.body_text)}", timeout=30)
    assert "Alex has given you a year of Love TV" in page.text
    assert f'value="{RECIPIENT}"' in page.text, "the redeem form is not pre-filled"


def test_a_gift_without_a_givers_name_still_reads_well(shop: Shop) -> None:
    buy_gift_from(shop, "", plan="months-3")
    (delivery,) = shop.outbox("gift_delivery")
    assert "Someone has given you three months of Love TV" in delivery.body_text
    assert "Their message:" in delivery.body_text


def test_a_signed_in_member_redeems_with_one_press_and_no_email(shop: Shop) -> None:
    with shop.services.db.session() as session:  # a lapsed member, coming back by a gift
        member = add_member(session, shop.services.config.secret_key, RECIPIENT, plan="monthly")
        member.status = "lapsed"
    buy_gift_from(shop, "Alex")
    code = code_in(shop.outbox("gift_delivery")[0].body_text)
    browser = requests.Session()
    sign_in(shop.url, browser, shop.services, RECIPIENT)
    page = browser.get(f"{shop.url}/gift/redeem/{code}", timeout=30)
    assert f"Redeem it for {RECIPIENT}" in page.text
    done = browser.post(
        f"{shop.url}/gift/redeem/{code}",
        data={"csrf_token": csrf_token_of(page.text), "as_member": "1"},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 303 and done.headers["Location"] == "/account", done.text
    assert shop.outbox("gift_claim") == []
    assert shop.member(RECIPIENT)["status"] == "active"
    again = requests.get(f"{shop.url}/gift/redeem/{code}", timeout=30)
    assert "already been redeemed" in again.text


def test_one_press_needs_a_signed_in_browser(shop: Shop) -> None:
    buy_gift_from(shop, "Alex")
    code = code_in(shop.outbox("gift_delivery")[0].body_text)
    page = shop.browser.get(f"{shop.url}/gift/redeem/{code}", timeout=30)
    answer = shop.browser.post(
        f"{shop.url}/gift/redeem/{code}",
        data={"csrf_token": csrf_token_of(page.text), "as_member": "1"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 400 and "You are signed out" in answer.text
    assert "already been redeemed" not in shop.browser.get(f"{shop.url}/gift/redeem/{code}").text


def test_the_recipients_own_email_redeems_with_one_press(shop: Shop) -> None:
    buy_gift_from(shop, "Alex")
    (delivery,) = shop.outbox("gift_delivery")
    link = re.search(r"http://\S+/gift/claim/\S+", delivery.body_text)
    assert link is not None, delivery.body_text
    (receipt,) = shop.outbox("gift_receipt")
    assert "/gift/claim/" not in receipt.body_text, "the buyer could redeem it as the recipient"
    browser = requests.Session()
    button = browser.get(link.group(0), timeout=30)
    assert button.status_code == 200 and "Redeem the gift" in button.text
    done = browser.post(
        link.group(0),
        data={"csrf_token": csrf_token_of(button.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 303 and done.headers["Location"] == "/account", done.text
    assert shop.outbox("gift_claim") == [] and shop.member(RECIPIENT)["status"] == "active"
    again = browser.get(link.group(0), timeout=30)
    assert again.status_code == 410
