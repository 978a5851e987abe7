"""What only tests make a Stripe account do: the stand-in's account, scripted.

The demo's stand-in (`publisher.demo.billing`) does what a customer does at Checkout and in
the portal and what Stripe's billing engine does as time passes. A test also needs what the
demo never shows: a card failing on renewal and recovering, a refund or dispute made in
Stripe's dashboard, a declined payment, a deleted customer, an API call Stripe refuses, and
quick lookups of what a Checkout Session created. Those live here, so the product carries
none of them; each changes the account as Stripe would and returns the events Stripe would
send, for the test to deliver or withhold.
"""

from __future__ import annotations

from typing import Any

from publisher.demo.billing.engine import StandInAccount
from publisher.demo.billing.store import PRICES, StripeRefusal


class ScriptedAccount(StandInAccount):
    """A stand-in account a test drives beyond what the demo's pages can."""

    # --- what happens at Stripe that the demo never shows -----------------------------------

    def fail_renewal(self, sub_id: str, at: int | None = None) -> list[dict[str, Any]]:
        """The renewal charge fails (at `at`, default now): the subscription goes past_due."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            self._new_period(sub, self.now() if at is None else at)
            sub["status"] = "past_due"
            invoice = self._invoice(sub, paid=False)
            return [
                self.event("invoice.payment_failed", invoice),
                self.event("customer.subscription.updated", sub),
            ]

    def recover(self, sub_id: str) -> list[dict[str, Any]]:
        """The member updates their card and the open invoice is paid: active again."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            invoice = self.get(sub["latest_invoice"], "invoice")
            invoice.update(status="paid", amount_paid=invoice["amount_due"])
            self._pay_invoice(invoice)
            sub["status"] = "active"
            return [
                self.event("invoice.paid", invoice),
                self.event("customer.subscription.updated", sub),
            ]

    def refund(self, charge_id: str, amount: int | None = None) -> list[dict[str, Any]]:
        """Refund all (default) or part of a charge."""
        with self.lock:
            charge = self.get(charge_id, "charge")
            charge["amount_refunded"] += charge["amount"] if amount is None else amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            return [self.event("charge.refunded", charge)]

    def dispute(self, charge_id: str) -> list[dict[str, Any]]:
        """The cardholder disputes a charge with their bank."""
        with self.lock:
            charge = self.get(charge_id, "charge")
            charge["disputed"] = True
            dispute = self.add(
                "dp",
                {
                    "object": "dispute",
                    "charge": charge_id,
                    "payment_intent": charge["payment_intent"],
                    "amount": charge["amount"],
                    "status": "needs_response",
                    "reason": "fraudulent",
                },
            )
            return [self.event("charge.dispute.created", dispute)]

    def decline_charge(self, customer_id: str, amount: int = 7700) -> dict[str, Any]:
        """A payment the customer's bank declines: a failed charge, never paid."""
        with self.lock:
            charge = self._charge(customer_id, amount)
            charge.update(paid=False, status="failed")
            return charge

    def delete_customer(self, customer_id: str) -> None:
        """The customer is deleted; Stripe then answers only id, object and `deleted`."""
        with self.lock:
            self.get(customer_id, "customer")
            self.objects[customer_id] = {"id": customer_id, "object": "customer", "deleted": True}

    def refuse(
        self, method: str, path: str, message: str, status: int = 400, code: str | None = None
    ) -> None:
        """From now on Stripe answers `method path` with this error (and says not to retry)."""
        self.refusals[(method, path)] = StripeRefusal(status, message, code)

    # --- lookups for tests -----------------------------------------------------------------

    def session_subscription(self, session_id: str) -> str:
        return self.get(session_id, "checkout.session")["subscription"]

    def session_charge(self, session_id: str) -> str:
        pi = self.get(session_id, "checkout.session")["payment_intent"]
        return next(c["id"] for c in self.of_kind("charge") if c["payment_intent"] == pi)

    def newest_checkout_session(self) -> dict[str, Any]:
        return self.of_kind("checkout.session")[0]

    def sent_events(self, type_: str) -> list[dict[str, Any]]:
        """The events of one type Stripe has sent so far, oldest first."""
        return [e for e in self.events if e["type"] == type_]

    def checkout_for(
        self, plan: str, customer: str | None = None, member_id: int | None = None
    ) -> str:
        """A Checkout Session made as the join route makes one for a signed-in member."""
        price = next(p for p in PRICES if p.split("_")[1] == plan)
        metadata = {"plan": plan} | ({"member_id": str(member_id)} if member_id else {})
        params: dict[str, Any] = {
            "customer_creation": "always" if plan == "lifetime" and customer is None else None,
            "mode": "payment" if plan == "lifetime" else "subscription",
            "line_items": [{"price": price, "quantity": 1}],
            "success_url": "http://127.0.0.1/welcome?session_id={CHECKOUT_SESSION_ID}",
            "metadata": metadata,
            "subscription_data": {"metadata": {"plan": plan}},
        }
        if customer is not None:
            params["customer"] = customer
        return self.create_checkout_session(params)["id"]
