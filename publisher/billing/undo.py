"""Undoing a purchase made with a member's address (or an address the service refuses),
after the decision is committed.

Rule 3 of `publisher.billing.checkouts` decides, in its transaction, that a checkout is
`foreign` and records that. The Stripe writes that follow (cancel the subscription now,
refund the payment) happen only after that commit, so no transaction waits on Stripe and a
rolled-back decision never refunds anything. They carry idempotency keys
(https://docs.stripe.com/api/idempotent_requests), and Stripe's "already cancelled" and
"already refunded" answers count as done, so running them again is harmless.

The member's `foreign_purchase` email is queued once the refund went through, under the
dedupe key `foreign_purchase:<checkout id>`; that queued email is also the marker that the
undo is done (a `refused` checkout has nobody to email: its outcome turns `refused_refunded`
once the refund went through). Until then, every later sight of the checkout (a repeated or
later delivery, the welcome page) runs the undo again: a Stripe failure answers the webhook
500 so Stripe delivers again, and the refund is retried then.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.stripe_api import CheckoutSummary, StripeGateway
from publisher.billing.checkouts import FOREIGN, REFUSED, REFUSED_REFUNDED
from publisher.config import Config
from publisher.db import Database
from publisher.members.emails import queue_foreign_purchase
from publisher.models import Checkout, Member, OutboxMessage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingUndo:
    """A committed `foreign` checkout whose purchase is not yet known to be undone."""

    checkout: CheckoutSummary
    member_id: int | None


def undone_marker(checkout_id: str) -> str:
    """The dedupe key of the email that is queued once the purchase is undone."""
    return f"foreign_purchase:{checkout_id}"


def pending_undos(session: Session, checkouts: dict[str, CheckoutSummary]) -> list[PendingUndo]:
    """Of these checkouts, the `foreign` ones whose undo has not been seen to finish."""
    return [
        PendingUndo(checkouts[record.id], record.member_id)
        for record in _unfinished(session, list(checkouts))
    ]


def undo_unfinished(session: Session, checkout_id: str) -> bool:
    """True when this checkout was judged `foreign` and its undo has not finished yet."""
    return bool(_unfinished(session, [checkout_id]))


def _unfinished(session: Session, checkout_ids: list[str]) -> list[Checkout]:
    if not checkout_ids:
        return []
    undone = session.scalars(
        select(Checkout).where(
            Checkout.id.in_(checkout_ids), Checkout.outcome.in_((FOREIGN, REFUSED))
        )
    ).all()
    foreign = [record for record in undone if record.outcome == FOREIGN]
    markers = [undone_marker(record.id) for record in foreign]
    done = (
        set(
            session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(markers))
            )
        )
        if markers
        else set()
    )
    return [record for record in undone if undone_marker(record.id) not in done]


def finish_undos(
    db: Database, gateway: StripeGateway, config: Config, undos: Iterable[PendingUndo]
) -> None:
    """Cancel and refund each purchase at Stripe (no transaction open), then tell the member.

    A Stripe failure propagates (`StripeFailure`): nothing is marked done, so the next sight
    of the checkout tries again.
    """
    for undo in undos:
        refunded = undo_purchase(gateway, undo.checkout)
        with db.session() as session:
            queue_undone_email(session, config, undo, refunded)
        log.info("a checkout that could not be attached was refunded (member %s)", undo.member_id)


def undo_purchase(gateway: StripeGateway, checkout: CheckoutSummary) -> bool:
    """Cancel the checkout's subscription now and refund its payment; True if refunded."""
    intent = checkout.payment_intent_id
    if checkout.subscription_id:
        intent = gateway.first_payment_of_subscription(checkout.subscription_id)
        gateway.cancel_subscription_now(checkout.subscription_id)
    if intent is None:
        return False
    gateway.refund_payment(intent)
    return True


def queue_undone_email(session: Session, config: Config, undo: PendingUndo, refunded: bool) -> None:
    """Tell the address's owner what was bought with it (once: the dedupe key is the marker);
    a refused address's checkout is marked refunded instead."""
    record = session.get(Checkout, undo.checkout.id)
    if record is not None and record.outcome == REFUSED:
        record.outcome = REFUSED_REFUNDED
        return
    holder = session.get(Member, undo.member_id) if undo.member_id is not None else None
    if holder is None:
        return  # the member is gone; a later sight undoes again, harmlessly
    queue_foreign_purchase(
        session,
        config,
        holder,
        undo.checkout.plan or "membership",
        refunded,
        dedupe_key=undone_marker(undo.checkout.id),
    )
