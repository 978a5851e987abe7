"""What customers and Stripe's billing engine do to a stand-in account.

Paying at Checkout (with a promotion code) here; renewals, cancellations and the clock in
`subscriptions`. Each method changes the account the way Stripe would and returns the
events Stripe would send, in their true order, for the caller to deliver (the demo's webhook
sender) or to withhold (a test). What only tests make happen (a card failing, a refund, a
dispute, a refusal) is scripted in the tests' own subclass (tests/support/stripe_scripts.py).
"""

from __future__ import annotations

from typing import Any

from publisher.demo.billing.subscriptions import SubscriptionEngine


class StandInAccount(SubscriptionEngine):
    """An account whose customers and billing engine a test or the demo's pages drive."""

    # --- what customers do at Checkout ----------------------------------------------------

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
