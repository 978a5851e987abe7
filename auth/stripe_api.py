"""The calls we make to Stripe, through stripe-python's `StripeClient`, as plain values.

Everything the service asks Stripe goes through `StripeGateway`: creating Checkout and
Customer Portal sessions (with idempotency keys, so a retried request never makes a second
one: https://docs.stripe.com/api/idempotent_requests), and reading a customer's current
subscriptions and lifetime payments. Answers come back as the plain values of
`auth.stripe_values` and `auth.billing_rules`, so nothing above this module sees a Stripe
object; how a call is made (timeouts, retries, errors) is `auth.stripe_calls`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any, cast

from stripe import InvalidRequestError, StripeError

from auth.offers import CheckoutOffer, PromotionOffer, promotion_offer
from auth.plans import Plan
from auth.stripe_calls import StripeCalls, StripeFailure
from auth.stripe_shapes import LIFETIME, first_line, id_of, lifetime_purchase, subscription_state
from auth.stripe_values import (
    ChargeState,
    CheckoutSummary,
    Purchases,
    checkout_summary,
    group_purchases,
)

__all__ = [
    "LIFETIME",
    "ChargeState",
    "CheckoutSummary",
    "Purchases",
    "StripeFailure",
    "StripeGateway",
    "checkout_summary",
    "lifetime_purchase",
    "subscription_state",
]


# Every subscription, ended ones too, with the promotion each carries (ids unless expanded).
_EVERY_SUBSCRIPTION = {"status": "all", "expand": ["data.discounts"]}


class StripeGateway(StripeCalls):
    """Everything the service asks Stripe, answered as plain values (`auth.stripe_values`)."""

    # --- sessions a member is sent to ----------------------------------------------------

    def create_checkout(
        self,
        plan: str,
        price: str,
        success_url: str,
        cancel_url: str,
        request_nonce: str,
        customer_id: str | None = None,
        member_id: int | str | None = None,
        customer_email: str | None = None,
        offer: CheckoutOffer | None = None,
    ) -> str:
        """A Checkout Session for one plan; its URL. Lifetime is a one-time payment.

        `member_id` (a signed-in member) goes into the session's metadata, which only our
        server can set: provisioning trusts it, never the email typed at Checkout.
        `customer_email` prefills Checkout when the member has no Stripe customer yet.
        `offer` adds a free trial and a promotion code (pre-applied, or typed at Checkout).
        """
        offer = offer or CheckoutOffer()
        metadata = {"plan": plan}
        if member_id is not None:
            metadata["member_id"] = str(member_id)
        params: dict[str, Any] = {
            "mode": "payment" if plan == Plan.LIFETIME else "subscription",
            "line_items": [{"price": price, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
        }
        if plan == Plan.LIFETIME:
            # Payment mode makes no customer unless asked; a member is one customer.
            params["payment_intent_data"] = {"metadata": {"plan": plan}}
            if customer_id is None:
                params["customer_creation"] = "always"
        else:
            params["subscription_data"] = {"metadata": {"plan": plan}}
            if offer.trial_days:
                params["subscription_data"]["trial_period_days"] = offer.trial_days
        # Stripe takes either a pre-applied discount or the field to type a code, not both.
        if offer.promotion_code_id:
            params["discounts"] = [{"promotion_code": offer.promotion_code_id}]
        elif offer.allow_promotion_codes:
            params["allow_promotion_codes"] = True
        if customer_id is not None:
            params["customer"] = customer_id
        elif customer_email:
            params["customer_email"] = customer_email
        key = f"checkout-{plan}-{request_nonce}"
        session = self._call(
            self.client.v1.checkout.sessions.create, params, {"idempotency_key": key}
        )
        return cast(str, session["url"])

    def create_gift_checkout(
        self, plan: str, price: str, gift_id: int, success_url: str, cancel_url: str
    ) -> str:
        """A one-time Checkout for a gift; its URL. It makes no Stripe customer: a gift's
        buyer is not a member by buying one, and its recipient proves their own address."""
        metadata = {"gift_id": str(gift_id), "gift_plan": plan}
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [{"price": price, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
        }
        session = self._call(
            self.client.v1.checkout.sessions.create, params, {"idempotency_key": f"gift-{gift_id}"}
        )
        return cast(str, session["url"])

    def credit_customer(
        self, customer_id: str, cents: int, gift_id: int, currency: str = "usd"
    ) -> None:
        """A credit on the customer's balance, which Stripe applies to their next invoices
        (a gift redeemed by a member who pays): what the gift cost, in the currency it was
        paid in; once per gift, however often it is asked."""
        self._call(
            lambda params, options: self.client.v1.customers.balance_transactions.create(
                customer_id, params=params, options=options
            ),
            {"amount": -cents, "currency": currency, "description": f"Gift membership {gift_id}"},
            {"idempotency_key": f"gift-credit-{gift_id}"},
        )

    def create_portal(self, customer_id: str, return_url: str) -> str:
        """A Customer Portal session URL; repeated clicks within a minute reuse one session."""
        key = f"portal-{customer_id}-{int(time.time()) // 60}"
        session = self._call(
            self.client.v1.billing_portal.sessions.create,
            {"customer": customer_id, "return_url": return_url},
            {"idempotency_key": key},
        )
        return cast(str, session["url"])

    def promotion_code(self, code: str) -> PromotionOffer | None:
        """The promotion code a customer would type, with its coupon; None if there is none."""
        found = self._call(
            self.client.v1.promotion_codes.list,
            {"code": code, "limit": 1, "expand": ["data.promotion.coupon"]},
        )
        return promotion_offer(found[0], int(time.time())) if found else None

    # --- reading what was bought ---------------------------------------------------------

    def ever_subscribed(self, customer_id: str) -> bool:
        """Whether this customer has had any subscription (a trial is for a first one)."""
        found = self._call(
            self.client.v1.subscriptions.list,
            {"customer": customer_id, "status": "all", "limit": 1},
        )
        return bool(found)

    def checkout_session(self, session_id: str) -> CheckoutSummary | None:
        """The Checkout Session as Stripe has it now, or None when Stripe has no such session."""
        found = self._retrieve(self.client.v1.checkout.sessions.retrieve, session_id)
        if found is None:
            return None
        return checkout_summary(found)

    def completed_checkouts(self, customer_id: str) -> list[CheckoutSummary]:
        """A customer's completed Checkout Sessions, oldest first."""
        found = self._list(
            self.client.v1.checkout.sessions.list, {"customer": customer_id, "status": "complete"}
        )
        summaries = [checkout_summary(raw) for raw in reversed(found)]
        return [s for s in summaries if s.complete]

    def customer_email(self, customer_id: str) -> str | None:
        found = self._retrieve(self.client.v1.customers.retrieve, customer_id)
        return None if found is None or found.get("deleted") else found.get("email")

    def charge_customer(self, charge_id: str) -> str | None:
        found = self.charge_state(charge_id)
        return None if found is None else found.customer_id

    def charge_state(self, charge_id: str) -> ChargeState | None:
        """The charge as Stripe has it now (refunded in full, disputed), or None."""
        found = self._retrieve(self.client.v1.charges.retrieve, charge_id)
        if found is None:
            return None
        return ChargeState(
            id=charge_id,
            customer_id=id_of(found.get("customer")),
            payment_intent_id=id_of(found.get("payment_intent")),
            refunded=bool(found.get("refunded")),
            disputed=bool(found.get("disputed")),
        )

    def purchases_of(self, customer_ids: Iterable[str]) -> Purchases:
        """The current subscriptions and lifetime payments of these customers."""
        total = Purchases()
        for customer_id in dict.fromkeys(customer_ids):
            scope = {"customer": customer_id}
            total += group_purchases(
                self._list(self.client.v1.subscriptions.list, {**scope, **_EVERY_SUBSCRIPTION}),
                self._list(self.client.v1.checkout.sessions.list, {**scope, "status": "complete"}),
                self._list(self.client.v1.charges.list, scope),
                self.plan_of_price,
            ).get(customer_id, Purchases())
        return total

    def all_purchases(self) -> dict[str, Purchases]:
        """Every customer's purchases in the account, for reconciliation."""
        return group_purchases(
            self._list(self.client.v1.subscriptions.list, _EVERY_SUBSCRIPTION),
            self._list(self.client.v1.checkout.sessions.list, {"status": "complete"}),
            self._list(self.client.v1.charges.list, {}),
            self.plan_of_price,
        )

    def all_customer_emails(self) -> dict[str, str | None]:
        return {c["id"]: c.get("email") for c in self._list(self.client.v1.customers.list, {})}

    # --- undoing a purchase ------------------------------------------------------------------

    def cancel_subscription_now(self, subscription_id: str) -> None:
        """End a subscription at once (no further invoices); already ended is fine."""
        try:
            self._call(
                lambda params, options: self.client.v1.subscriptions.cancel(
                    subscription_id, params=params, options=options
                ),
                {},
                {"idempotency_key": f"cancel-now-{subscription_id}"},
            )
        except StripeFailure:
            current = self._retrieve(self.client.v1.subscriptions.retrieve, subscription_id)
            if current is None or current.get("status") not in ("canceled", "incomplete_expired"):
                raise

    def refund_payment(self, payment_intent_id: str) -> None:
        """Refund a payment in full; a payment already refunded in full is fine."""
        try:
            self.client.v1.refunds.create(
                params={"payment_intent": payment_intent_id},
                options={"idempotency_key": f"refund-{payment_intent_id}"},
            )
        except InvalidRequestError as exc:
            if exc.code != "charge_already_refunded":
                raise StripeFailure(f"Stripe refused the refund: {first_line(exc)}") from exc
        except StripeError as exc:
            raise StripeFailure(f"Stripe could not be reached: {first_line(exc)}") from exc

    def last_payment_of_customer(self, customer_id: str) -> str | None:
        """The PaymentIntent of the customer's newest paid charge not yet refunded in full.

        Stripe lists charges newest first; `lovetv member revoke --refund-last` refunds it.
        """
        for charge in self._list(self.client.v1.charges.list, {"customer": customer_id}):
            if charge.get("paid") and not charge.get("refunded"):
                intent = id_of(charge.get("payment_intent"))
                if intent:
                    return intent
        return None

    def first_payment_of_subscription(self, subscription_id: str) -> str | None:
        """The PaymentIntent that paid a subscription's first invoice, if one was paid.

        Since API version 2025-03-31 an invoice names its payments through InvoicePayment
        objects (https://docs.stripe.com/api/invoice-payment); older invoices carried
        `payment_intent` themselves, read as a fallback.
        """
        invoices = self._list(self.client.v1.invoices.list, {"subscription": subscription_id})
        paid = [i for i in invoices if i.get("status") == "paid" and i.get("amount_paid")]
        if not paid:
            return None
        first = paid[-1]  # Stripe lists newest first
        payments = self._list(self.client.v1.invoice_payments.list, {"invoice": first["id"]})
        for payment in payments:
            if payment.get("status") == "paid":
                intent = id_of((payment.get("payment") or {}).get("payment_intent"))
                if intent:
                    return intent
        return id_of(first.get("payment_intent"))
