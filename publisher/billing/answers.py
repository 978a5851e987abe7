"""Stripe's answers, as billing's transaction asks them: fetched before it, never during.

A database transaction held open across a call to Stripe's API holds its row locks (and a
pooled connection) for as long as Stripe takes to answer, up to the gateway's timeouts and
retries: every other delivery for the same member waits behind it, and a slow Stripe drains
the pool. So the transaction never calls Stripe. It asks a `StripeAnswers` instead; an answer
not fetched yet raises `Unanswered`, which rolls the transaction back, and the unit of work
(`publisher.billing.units`) fetches that one answer with no transaction open and runs the
transaction again. The transaction is thus the only place that decides what to ask: there is
no second copy of its branches guessing ahead of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from auth.stripe_api import ChargeState, CheckoutSummary, Purchases, StripeGateway

# The questions, by the gateway method that answers one key.
CHECKOUT, PURCHASES, EMAIL, COMPLETED, CHARGE = (
    "checkout_session",
    "purchases_of",
    "customer_email",
    "completed_checkouts",
    "charge_state",
)
_FETCH: dict[str, Callable[[StripeGateway, str], Any]] = {
    CHECKOUT: lambda gateway, key: gateway.checkout_session(key),
    PURCHASES: lambda gateway, key: gateway.purchases_of([key]),
    EMAIL: lambda gateway, key: gateway.customer_email(key),
    COMPLETED: lambda gateway, key: gateway.completed_checkouts(key),
    CHARGE: lambda gateway, key: gateway.charge_state(key),
}


@dataclass(frozen=True)
class Question:
    """One thing the transaction asked Stripe: which kind of answer, about which object."""

    kind: str
    key: str


class Unanswered(Exception):
    """The transaction needs an answer not fetched yet; fetch it, then run it again."""

    def __init__(self, question: Question) -> None:
        super().__init__(f"no Stripe answer yet to {question.kind}({question.key!r})")
        self.question = question


class StripeAnswers:
    """Stripe's answers for one unit of work, asked by the transaction in place of Stripe."""

    def __init__(self, *checkouts: CheckoutSummary) -> None:
        self._known: dict[Question, Any] = {Question(CHECKOUT, c.id): c for c in checkouts}

    def fetch(self, gateway: StripeGateway, question: Question) -> None:
        """Ask Stripe (call with no transaction open) and keep the answer."""
        self._known[question] = _FETCH[question.kind](gateway, question.key)

    def _ask(self, kind: str, key: str) -> Any:
        question = Question(kind, key)
        if question not in self._known:
            raise Unanswered(question)
        return self._known[question]

    def checkout_session(self, session_id: str) -> CheckoutSummary | None:
        return self._ask(CHECKOUT, session_id)

    def purchases_of(self, customer_ids: Iterable[str]) -> Purchases:
        total = Purchases()
        for customer_id in dict.fromkeys(customer_ids):
            total += self._ask(PURCHASES, customer_id)
        return total

    def customer_email(self, customer_id: str) -> str | None:
        return self._ask(EMAIL, customer_id)

    def completed_checkouts(self, customer_id: str) -> list[CheckoutSummary]:
        return self._ask(COMPLETED, customer_id)

    def charge_state(self, charge_id: str) -> ChargeState | None:
        return self._ask(CHARGE, charge_id)

    def charge_customer(self, charge_id: str) -> str | None:
        state = self.charge_state(charge_id)
        return None if state is None else state.customer_id

    def seen_checkouts(self) -> dict[str, CheckoutSummary]:
        """Every completed checkout these answers mention, by id."""
        found: list[CheckoutSummary] = []
        for question, answer in self._known.items():
            if question.kind == CHECKOUT and answer is not None:
                found.append(answer)
            elif question.kind == COMPLETED:
                found += answer
        return {c.id: c for c in found}
