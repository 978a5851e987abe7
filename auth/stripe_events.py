"""Stripe webhook events: check they came from Stripe, then say which member they concern.

An event is only a hint that something changed. Stripe neither orders nor de-duplicates
deliveries (https://docs.stripe.com/webhooks#event-ordering), so the event's payload is
never applied as the member's new state: `interpret_event` only names the Stripe customer
(or the checkout session or charge that leads to one), and the shell re-reads the current
state from Stripe before deciding anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from stripe import SignatureVerificationError, WebhookSignature

# Stripe's own default: a signature older than five minutes is a replay.
# https://docs.stripe.com/webhooks#replay-attacks
SIGNATURE_TOLERANCE_SECONDS = 300


class EventRejected(ValueError):
    """The request is not a genuine, well-formed Stripe event; nothing may change."""


@dataclass(frozen=True)
class MembershipEvent:
    """Which purchase an event is about, and when Stripe created it (for ordering)."""

    event_id: str
    type: str
    created: int
    customer_id: str | None = None
    checkout_session_id: str | None = None
    charge_id: str | None = None


def verify_event(
    payload: bytes,
    signature_header: str | None,
    secret: str,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> dict[str, Any]:
    """The event dict, if `Stripe-Signature` proves Stripe sent this body recently."""
    try:
        WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
        event = json.loads(payload)
    except (SignatureVerificationError, UnicodeDecodeError) as exc:
        raise EventRejected(f"bad signature: {str(exc).splitlines()[0]}") from None
    except ValueError:
        raise EventRejected("the body is not JSON") from None
    if not _well_formed(event):
        raise EventRejected("not a Stripe event (id, type, created and data.object expected)")
    return event


def _well_formed(event: object) -> bool:
    return (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("created"), int)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    )


def interpret_event(event: dict[str, Any]) -> MembershipEvent | None:
    """Name the customer, session or charge an event concerns; None for other events."""
    obj: dict[str, Any] = event["data"]["object"]
    base = {"event_id": event["id"], "type": event["type"], "created": event["created"]}
    match event["type"]:
        case "checkout.session.completed" | "checkout.session.async_payment_succeeded":
            return MembershipEvent(
                **base, checkout_session_id=obj.get("id"), customer_id=_id_of(obj.get("customer"))
            )
        case (
            "customer.subscription.created"
            | "customer.subscription.updated"
            | "customer.subscription.deleted"
            | "customer.subscription.paused"
            | "customer.subscription.resumed"
            | "invoice.paid"
            | "invoice.payment_failed"
        ):
            return MembershipEvent(**base, customer_id=_id_of(obj.get("customer")))
        case "charge.refunded":
            return MembershipEvent(
                **base, customer_id=_id_of(obj.get("customer")), charge_id=obj.get("id")
            )
        case "charge.dispute.created" | "charge.dispute.closed":
            # A dispute names its charge, not the customer.
            return MembershipEvent(**base, charge_id=_id_of(obj.get("charge")))
        case _:
            return None


def _id_of(value: object) -> str | None:
    """Stripe references are ids, or whole objects when expanded."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None
