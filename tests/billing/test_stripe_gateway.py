"""`StripeGateway` on its own against the fake Stripe API: what it asks and what it answers.

No app and no database: each test drives the gateway with a fake account of its own and
checks the return values and the requests Stripe received (idempotency key, parameters): a
lost idempotency key changes no answer here, but with real Stripe a retried click would make
a second session or refund (https://docs.stripe.com/api/idempotent_requests).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from stripe._http_client import HTTPClient
from support.fake_stripe import FakeStripeAccount

from auth import stripe_api
from auth.offers import CheckoutOffer
from auth.stripe_api import StripeFailure, StripeGateway
from publisher.demo.billing.store import SentRequest

PRICES = {"monthly": "price_monthly_77", "yearly": "price_yearly_222"}
RETURN_URL = "http://127.0.0.1/account"
GIFT_YEAR = "price_gift_yearly_222"  # a one-time price (the stand-in's)


@pytest.fixture(name="gateway")
def gateway_fixture(stripe_account: FakeStripeAccount) -> StripeGateway:
    return StripeGateway(stripe_account.api_key, api_base=stripe_account.base_url, prices=PRICES)


def buy(account: FakeStripeAccount, plan: str, customer: str | None = None) -> dict[str, Any]:
    """A paid Checkout Session for `plan` (a new customer unless one is given), as Stripe has it."""
    session_id = account.checkout_for(plan, customer=customer)
    account.pay_checkout(session_id, f"{session_id}@example.com")
    return account.get(session_id, "checkout.session")


def charge_of(account: FakeStripeAccount, payment_intent: str) -> dict[str, Any]:
    return next(c for c in account.of_kind("charge") if c["payment_intent"] == payment_intent)


def invoice_payment_intents(account: FakeStripeAccount) -> list[str]:
    """The PaymentIntents that paid the account's invoices, oldest first."""
    paid = [p for p in account.of_kind("invoice_payment") if p["status"] == "paid"]
    return [p["payment"]["payment_intent"] for p in reversed(paid)]


def newest_invoice_payment(account: FakeStripeAccount) -> str:
    return invoice_payment_intents(account)[-1]


def sent(account: FakeStripeAccount, method: str, path: str) -> list[SentRequest]:
    return [r for r in account.sent if (r.method, r.path) == (method, path)]


class FrozenTime:
    """Stands in for the `time` module the gateway reads the portal's minute from."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


# --- the Customer Portal ----------------------------------------------------------------


def test_portal_clicks_within_a_minute_share_one_session(
    stripe_account: FakeStripeAccount, gateway: StripeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = buy(stripe_account, "monthly")["customer"]
    minute = 28_333_334
    clock = FrozenTime(minute * 60 + 5.5)
    monkeypatch.setattr(stripe_api, "time", clock)
    first = gateway.create_portal(customer, RETURN_URL)
    clock.now += 50  # the same minute: a double click
    second = gateway.create_portal(customer, RETURN_URL)
    clock.now += 10  # the next minute: a new session
    third = gateway.create_portal(customer, RETURN_URL)
    assert first == second != third
    requests = sent(stripe_account, "POST", "/v1/billing_portal/sessions")
    assert [r.idempotency_key for r in requests] == [
        f"portal-{customer}-{minute}",
        f"portal-{customer}-{minute}",
        f"portal-{customer}-{minute + 1}",
    ]
    assert requests[0].params == {"customer": customer, "return_url": RETURN_URL}


# --- reading what was bought ------------------------------------------------------------


def test_completed_checkouts_are_the_customers_paid_sessions_oldest_first(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    monthly = buy(stripe_account, "monthly")
    customer = monthly["customer"]
    lifetime = buy(stripe_account, "lifetime", customer=customer)
    stripe_account.checkout_for("yearly", customer=customer)  # opened, never paid
    buy(stripe_account, "yearly")  # someone else's
    found = gateway.completed_checkouts(customer)
    assert [(s.id, s.plan, s.complete) for s in found] == [
        (monthly["id"], "monthly", True),
        (lifetime["id"], "lifetime", True),
    ]
    (request,) = sent(stripe_account, "GET", "/v1/checkout/sessions")
    assert request.params == {"customer": customer, "status": "complete", "limit": "100"}


def test_all_purchases_groups_by_customer_and_lists_only_completed_checkouts(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    lifetime = buy(stripe_account, "lifetime")
    monthly = buy(stripe_account, "monthly")
    stripe_account.checkout_for("lifetime")  # opened, never paid
    found = gateway.all_purchases()
    assert set(found) == {lifetime["customer"], monthly["customer"]}
    assert [p.checkout_session_id for p in found[lifetime["customer"]].lifetime] == [lifetime["id"]]
    assert [s.plan for s in found[monthly["customer"]].subscriptions] == ["monthly"]
    (request,) = sent(stripe_account, "GET", "/v1/checkout/sessions")
    assert request.params == {"status": "complete", "limit": "100"}


def test_customer_email_is_none_for_a_missing_or_deleted_customer(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    kept = buy(stripe_account, "monthly")
    deleted = buy(stripe_account, "yearly")["customer"]
    stripe_account.delete_customer(deleted)
    assert gateway.customer_email(kept["customer"]) == f"{kept['id']}@example.com"
    assert gateway.customer_email(deleted) is None
    assert gateway.customer_email("cus_missing") is None


def test_charge_customer_names_the_payer_or_none_for_a_missing_charge(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    session = buy(stripe_account, "lifetime")
    charge = charge_of(stripe_account, session["payment_intent"])
    assert gateway.charge_customer(charge["id"]) == session["customer"]
    assert gateway.charge_customer("ch_missing") is None
    state = gateway.charge_state(charge["id"])
    assert state is not None
    assert (state.id, state.payment_intent_id) == (charge["id"], session["payment_intent"])
    assert (state.refunded, state.disputed) == (False, False)


def test_last_payment_is_the_newest_paid_charge_not_yet_refunded(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    lifetime = buy(stripe_account, "lifetime")
    customer = lifetime["customer"]
    buy(stripe_account, "monthly", customer=customer)
    monthly = newest_invoice_payment(stripe_account)
    stripe_account.refund(charge_of(stripe_account, monthly)["id"])  # newer, but refunded
    stripe_account.decline_charge(customer)  # newer still, never paid
    buy(stripe_account, "yearly")  # the newest: someone else's
    assert gateway.last_payment_of_customer(customer) == lifetime["payment_intent"]
    assert sent(stripe_account, "GET", "/v1/charges")[0].params == {
        "customer": customer,
        "limit": "100",
    }
    stripe_account.refund(charge_of(stripe_account, lifetime["payment_intent"])["id"])
    assert gateway.last_payment_of_customer(customer) is None


def test_first_payment_is_the_oldest_paid_invoice_and_its_invoice_payment(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    subscription = buy(stripe_account, "monthly")["subscription"]
    stripe_account.fail_renewal(subscription)  # an open invoice, nothing paid
    stripe_account.recover(subscription)
    stripe_account.renew(subscription)
    first, *later = invoice_payment_intents(stripe_account)
    assert len(later) == 2
    assert gateway.first_payment_of_subscription(subscription) == first
    first_invoice = stripe_account.of_kind("invoice")[-1]["id"]
    (request,) = sent(stripe_account, "GET", "/v1/invoice_payments")
    assert request.params == {"invoice": first_invoice, "limit": "100"}


def test_first_payment_skips_a_free_trial_invoice(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    session = stripe_account.create_checkout_session(
        {
            "mode": "subscription",
            "line_items": [{"price": "price_monthly_77", "quantity": 1}],
            "success_url": "http://127.0.0.1/welcome",
            "subscription_data": {"trial_period_days": 7},
        }
    )
    stripe_account.pay_checkout(session["id"], "trial@example.com")
    subscription = session["subscription"]
    assert gateway.first_payment_of_subscription(subscription) is None  # only the trial's 0
    stripe_account.renew(subscription)  # the trial ends and the first real invoice is paid
    paid = newest_invoice_payment(stripe_account)
    assert gateway.first_payment_of_subscription(subscription) == paid


def test_first_payment_of_an_invoice_from_before_invoice_payments(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    stripe_account.legacy_invoices = True
    subscription = buy(stripe_account, "yearly")["subscription"]
    (invoice,) = stripe_account.of_kind("invoice")
    assert invoice["payment_intent"]
    assert gateway.first_payment_of_subscription(subscription) == invoice["payment_intent"]


# --- undoing a purchase -------------------------------------------------------------------


def test_cancel_now_ends_the_subscription_with_a_key_of_its_own(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    subscription = buy(stripe_account, "monthly")["subscription"]
    gateway.cancel_subscription_now(subscription)
    assert stripe_account.get(subscription, "subscription")["status"] == "canceled"
    (request,) = sent(stripe_account, "DELETE", f"/v1/subscriptions/{subscription}")
    assert (request.idempotency_key, request.params) == (f"cancel-now-{subscription}", {})


def test_cancel_now_of_an_already_canceled_subscription_is_fine(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    subscription = buy(stripe_account, "monthly")["subscription"]
    stripe_account.end_subscription(subscription)
    gateway.cancel_subscription_now(subscription)  # Stripe refuses; the gateway looks: ended
    assert stripe_account.get(subscription, "subscription")["status"] == "canceled"


def test_cancel_now_of_an_expired_incomplete_subscription_is_fine(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    subscription = buy(stripe_account, "monthly")["subscription"]
    stripe_account.end_subscription(subscription, "incomplete_expired")
    path = f"/v1/subscriptions/{subscription}"
    stripe_account.refuse("DELETE", path, "An expired subscription cannot be canceled.")
    gateway.cancel_subscription_now(subscription)
    assert stripe_account.get(subscription, "subscription")["status"] == "incomplete_expired"


def test_cancel_now_refused_for_a_live_or_missing_subscription_raises(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    subscription = buy(stripe_account, "monthly")["subscription"]
    path = f"/v1/subscriptions/{subscription}"
    stripe_account.refuse("DELETE", path, "This subscription is managed by a schedule.")
    with pytest.raises(StripeFailure, match="managed by a schedule"):
        gateway.cancel_subscription_now(subscription)
    assert stripe_account.get(subscription, "subscription")["status"] == "active"
    with pytest.raises(StripeFailure, match="No such subscription"):
        gateway.cancel_subscription_now("sub_missing")


def test_refund_names_the_payment_with_a_key_of_its_own(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    payment = buy(stripe_account, "lifetime")["payment_intent"]
    gateway.refund_payment(payment)
    assert charge_of(stripe_account, payment)["refunded"]
    (request,) = sent(stripe_account, "POST", "/v1/refunds")
    assert (request.idempotency_key, request.params) == (
        f"refund-{payment}",
        {"payment_intent": payment},
    )


def test_refund_of_a_payment_already_refunded_is_fine(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    payment = buy(stripe_account, "lifetime")["payment_intent"]
    stripe_account.refund(charge_of(stripe_account, payment)["id"])  # in the Dashboard
    gateway.refund_payment(payment)
    assert stripe_account.of_kind("refund") == []


def test_refund_refused_or_failing_raises_one_line_that_says_which(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    with pytest.raises(StripeFailure) as refused:
        gateway.refund_payment("pi_missing")
    assert str(refused.value) == "Stripe refused the refund: No such payment_intent: 'pi_missing'"
    payment = buy(stripe_account, "lifetime")["payment_intent"]
    stripe_account.refuse("POST", "/v1/refunds", "Stripe is having a bad day.", status=500)
    with pytest.raises(StripeFailure) as failing:
        gateway.refund_payment(payment)
    assert str(failing.value) == "Stripe could not be reached: Stripe is having a bad day."
    assert not charge_of(stripe_account, payment)["refunded"]


CHECKOUT_URLS = {"success_url": "http://127.0.0.1/welcome", "cancel_url": "http://127.0.0.1/"}


def checkout_params(account: FakeStripeAccount) -> tuple[dict[str, Any], str | None]:
    (request,) = sent(account, "POST", "/v1/checkout/sessions")
    return request.params, request.idempotency_key


def test_a_subscription_checkout_sends_the_plan_the_member_and_a_key_per_click(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    url = gateway.create_checkout(
        "monthly", PRICES["monthly"], request_nonce="n1", member_id=7, **CHECKOUT_URLS
    )
    assert url.startswith("http")
    params, key = checkout_params(stripe_account)
    assert key == "checkout-monthly-n1"
    assert params == {
        "mode": "subscription",
        "line_items": [{"price": PRICES["monthly"], "quantity": "1"}],
        **CHECKOUT_URLS,
        "metadata": {"plan": "monthly", "member_id": "7"},
        "subscription_data": {"metadata": {"plan": "monthly"}},
        "allow_promotion_codes": "true",
    }


def test_a_gift_checkout_is_one_payment_naming_the_gift_with_a_key_per_gift(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    url = gateway.create_gift_checkout("yearly", GIFT_YEAR, gift_id=12, **CHECKOUT_URLS)
    assert url.startswith("http")
    params, key = checkout_params(stripe_account)
    assert key == "gift-12"
    metadata = {"gift_id": "12", "gift_plan": "yearly"}
    assert params == {
        "mode": "payment",
        "line_items": [{"price": GIFT_YEAR, "quantity": "1"}],
        **CHECKOUT_URLS,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
    }


def test_a_lifetime_checkout_is_a_payment_that_makes_a_customer_or_reuses_one(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    gateway.create_checkout(
        "lifetime",
        "price_lifetime_333",
        request_nonce="n2",
        customer_email="ann@x.test",
        **CHECKOUT_URLS,
    )
    params, key = checkout_params(stripe_account)
    assert key == "checkout-lifetime-n2"
    assert params == {
        "mode": "payment",
        "line_items": [{"price": "price_lifetime_333", "quantity": "1"}],
        **CHECKOUT_URLS,
        "metadata": {"plan": "lifetime"},
        "payment_intent_data": {"metadata": {"plan": "lifetime"}},
        "customer_creation": "always",
        "customer_email": "ann@x.test",
        "allow_promotion_codes": "true",
    }
    customer = buy(stripe_account, "monthly")["customer"]
    stripe_account.sent.clear()
    gateway.create_checkout(
        "lifetime", "price_lifetime_333", request_nonce="n3", customer_id=customer, **CHECKOUT_URLS
    )
    params, _ = checkout_params(stripe_account)
    assert params["customer"] == customer
    assert "customer_creation" not in params and "customer_email" not in params


def test_a_checkout_offer_adds_a_trial_and_a_pre_applied_code(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    promo = stripe_account.add_promotion_code("WELCOME", 10)
    offer = CheckoutOffer(trial_days=7, promotion_code_id=promo["id"])
    gateway.create_checkout(
        "monthly", PRICES["monthly"], request_nonce="n4", offer=offer, **CHECKOUT_URLS
    )
    params, _ = checkout_params(stripe_account)
    assert params["subscription_data"] == {
        "metadata": {"plan": "monthly"},
        "trial_period_days": "7",
    }
    assert params["discounts"] == [{"promotion_code": promo["id"]}]
    assert "allow_promotion_codes" not in params
    stripe_account.sent.clear()
    gateway.create_checkout(
        "yearly",
        PRICES["yearly"],
        request_nonce="n5",
        offer=CheckoutOffer(allow_promotion_codes=False),
        **CHECKOUT_URLS,
    )
    params, _ = checkout_params(stripe_account)
    assert "allow_promotion_codes" not in params and "discounts" not in params


def test_a_promotion_code_is_found_by_what_customers_type(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    promo = stripe_account.add_promotion_code("Spring", 25, "repeating", 2)
    found = gateway.promotion_code("SPRING")
    assert found is not None and (found.id, found.usable) == (promo["id"], True)
    assert found.applied == "Code Spring: 25% off for 2 months."
    assert gateway.promotion_code("WINTER") is None
    # One code, its coupon expanded in the same request (the API's current shape).
    asked = sent(stripe_account, "GET", "/v1/promotion_codes")[0]
    assert asked.params == {"code": "SPRING", "limit": "1", "expand[0]": "data.promotion.coupon"}


def test_ever_subscribed_sees_ended_subscriptions_too(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    session = buy(stripe_account, "monthly")
    assert gateway.ever_subscribed(session["customer"])
    stripe_account.end_subscription(session["subscription"])
    assert gateway.ever_subscribed(session["customer"])
    lifetime_only = stripe_account.add("cus", {"object": "customer", "email": "l@x.test"})
    assert not gateway.ever_subscribed(lifetime_only["id"])
    asked = sent(stripe_account, "GET", "/v1/subscriptions")[-1]
    assert asked.params == {"customer": lifetime_only["id"], "status": "all", "limit": "1"}


def test_a_gift_credit_is_the_gifts_price_off_the_balance_once_however_often_asked(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    customer = buy(stripe_account, "monthly")["customer"]
    for _ in range(2):  # a retried redemption asks again
        gateway.credit_customer(customer, 22200, gift_id=7)
    assert stripe_account.get(customer, "customer")["balance"] == -22200
    path = f"/v1/customers/{customer}/balance_transactions"
    asked = sent(stripe_account, "POST", path)
    assert [r.idempotency_key for r in asked] == ["gift-credit-7", "gift-credit-7"]
    expected = {"amount": "-22200", "currency": "usd", "description": "Gift membership 7"}
    assert asked[0].params == expected
    gateway.credit_customer(customer, 5000, gift_id=8, currency="eur")
    assert sent(stripe_account, "POST", path)[-1].params["currency"] == "eur"


def test_purchases_of_customers_adds_up_each_customers_own_purchases(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    monthly = buy(stripe_account, "monthly")
    customer = monthly["customer"]
    lifetime = buy(stripe_account, "lifetime", customer=customer)
    other = buy(stripe_account, "yearly")
    found = gateway.purchases_of([customer, customer, other["customer"], "cus_unknown"])
    assert sorted(s.plan for s in found.subscriptions) == ["monthly", "yearly"]
    assert [p.checkout_session_id for p in found.lifetime] == [lifetime["id"]]
    queries = [(r.path, r.params) for r in stripe_account.sent if r.method == "GET"]
    every = {"customer": customer, "status": "all", "expand[0]": "data.discounts", "limit": "100"}
    assert ("/v1/subscriptions", every) in queries
    assert (
        "/v1/checkout/sessions",
        {"customer": customer, "status": "complete", "limit": "100"},
    ) in queries
    assert ("/v1/charges", {"customer": customer, "limit": "100"}) in queries
    assert len([q for q in queries if q[1].get("customer") == customer]) == 3  # once each


def test_a_checkout_summary_reads_what_provisioning_needs() -> None:
    found = {
        "id": "cs_1",
        "status": "complete",
        "payment_status": "no_payment_required",
        "customer": "cus_1",
        "customer_email": "typed@x.test",
        "created": 1700000000,
        "metadata": {"plan": "yearly", "member_id": "3"},
        "currency": "eur",
    }
    summary = stripe_api.checkout_summary(found)
    assert summary.complete and summary.mode == "subscription" and summary.currency == "eur"
    assert summary.email == "typed@x.test" and summary.created == 1700000000
    unpaid = stripe_api.checkout_summary({**found, "payment_status": "unpaid", "created": None})
    assert not unpaid.complete and unpaid.created == 0
    assert not stripe_api.checkout_summary({**found, "status": "open"}).complete
    assert stripe_api.checkout_summary({**found, "mode": "payment"}).mode == "payment"


def test_a_subscription_without_plan_metadata_is_named_by_the_configured_price(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    """Subscriptions made in the Dashboard carry no `plan` metadata: the price table decides."""
    session = buy(stripe_account, "yearly")
    stripe_account.get(session["subscription"], "subscription")["metadata"] = {}
    (state,) = gateway.all_purchases()[session["customer"]].subscriptions
    assert state.plan == "yearly"
    (state,) = gateway.purchases_of([session["customer"]]).subscriptions  # one customer's too
    assert state.plan == "yearly"
    stripe_account.get(session["subscription"], "subscription")["items"]["data"][0]["price"][
        "recurring"
    ] = None  # no interval to fall back on either
    (state,) = gateway.all_purchases()[session["customer"]].subscriptions
    assert state.plan == "yearly"


def test_a_lookup_refused_or_failing_raises_one_line_that_says_which(
    stripe_account: FakeStripeAccount, gateway: StripeGateway
) -> None:
    customer = buy(stripe_account, "monthly")["customer"]
    path = f"/v1/customers/{customer}"
    stripe_account.refuse("GET", path, "Your account cannot read customers.", status=400)
    with pytest.raises(StripeFailure) as refused:
        gateway.customer_email(customer)
    assert str(refused.value) == "Stripe refused the request: Your account cannot read customers."
    stripe_account.refuse("GET", path, "Stripe is having a bad day.", status=500)
    with pytest.raises(StripeFailure) as failing:
        gateway.customer_email(customer)
    assert str(failing.value) == "Stripe could not be reached: Stripe is having a bad day."


# --- how the client reaches Stripe ------------------------------------------------------


def test_without_an_address_calls_go_to_stripe_bounded_and_retried_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every call carries a 10 s timeout and a network error is tried twice more, no more.

    No request leaves the machine: the HTTP library's send is replaced by one that records
    what it was asked and fails as a dropped connection would, and the library's backoff
    between tries is set to nothing so the test does not wait.
    """
    attempts: list[tuple[str, object]] = []

    def unreachable(self: requests.Session, method: str, url: str, **kwargs: Any) -> None:
        attempts.append((url, kwargs.get("timeout")))
        raise requests.exceptions.ConnectionError("connection dropped")

    monkeypatch.setattr(requests.Session, "request", unreachable)
    monkeypatch.setattr(HTTPClient, "_sleep_time_seconds", lambda self, num_retries: 0)
    gateway = StripeGateway("sk_test_unreachable", prices=PRICES)
    with pytest.raises(StripeFailure, match=r"^Stripe could not be reached"):
        gateway.customer_email("cus_nowhere")
    assert attempts == [("https://api.stripe.com/v1/customers/cus_nowhere", 10)] * 3
