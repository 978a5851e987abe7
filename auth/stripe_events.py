"""Stripe webhook events: check they came from Stripe, then say which member they concern.

An event is only a hint that something changed. Stripe neither orders nor de-duplicates
deliveries (https://docs.stripe.com/webhooks#event-ordering), so the event's payload is
never applied as the member's new state: `interpret_event` only names the Stripe customer
(or the checkout session or charge that leads to one), and the shell re-reads the current
state from Stripe before deciding anything.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, TypeGuard, cast

from stripe import SignatureVerificationError, WebhookSignature

# Stripe's own default: a signature older than five minutes is a replay.
# https://docs.stripe.com/webhooks#replay-attacks
SIGNATURE_TOLERANCE_SECONDS = 300

# Stripe's events nest about six levels (ten with expanded objects); anything deeper is not
# an event, and refusing it before `json.loads` keeps a signed bomb from recursing.
MAX_JSON_DEPTH = 64


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
    now: float | None = None,
) -> dict[str, Any]:
    """The event dict, if `Stripe-Signature` proves Stripe sent this body recently.

    Stripe's library refuses old signatures only; one timestamped further in the future
    than the tolerance is refused here too, so a leaked signing secret cannot mint
    deliveries that stay valid for hours.
    """
    try:
        WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
    except (SignatureVerificationError, UnicodeDecodeError) as exc:
        raise EventRejected(f"bad signature: {str(exc).splitlines()[0]}") from None
    signed_at = _signed_at(signature_header or "")
    if signed_at is None or signed_at > (time.time() if now is None else now) + tolerance:
        raise EventRejected("bad signature: timestamp in the future")
    if json_depth(payload) > MAX_JSON_DEPTH:
        raise EventRejected(f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        event = json.loads(payload)
    except ValueError:
        raise EventRejected("the body is not JSON") from None
    if not _well_formed(event):
        raise EventRejected("not a Stripe event (id, type, created and data.object expected)")
    return event


def _signed_at(header: str) -> int | None:
    """The `t=` timestamp of a Stripe-Signature header (already checked to be present)."""
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


def json_depth(payload: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, strings skipped.

    A linear scan without recursion, so any input costs one pass whatever its shape.
    """
    depth = deepest = 0
    in_string = escaped = False
    for byte in payload:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def _well_formed(event: object) -> TypeGuard[dict[str, Any]]:
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
        return cast(str, value["id"])
    return None
