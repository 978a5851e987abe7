"""What customers and Stripe's billing engine do to a stand-in account.

Paying at checkout, a card failing on renewal, a recovery, a cancellation, a refund, a
dispute, the clock reaching the end of a period: each method changes the account the way
Stripe would and returns the events Stripe would send, in their true order, for the caller
to deliver (the demo's webhook sender) or to withhold (a test).
"""

from __future__ import annotations

from typing import Any

from publisher.demo.billing.store import (
    PERIOD_SECONDS,
    PRICES,
    StripeRefusal,
    StripeStore,
    new_id,
    price_object,
)


class StandInAccount(StripeStore):
    """An account whose customers and billing engine a test or the demo's pages drive."""

    # --- what customers and Stripe's billing engine do -----------------------------------

    def pay_checkout(
        self,
        session_id: str,
        email: str,
        promotion_code: str | None = None,
        name: str | None = None,
    ) -> list[dict[str, Any]]:
        """The customer pays on the Checkout page (with the code they typed, if the session
        takes codes, and the name they typed, if any): Stripe creates what the session
        sells."""
        with self.lock:
            session = self.get(session_id, "checkout.session")
            assert session["status"] == "open", "a Checkout Session is paid only once"
            self._apply_discount(session, promotion_code)
            events: list[dict[str, Any]] = []
            # A subscription always has a customer; a one-time payment only when asked for
            # (`customer_creation=always`), otherwise just the address in customer_details.
            wants_customer = session["mode"] == "subscription" or (
                session["customer_creation"] == "always"
            )
            if session["customer"] is None and not wants_customer:
                session["customer_details"] = {
                    "email": session["customer_email"] or email,
                    "name": name,
                }
            elif session["customer"] is None:
                # A session made with customer_email fixes the address; the buyer cannot edit it.
                email = session["customer_email"] or email
                customer = self.add("cus", {"object": "customer", "email": email, "name": name})
                session["customer"] = customer["id"]
                events.append(self.event("customer.created", customer))
            if session["customer"] is not None:
                customer_email = self.get(session["customer"], "customer")["email"]
                session["customer_details"] = {"email": customer_email, "name": name}
            session.update(status="complete", payment_status="paid")
            if session["mode"] == "subscription":
                sub_events = self._start_subscription(session)
                events.append(self.event("checkout.session.completed", session))
                events += sub_events
            else:
                charge = self._charge(session["customer"], session["amount_total"])
                session["payment_intent"] = charge["payment_intent"]
                events.append(self.event("checkout.session.completed", session))
                events.append(self.event("charge.succeeded", charge))
            return events

    def usable_promotion_code(self, code: str) -> dict[str, Any] | None:
        """The active, unexpired promotion code a customer typed, or None."""
        for promo in self.list_objects("promotion_code", {"code": code.strip()}):
            expires = promo.get("expires_at")
            if promo["active"] and not (expires and expires <= self.now()):
                return promo
        return None

    def _apply_discount(self, session: dict[str, Any], typed: str | None) -> None:
        """The session's pre-applied code, or the typed one: the total and what it records."""
        promo_id = next((d.get("promotion_code") for d in session["discounts"]), None)
        promo = self.objects.get(promo_id or "")
        if promo is None and typed and session["allow_promotion_codes"]:
            promo = self.usable_promotion_code(typed)
        if promo is None:
            return
        coupon = promo["promotion"]["coupon"]
        total = session["amount_total"]
        off = total * coupon["percent_off"] / 100 if coupon.get("percent_off") else 0
        off = round(off) or min(total, int(coupon.get("amount_off") or 0))
        session["amount_total"] = total - off
        session["total_details"] = {"amount_discount": off}
        session["discounts"] = [{"promotion_code": promo["id"], "coupon": coupon["id"]}]
        promo["times_redeemed"] = promo.get("times_redeemed", 0) + 1

    def _discounts_of(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        """The session's discount as the subscription carries it (expanded, as listed with
        `expand=data.discounts`)."""
        coupons = (self.objects.get(d.get("coupon", "")) for d in session["discounts"])
        return [
            {"object": "discount", "source": {"type": "coupon", "coupon": coupon}}
            for coupon in coupons
            if coupon is not None
        ]

    def add_promotion_code(
        self, code: str, percent_off: float, duration: str = "once", months: int | None = None
    ) -> dict[str, Any]:
        """A coupon and the code customers type for it (as made in Stripe's dashboard)."""
        with self.lock:
            coupon = self.add(
                "coupon",
                {
                    "object": "coupon",
                    "percent_off": percent_off,
                    "amount_off": None,
                    "duration": duration,
                    "duration_in_months": months,
                    "valid": True,
                },
            )
            return self.add(
                "promo",
                {
                    "object": "promotion_code",
                    "code": code,
                    "active": True,
                    "expires_at": None,
                    "max_redemptions": None,
                    "times_redeemed": 0,
                    "promotion": {"type": "coupon", "coupon": coupon},
                },
            )

    def _start_subscription(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        price_id = session["_price"]
        start = self.now()
        # A free trial (subscription_data[trial_period_days]) starts with an invoice for 0.
        trial_days = int(session["_subscription_data"].get("trial_period_days") or 0)
        period = trial_days * 86400 or PERIOD_SECONDS[PRICES[price_id]["interval"]]
        sub = self.add(
            "sub",
            {
                "object": "subscription",
                "customer": session["customer"],
                "status": "trialing" if trial_days else "active",
                "cancel_at_period_end": False,
                "canceled_at": None,
                "metadata": session["_subscription_data"].get("metadata") or {},
                "discounts": [
                    {"object": "discount", "source": {"type": "coupon", "coupon": coupon}}
                    for coupon in (
                        self.objects.get(d.get("coupon", "")) for d in session["discounts"]
                    )
                    if coupon is not None
                ],
                "trial_end": start + period if trial_days else None,
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "object": "subscription_item",
                            "id": new_id("si"),
                            "price": price_object(price_id),
                            "quantity": 1,
                            "current_period_start": start,
                            "current_period_end": start + period,
                        }
                    ],
                    "has_more": False,
                },
            },
        )
        session["subscription"] = sub["id"]
        invoice = self._invoice(sub, paid=True, amount=0 if trial_days else session["amount_total"])
        return [
            self.event("customer.subscription.created", sub),
            self.event("invoice.paid", invoice),
        ]

    def _charge(self, customer: str, amount: int) -> dict[str, Any]:
        return self.add(
            "ch",
            {
                "object": "charge",
                "customer": customer,
                "amount": amount,
                "amount_refunded": 0,
                "refunded": False,
                "disputed": False,
                "paid": True,
                "status": "succeeded",
                "payment_intent": new_id("pi"),
                "currency": "usd",
            },
        )

    def _invoice(
        self, sub: dict[str, Any], paid: bool, amount: int | None = None
    ) -> dict[str, Any]:
        item = sub["items"]["data"][0]
        amount = item["price"]["unit_amount"] if amount is None else amount
        invoice = self.add(
            "in",
            {
                "object": "invoice",
                "customer": sub["customer"],
                "status": "paid" if paid else "open",
                "amount_due": amount,
                "amount_paid": amount if paid else 0,
                "attempted": True,
                "period_start": item["current_period_start"],
                "period_end": item["current_period_end"],
                "parent": {"subscription_details": {"subscription": sub["id"]}},
            },
        )
        if paid and amount:  # an invoice for 0 is paid without a charge
            self._pay_invoice(invoice)
        sub["latest_invoice"] = invoice["id"]
        return invoice

    def _pay_invoice(self, invoice: dict[str, Any]) -> None:
        """A charge for the invoice and the InvoicePayment that links them (API 2025-03-31+)."""
        charge = self._charge(invoice["customer"], invoice["amount_due"])
        invoice["charge"] = charge["id"]
        if self.legacy_invoices:
            invoice["payment_intent"] = charge["payment_intent"]
            return
        self.add(
            "inpay",
            {
                "object": "invoice_payment",
                "invoice": invoice["id"],
                "amount_paid": invoice["amount_due"],
                "currency": "usd",
                "is_default": True,
                "status": "paid",
                "payment": {"type": "payment_intent", "payment_intent": charge["payment_intent"]},
            },
        )

    def _new_period(self, sub: dict[str, Any], start: int) -> None:
        item = sub["items"]["data"][0]
        item["current_period_start"] = start
        item["current_period_end"] = start + PERIOD_SECONDS[item["price"]["recurring"]["interval"]]

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

    def renew(self, sub_id: str) -> list[dict[str, Any]]:
        """A renewal that simply succeeds: a new period, a paid invoice."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            self._new_period(sub, self.now())
            sub["status"] = "active"
            invoice = self._invoice(sub, paid=True)
            return [
                self.event("invoice.paid", invoice),
                self.event("customer.subscription.updated", sub),
            ]

    def cancel_at_period_end(self, sub_id: str) -> list[dict[str, Any]]:
        """The member cancels in the portal: access continues until the period ends."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            sub["cancel_at_period_end"] = True
            return [self.event("customer.subscription.updated", sub)]

    def end_subscription(self, sub_id: str, status: str = "canceled") -> list[dict[str, Any]]:
        """Stripe ends the subscription (period over, retries exhausted, paused)."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            sub["status"] = status
            if status == "canceled":
                sub["canceled_at"] = self.now()
                return [self.event("customer.subscription.deleted", sub)]
            kind = "paused" if status == "paused" else "updated"
            return [self.event(f"customer.subscription.{kind}", sub)]

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

    # --- the clock: what happens when time passes -------------------------------------------

    def keep_subscription(self, sub_id: str) -> list[dict[str, Any]]:
        """The member takes back a cancellation in the portal: it renews as usual again."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            sub["cancel_at_period_end"] = False
            return [self.event("customer.subscription.updated", sub)]

    def end_period_now(self, sub_id: str) -> list[dict[str, Any]]:
        """Move the clock to just past this subscription's period end (a demo's time travel,
        as Stripe's test clocks do) and let the billing engine do what is due."""
        with self.lock:
            sub = self.get(sub_id, "subscription")
            period_end = sub["items"]["data"][0]["current_period_end"]
            self.time_offset += max(0, period_end + 1 - self.now())
            return self.run_due()

    def run_due(self) -> list[dict[str, Any]]:
        """Every period that has ended by now: a cancelled subscription ends, others renew."""
        with self.lock:
            events: list[dict[str, Any]] = []
            for sub in self.of_kind("subscription"):
                if sub["status"] not in ("active", "trialing"):
                    continue
                if sub["items"]["data"][0]["current_period_end"] > self.now():
                    continue
                if sub["cancel_at_period_end"]:
                    events += self.end_subscription(sub["id"])
                else:
                    events += self.renew(sub["id"])
            return events
