"""Gift memberships: bought through Stripe, delivered on the day, redeemed once by whoever
confirms an address, voided or ended by a refund."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import select
from support.stripe_app import Shop, csrf_token_of

from publisher.accounts.rate_limits import Limit
from publisher.cli import main
from publisher.gifts.codes import code_hash, new_code, normalise
from publisher.gifts.models import Gift
from publisher.members.members import find_member
from publisher.models import Member, OutboxMessage

pytestmark = pytest.mark.stripe

RECIPIENT = "sam@example.com"


def buy_gift(
    shop: Shop, plan: str = "yearly", deliver_on: str = "", buyer: str = "ann@example.com"
) -> str:
    """Fill the gift form, pay at Checkout and deliver Stripe's events; the session id."""
    page = shop.browser.get(f"{shop.url}/gift", timeout=30)
    assert page.status_code == 200
    form = {
        "csrf_token": csrf_token_of(page.text),
        "recipient_name": "Sam",
        "recipient_email": RECIPIENT,
        "deliver_on": deliver_on,
        "message": "For the two of us.",
    }
    answer = shop.browser.post(
        f"{shop.url}/gift/{plan}", data=form, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 303, answer.text
    session_id = answer.headers["Location"].rsplit("/", 1)[1]
    shop.deliver(*shop.stripe.pay_checkout(session_id, buyer))
    return session_id


def body_of(shop: Shop, kind: str) -> str:
    (message,) = shop.outbox(kind)
    return message.body_text


def code_in(text: str) -> str:
    match = re.search(r"GIFT(-[0-9A-Z]{4}){4}", text)
    assert match, text
    return match.group(0)


def redeem_as(shop: Shop, code: str, address: str) -> None:
    """Open the gift, ask for the link as `address`, use it from the email."""
    page = shop.browser.get(f"{shop.url}/gift/redeem/{code}", timeout=30)
    assert page.status_code == 200, page.text
    asked = shop.browser.post(
        f"{shop.url}/gift/redeem/{code}",
        data={"csrf_token": csrf_token_of(page.text), "email": address},
        timeout=30,
    )
    assert asked.status_code == 200 and f"on its way to {address}" in asked.text
    link = re.search(r"http://\S+/gift/claim/\S+", shop.outbox("gift_claim")[-1].body_text)
    assert link is not None
    button = shop.browser.get(link.group(0), timeout=30)
    assert button.status_code == 200, button.text
    done = shop.browser.post(
        link.group(0),
        data={"csrf_token": csrf_token_of(button.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 303 and done.headers["Location"] == "/account", done.text


def test_the_gift_page_offers_each_gift_with_its_form(shop: Shop) -> None:
    page = shop.browser.get(f"{shop.url}/gift", timeout=30).text
    for plan in ("months-3", "yearly", "lifetime"):
        assert f'action="/gift/{plan}"' in page
    assert "Their email address" in page and "Delivery day" in page


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("recipient_email", "not-an-address", "Write the recipient's email address"),
        ("recipient_name", "", "Write the recipient's name"),
        ("deliver_on", "2001-01-01", "Choose a delivery day from today to a year from now."),
        ("message", "x" * 501, "Keep the message to 500 characters."),
    ],
)
def test_a_bad_gift_form_is_refused_with_a_sentence_and_starts_nothing(
    shop: Shop, field: str, value: str, sentence: str
) -> None:
    page = shop.browser.get(f"{shop.url}/gift", timeout=30)
    form = {
        "csrf_token": csrf_token_of(page.text),
        "recipient_name": "Sam",
        "recipient_email": RECIPIENT,
        field: value,
    }
    answer = shop.browser.post(
        f"{shop.url}/gift/yearly", data=form, allow_redirects=False, timeout=30
    )
    assert answer.status_code == 400 and sentence in html.unescape(answer.text)
    assert not [s for s in shop.stripe.sent if s.path == "/v1/checkout/sessions"]
    with shop.services.db.session() as session:
        assert session.scalars(select(Gift)).all() == []


def test_a_gift_for_a_later_day_reaches_the_recipient_on_that_day(shop: Shop) -> None:
    day = (datetime.now(UTC) + timedelta(days=10)).date()
    session_id = buy_gift(shop, deliver_on=day.isoformat())
    session = shop.stripe.get(session_id, "checkout.session")
    assert session["mode"] == "payment" and session["customer"] is None
    assert "recipient" not in json.dumps(session["metadata"])  # the details stay with us
    receipt = body_of(shop, "gift_receipt")
    assert "Sam" in receipt and day.isoformat() in receipt
    (delivery,) = shop.outbox("gift_delivery")
    assert delivery.to_address == RECIPIENT
    assert delivery.next_attempt_at == datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    assert code_in(delivery.body_text) == code_in(receipt)
    assert "For the two of us." in delivery.body_text
    assert shop.members() == []  # buying a gift makes nobody a member
    thanks = shop.browser.get(f"{shop.url}/gift/thanks?session_id={session_id}", timeout=30)
    assert "We will email them their gift on" in thanks.text and "GIFT-" not in thanks.text


def test_the_recipient_redeems_once_and_listens_until_the_gift_ends(shop: Shop, mp3_file) -> None:  # type: ignore[no-untyped-def]
    shop.add_catalog(mp3_file)
    buy_gift(shop, "months-3")
    code = code_in(body_of(shop, "gift_delivery"))
    redeem_as(shop, code, "partner@example.com")
    with shop.services.db.session() as session:
        member = find_member(session, "partner@example.com")
        assert member is not None and (member.plan, member.billing_state) == ("gift", "gift")
        end = member.grace_until
    assert end is not None and timedelta(days=90) < end - datetime.now(UTC) < timedelta(days=93)
    token = shop.token_of("partner@example.com")
    assert shop.access(token).allowed
    assert shop.access(token, now=end + timedelta(seconds=1)).notice == "lapsed"
    again = shop.browser.get(f"{shop.url}/gift/redeem/{code}", timeout=30)
    assert "already been redeemed" in again.text and 'name="email"' not in again.text


def test_the_buyers_typed_address_does_not_decide_who_gets_it(shop: Shop) -> None:
    buy_gift(shop)
    code = code_in(body_of(shop, "gift_delivery"))
    redeem_as(shop, code, "someone-else@example.com")
    assert shop.members() == ["someone-else@example.com"]


def test_two_claims_for_one_gift_redeem_it_once(shop: Shop) -> None:
    buy_gift(shop)
    code = code_in(body_of(shop, "gift_delivery"))
    links = []
    for address in ("one@example.com", "two@example.com"):
        page = shop.browser.get(f"{shop.url}/gift/redeem/{code}", timeout=30)
        shop.browser.post(
            f"{shop.url}/gift/redeem/{code}",
            data={"csrf_token": csrf_token_of(page.text), "email": address},
            timeout=30,
        )
        links.append(
            re.search(r"http://\S+/gift/claim/\S+", shop.outbox("gift_claim")[-1].body_text).group(
                0
            )
        )  # type: ignore[union-attr]
    answers = []
    for link in links:
        button = shop.browser.get(link, timeout=30)
        answers.append(
            shop.browser.post(
                link,
                data={"csrf_token": csrf_token_of(button.text)},
                allow_redirects=False,
                timeout=30,
            )
        )
    assert [a.status_code for a in answers] == [303, 409]
    assert "already been redeemed" in answers[1].text
    assert shop.members() == ["one@example.com"]


def test_guessing_codes_is_refused_and_then_rate_limited(shop: Shop) -> None:
    statuses = [
        shop.browser.get(f"{shop.url}/gift/redeem/{new_code()}", timeout=30).status_code
        for _ in range(21)
    ]
    assert statuses[:20] == [404] * 20 and statuses[20] == 429


def test_a_refund_voids_an_unredeemed_gift(shop: Shop) -> None:
    session_id = buy_gift(shop)
    code = code_in(body_of(shop, "gift_delivery"))
    shop.deliver(*shop.stripe.refund(shop.stripe.session_charge(session_id)))
    with shop.services.db.session() as session:
        gift = session.scalar(select(Gift))
        assert gift is not None and (gift.status, gift.void_reason) == (
            "voided",
            "payment refunded",
        )
    assert shop.browser.get(f"{shop.url}/gift/redeem/{code}", timeout=30).status_code == 404


def test_a_refund_ends_a_redeemed_gifts_access_with_the_notice(shop: Shop) -> None:
    session_id = buy_gift(shop)
    redeem_as(shop, code_in(body_of(shop, "gift_delivery")), "partner@example.com")
    token = shop.token_of("partner@example.com")
    assert shop.access(token).allowed
    shop.deliver(*shop.stripe.dispute(shop.stripe.session_charge(session_id)))
    assert shop.access(token).notice == "lapsed"
    assert [m.to_address for m in shop.outbox("membership_ended")] == ["partner@example.com"]


def test_a_subscriber_gets_the_gift_as_a_stripe_credit(shop: Shop) -> None:
    session_id, events = shop.buy("monthly", "member@example.com")
    shop.deliver(*events)
    buy_gift(shop)
    redeem_as(shop, code_in(body_of(shop, "gift_delivery")), "member@example.com")
    customer = shop.stripe.get(session_id, "checkout.session")["customer"]
    assert shop.stripe.get(customer, "customer")["balance"] == -22200
    assert shop.member("member@example.com")["plan"] == "monthly"


def test_a_revoked_member_cannot_redeem_and_is_told_why(shop: Shop) -> None:
    from publisher.members import admin

    with shop.services.db.session() as session:
        from publisher.members.members import add_member

        add_member(session, shop.services.config.secret_key, "gone@example.com")
    admin.revoke(shop.services, "gone@example.com")
    buy_gift(shop)
    code = code_in(body_of(shop, "gift_delivery"))
    page = shop.browser.get(f"{shop.url}/gift/redeem/{code}", timeout=30)
    shop.browser.post(
        f"{shop.url}/gift/redeem/{code}",
        data={"csrf_token": csrf_token_of(page.text), "email": "gone@example.com"},
        timeout=30,
    )
    link = re.search(r"http://\S+/gift/claim/\S+", shop.outbox("gift_claim")[-1].body_text).group(0)  # type: ignore[union-attr]
    button = shop.browser.get(link, timeout=30)
    answer = shop.browser.post(link, data={"csrf_token": csrf_token_of(button.text)}, timeout=30)
    assert answer.status_code == 409 and "ended by" in answer.text
    with shop.services.db.session() as session:
        assert session.scalar(select(Gift)).status == "bought"  # still there to pass on


def test_gift_list_shows_what_became_of_each_gift(shop: Shop) -> None:
    buy_gift(shop, "lifetime")
    runner = CliRunner()
    result = runner.invoke(main, ["gift", "list", "--json"], env=_env_of(shop))
    assert result.exit_code == 0, result.output
    (gift,) = json.loads(result.output)["gifts"]
    assert (gift["plan"], gift["buyer"], gift["recipient"], gift["status"]) == (
        "lifetime",
        "ann@example.com",
        RECIPIENT,
        "delivered" if gift["status"] == "delivered" else "bought",
    )


def _env_of(shop: Shop) -> dict[str, str]:
    config = shop.services.config
    return {
        "LOVETV_DATABASE_URL": config.database_url,
        "LOVETV_STORAGE_URL": config.storage_url,
        "LOVETV_SECRET_KEY": config.secret_key,
        "LOVETV_ENV": config.env,
        "LOVETV_BASE_URL": config.base_url,
    }


# --- codes -------------------------------------------------------------------------------


def test_codes_are_80_bits_typed_forgivingly_and_stored_hashed() -> None:
    code = new_code()
    assert re.fullmatch(r"GIFT(-[0-9A-HJKMNP-TV-Z]{4}){4}", code)
    typed = code.lower().replace("-", " ").replace("0", "o")
    assert normalise(typed) == normalise(code) and code_hash(typed) == code_hash(code)
    assert normalise("GIFT-1234") is None and code_hash("not a code") is None
    assert len({new_code() for _ in range(1000)}) == 1000


def test_member_rows_are_untouched_by_a_gift_purchase(shop: Shop) -> None:
    buy_gift(shop)
    with shop.services.db.session() as session:
        assert session.scalars(select(Member)).all() == []
        kinds = session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
        assert kinds == ["gift_receipt", "gift_delivery"]


def test_a_former_subscribers_gift_outlives_their_ended_subscription(shop: Shop) -> None:
    session_id, events = shop.buy("monthly", "back@example.com")
    shop.deliver(*events)
    shop.deliver(*shop.stripe.end_subscription(shop.stripe.session_subscription(session_id)))
    assert shop.member("back@example.com")["status"] == "lapsed"
    buy_gift(shop)
    redeem_as(shop, code_in(body_of(shop, "gift_delivery")), "back@example.com")
    token = shop.token_of("back@example.com")
    assert shop.access(token).allowed
    # Reconciliation reads the ended subscription again: the gift still stands.
    env = _env_of(shop) | _stripe_env(shop)
    result = CliRunner().invoke(main, ["stripe", "sync", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert shop.access(token).allowed and shop.member("back@example.com")["plan"] == "gift"


def _stripe_env(shop: Shop) -> dict[str, str]:
    config = shop.services.config
    return {
        "STRIPE_API_KEY": config.stripe_api_key or "",
        "STRIPE_API_BASE": config.stripe_api_base or "",
        "STRIPE_WEBHOOK_SECRET": config.stripe_webhook_secret or "",
        "LOVETV_STRIPE_PRICES": ",".join(f"{k}={v}" for k, v in config.stripe_prices.items()),
    }


def ask_for_link(shop: Shop, code: str, address: str) -> requests.Response:
    page = shop.browser.get(f"{shop.url}/gift/redeem/{code}", timeout=30)
    return shop.browser.post(
        f"{shop.url}/gift/redeem/{code}",
        data={"csrf_token": csrf_token_of(page.text), "email": address},
        timeout=30,
    )


def test_one_code_cannot_email_strangers_beyond_its_daily_links(shop: Shop) -> None:
    """A code is no mail relay: five links a day per gift, whichever addresses and
    networks ask (the per-address and per-network limits alone let 60 through)."""
    buy_gift(shop)
    code = code_in(body_of(shop, "gift_delivery"))
    answers = [ask_for_link(shop, code, f"stranger{i}@example.com") for i in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert "sent too often today" in html.unescape(answers[5].text)
    assert int(answers[5].headers["Retry-After"]) > 23 * 3600
    assert len(shop.outbox("gift_claim")) == 5


def test_the_show_sends_at_most_its_daily_ceiling_of_claim_links(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "publisher.gifts.redeem.CLAIMS_PER_SHOW", Limit("gift_claim_show", 3, timedelta(days=1))
    )
    buy_gift(shop)
    buy_gift(shop, plan="months-3")
    codes = [code_in(m.body_text) for m in shop.outbox("gift_delivery")]
    statuses = [
        ask_for_link(shop, codes[i % 2], f"someone{i}@example.com").status_code for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert len(shop.outbox("gift_claim")) == 3


# --- each gift its own days --------------------------------------------------------------


def _gift_end(shop: Shop, address: str) -> datetime:
    end = shop.member(address)["grace_until"]
    assert end is not None
    return end


def _redeem_latest(shop: Shop, address: str) -> None:
    redeem_as(shop, code_in(shop.outbox("gift_delivery")[-1].body_text), address)


@pytest.mark.parametrize(
    ("disputed", "days_left"), [("months-3", 365), ("yearly", 91)], ids=["three-months", "year"]
)
def test_a_dispute_of_one_gift_takes_away_only_its_own_days(
    shop: Shop, disputed: str, days_left: int
) -> None:
    """Sam redeems a year, then three months; one buyer disputes: Sam keeps the other's
    days (before, one shared end date made any refund end all gift access)."""
    paid = {"yearly": buy_gift(shop, "yearly")}
    _redeem_latest(shop, "sam@example.com")
    paid["months-3"] = buy_gift(shop, "months-3")
    _redeem_latest(shop, "sam@example.com")
    now = datetime.now(UTC)
    assert timedelta(days=455) < _gift_end(shop, "sam@example.com") - now < timedelta(days=457)
    shop.deliver(*shop.stripe.dispute(shop.stripe.session_charge(paid[disputed])))
    left = _gift_end(shop, "sam@example.com") - now
    assert timedelta(days=days_left - 1) < left < timedelta(days=days_left + 1)
    token = shop.token_of("sam@example.com")
    assert shop.access(token).allowed and shop.member("sam@example.com")["status"] == "active"
    assert shop.access(token, now + timedelta(days=days_left + 1)).notice == "lapsed"
    assert shop.outbox("membership_ended") == []
    with shop.services.db.session() as session:
        gifts = {g.plan: g for g in session.scalars(select(Gift))}
        assert gifts[disputed].status == "voided" and gifts[disputed].days is not None
        assert gifts[disputed].paid_cents == {"yearly": 22200, "months-3": 9900}[disputed]
    other = "yearly" if disputed == "months-3" else "months-3"
    shop.deliver(*shop.stripe.refund(shop.stripe.session_charge(paid[other])))
    assert shop.access(token).notice == "lapsed"  # no gift left: access ends now
    assert [m.to_address for m in shop.outbox("membership_ended")] == ["sam@example.com"]


def test_a_prepaid_member_who_redeems_a_gift_keeps_the_prepaid_time(shop: Shop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ends = (datetime.now(UTC) + timedelta(days=100)).date()
    rows = tmp_path / "members.csv"
    rows.write_text(f"email,plan,ends\nmoved@example.com,yearly,{ends.isoformat()}\n")
    env = _env_of(shop)
    imported = CliRunner().invoke(main, ["member", "import", str(rows), "--no-email"], env=env)
    assert imported.exit_code == 0, imported.output
    prepaid_end = datetime.combine(ends, datetime.min.time(), tzinfo=UTC)
    session_id = buy_gift(shop, "yearly")
    _redeem_latest(shop, "moved@example.com")
    held = shop.member("moved@example.com")
    assert held["grace_until"] == prepaid_end + timedelta(days=365)  # the gift runs after
    assert (held["plan"], held["billing_state"]) == ("yearly", "prepaid")
    shop.deliver(*shop.stripe.refund(shop.stripe.session_charge(session_id)))
    held = shop.member("moved@example.com")
    assert held["grace_until"] == prepaid_end and held["status"] == "active"
    assert shop.access(shop.token_of("moved@example.com")).allowed
