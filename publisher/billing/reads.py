"""What Stripe said, read before the transaction that applies it.

A database transaction held open across a call to Stripe's API holds its row locks (and a
pooled connection) for as long as Stripe takes to answer, up to the gateway's timeouts and
retries: every other delivery for the same member waits behind it, and a slow Stripe drains
the pool. So billing reads first, with no transaction open, and applies afterwards in one
short transaction that asks these answers instead of Stripe.

Which answers to read depends on which member holds what, so the read phase looks that up
in short read-only sessions of its own, each closed before the next Stripe call. The
transaction then resolves everything again; if it needs an answer that was not read (a
rival changed who holds a customer in between), `StripeReads` raises `StaleRead` and the
whole unit, reads included, runs once more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from auth.stripe_api import ChargeState, CheckoutSummary, Purchases, StripeGateway
from auth.stripe_events import MembershipEvent
from publisher.billing.checkouts import owner_of_checkout
from publisher.billing.refresh import ConcurrentChange, member_of_customer, member_with_email
from publisher.db import Database
from publisher.models import Checkout

K = TypeVar("K")
V = TypeVar("V")


class StaleRead(ConcurrentChange):
    """The transaction needs a Stripe answer the read phase did not fetch; read again."""


@dataclass
class StripeReads:
    """Stripe's answers for one unit of work, asked by the transaction in place of Stripe."""

    checkouts: dict[str, CheckoutSummary | None] = field(default_factory=dict)
    purchases: dict[str, Purchases] = field(default_factory=dict)
    emails: dict[str, str | None] = field(default_factory=dict)
    completed: dict[str, list[CheckoutSummary]] = field(default_factory=dict)
    charges: dict[str, str | None] = field(default_factory=dict)
    charge_states: dict[str, ChargeState | None] = field(default_factory=dict)

    def checkout_session(self, session_id: str) -> CheckoutSummary | None:
        return _answer(self.checkouts, session_id)

    def purchases_of(self, customer_ids: Iterable[str]) -> Purchases:
        total = Purchases()
        for customer_id in dict.fromkeys(customer_ids):
            total += _answer(self.purchases, customer_id)
        return total

    def customer_email(self, customer_id: str) -> str | None:
        return _answer(self.emails, customer_id)

    def completed_checkouts(self, customer_id: str) -> list[CheckoutSummary]:
        return _answer(self.completed, customer_id)

    def charge_customer(self, charge_id: str) -> str | None:
        return _answer(self.charges, charge_id)

    def charge_state(self, charge_id: str) -> ChargeState | None:
        return _answer(self.charge_states, charge_id)

    def seen_checkouts(self) -> dict[str, CheckoutSummary]:
        """Every completed checkout these answers mention, by id."""
        found = [c for c in self.checkouts.values() if c is not None]
        found += [c for listed in self.completed.values() for c in listed]
        return {c.id: c for c in found}


def _answer(answers: dict[K, V], key: K) -> V:
    try:
        return answers[key]
    except KeyError:
        raise StaleRead(f"no Stripe answer was read for {key!r}") from None


def read_for_event(
    db: Database, gateway: StripeGateway, subject: MembershipEvent | None
) -> StripeReads:
    """Everything applying this event can ask Stripe, read with no transaction open."""
    reads = StripeReads()
    if subject is None:
        return reads
    if subject.checkout_session_id:
        checkout = gateway.checkout_session(subject.checkout_session_id)
        reads.checkouts[subject.checkout_session_id] = checkout
        if checkout is not None:
            read_for_checkout(db, gateway, checkout, reads)
        return reads
    customer_id = subject.customer_id
    if customer_id is None and subject.charge_id:
        # A charge with no customer may have paid for a gift (gifts make no customer).
        state = reads.charge_states[subject.charge_id] = gateway.charge_state(subject.charge_id)
        customer_id = reads.charges[subject.charge_id] = state.customer_id if state else None
    if customer_id is not None:
        _read_for_customer(db, gateway, customer_id, reads)
    return reads


def read_for_checkout(
    db: Database,
    gateway: StripeGateway,
    checkout: CheckoutSummary,
    reads: StripeReads | None = None,
) -> StripeReads:
    """The purchases that provisioning this checkout will read: its customer's and its owner's."""
    reads = reads if reads is not None else StripeReads()
    reads.checkouts[checkout.id] = checkout
    if not checkout.complete or not checkout.customer_id:
        return reads
    with db.session() as session:  # a short lookup, closed before Stripe is asked
        if session.get(Checkout, checkout.id) is not None:
            return reads
        owner = owner_of_checkout(session, checkout)
        customers = [checkout.customer_id]
        if owner is not None and owner.stripe_customer_id:
            customers.append(owner.stripe_customer_id)
    _read_purchases(gateway, customers, reads)
    return reads


def _read_for_customer(
    db: Database, gateway: StripeGateway, customer_id: str, reads: StripeReads
) -> None:
    """An event about a customer: its holder's purchases, or what provisions it (its checkouts)."""
    with db.session() as session:
        held = member_of_customer(session, customer_id) is not None
    if held:
        _read_purchases(gateway, [customer_id], reads)
        return
    email = reads.emails[customer_id] = gateway.customer_email(customer_id)
    with db.session() as session:
        taken = member_with_email(session, email) is not None
    if email is None or taken:
        return  # nothing to provision: `provision_customer` stops here too
    checkouts = reads.completed[customer_id] = gateway.completed_checkouts(customer_id)
    for checkout in checkouts:
        read_for_checkout(db, gateway, checkout, reads)
    _read_purchases(gateway, [customer_id], reads)


def _read_purchases(gateway: StripeGateway, customer_ids: list[str], reads: StripeReads) -> None:
    for customer_id in dict.fromkeys(customer_ids):
        if customer_id not in reads.purchases:
            reads.purchases[customer_id] = gateway.purchases_of([customer_id])
