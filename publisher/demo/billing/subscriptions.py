"""Stripe's billing engine in the stand-in: subscriptions, invoices, charges and the clock.

A subscription starts from a paid Checkout Session, renews at each period's end, is
cancelled at period end or ended; `end_period_now` moves the clock as Stripe's test clocks
do, so the demo's portal can show a renewal or an ending without waiting a month.
"""

from __future__ import annotations

from typing import Any

from publisher.demo.billing.store import PERIOD_SECONDS, PRICES, StripeStore, new_id, price_object


class SubscriptionEngine(StripeStore):
    """What Stripe's billing engine does to an account's subscriptions as time passes."""

    def _discounts_of(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        """The session's discount as the subscription carries it (expanded, as listed with
        `expand=data.discounts`)."""
        coupons = (self.objects.get(d.get("coupon", "")) for d in session["discounts"])
        return [
            {"object": "discount", "source": {"type": "coupon", "coupon": coupon}}
            for coupon in coupons
            if coupon is not None
        ]

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
                "discounts": self._discounts_of(session),
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
