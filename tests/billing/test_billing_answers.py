"""The billing transaction asks Stripe nothing itself (`publisher.billing.answers`).

It asks the answers fetched for its unit; each one it lacks rolls it back, is fetched with no
transaction open and the transaction runs again, a bounded number of times. Driven through
`handle_event` against the fake Stripe behind the real gateway, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from support.stripe_app import Shop

from auth.billing_rules import LifetimePurchase
from auth.stripe_api import CheckoutSummary, Purchases, StripeGateway
from auth.stripe_values import ChargeState
from publisher.billing.answers import Question, StripeAnswers, Unanswered
from publisher.billing.gateway import make_gateway
from publisher.billing.units import APPLIED, MAX_ANSWERS, Unsettled, _until_answered, handle_event

pytestmark = pytest.mark.stripe


class WatchedGateway(StripeGateway):
    """Stripe's API, noting each question and whether a transaction was open when asked."""

    def __init__(self, base: StripeGateway, open_transactions: list[int]) -> None:
        self.__dict__.update(base.__dict__)
        self.open_transactions = open_transactions
        self.asked: list[tuple[str, bool]] = []

    def _note(self, kind: str) -> None:
        self.asked.append((kind, self.open_transactions[0] > 0))

    def checkout_session(self, session_id: str) -> CheckoutSummary | None:
        self._note("checkout_session")
        return super().checkout_session(session_id)

    def purchases_of(self, customer_ids: Iterable[str]) -> Purchases:
        self._note("purchases_of")
        return super().purchases_of(customer_ids)

    def charge_state(self, charge_id: str) -> ChargeState | None:
        self._note("charge_state")
        return super().charge_state(charge_id)


@pytest.fixture(name="watched")
def watched_fixture(shop: Shop) -> Iterator[WatchedGateway]:
    """A gateway that knows whether the app's database has a transaction open."""
    engine = shop.services.db.engine
    open_transactions = [0]

    def begin(_: Any) -> None:
        open_transactions[0] += 1

    def end(_: Any) -> None:
        open_transactions[0] -= 1

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    yield WatchedGateway(make_gateway(shop.services.config), open_transactions)
    event.remove(engine, "begin", begin)
    event.remove(engine, "commit", end)
    event.remove(engine, "rollback", end)


def test_a_checkout_asks_stripe_each_answer_once_and_never_inside_a_transaction(
    shop: Shop, watched: WatchedGateway
) -> None:
    session_id = shop.stripe.checkout_for("monthly")
    events = {e["type"]: e for e in shop.stripe.pay_checkout(session_id, "ida@example.com")}
    services = shop.services
    completed = events["checkout.session.completed"]
    assert handle_event(services.db, watched, services.config, completed) == APPLIED
    assert watched.asked == [("checkout_session", False), ("purchases_of", False)]
    assert shop.member("ida@example.com")["status"] == "active"


def test_a_refund_of_a_known_customers_charge_asks_only_for_their_purchases(
    shop: Shop, watched: WatchedGateway
) -> None:
    """The event names the customer: the charge is not looked up to find them again."""
    session_id, events = shop.buy("lifetime", "jo@example.com")
    shop.deliver(*events)
    services = shop.services
    for refunded in shop.stripe.refund(shop.stripe.session_charge(session_id)):
        assert handle_event(services.db, watched, services.config, refunded) == APPLIED
    assert set(watched.asked) == {("purchases_of", False)}
    assert shop.member("jo@example.com")["status"] == "revoked"


def test_a_transaction_that_keeps_asking_anew_gives_up_after_a_bounded_number_of_answers(
    shop: Shop,
) -> None:
    services = shop.services
    answers = StripeAnswers()
    runs: list[int] = []

    def transaction(session: Session) -> None:
        runs.append(len(runs))
        answers.customer_email(f"cus_never_{len(runs)}")  # a new question every run

    with pytest.raises(Unsettled) as unsettled:
        _until_answered(services.db, make_gateway(services.config), answers, transaction)
    assert len(runs) == MAX_ANSWERS
    assert str(unsettled.value) == (
        "billing kept needing new answers from Stripe; Stripe will deliver again"
    )


def test_an_answer_not_fetched_is_a_question_not_a_guess() -> None:
    answers = StripeAnswers()
    with pytest.raises(Unanswered) as raised:
        answers.purchases_of(["cus_a"])
    assert raised.value.question == Question("purchases_of", "cus_a")


class AnsweringGateway:
    """Answers each question with what names it, so a test sees which key was asked."""

    def checkout_session(self, key: str) -> str:
        return f"checkout of {key}"

    def charge_state(self, key: str) -> ChargeState | None:
        if key == "ch_gone":
            return None
        return ChargeState(key, f"cus of {key}", None, refunded=False, disputed=False)

    def purchases_of(self, keys: list[str]) -> Purchases:
        return Purchases(lifetime=tuple(LifetimePurchase(f"cs of {k}", k, 1) for k in keys))

    def completed_checkouts(self, key: str) -> list[CheckoutSummary]:
        return [checkout(f"cs_{key}_{n}") for n in (1, 2)]


def checkout(session_id: str) -> CheckoutSummary:
    return CheckoutSummary(session_id, 1, True, "monthly", "cus_1", "a@example.com")


def test_each_answer_is_the_fetched_one_for_its_own_key_and_an_unfetched_one_is_asked() -> None:
    answers, gateway = StripeAnswers(), AnsweringGateway()
    questions = [
        (answers.checkout_session, Question("checkout_session", "cs_1"), "checkout of cs_1"),
        (
            answers.completed_checkouts,
            Question("completed_checkouts", "cus_1"),
            [checkout("cs_cus_1_1"), checkout("cs_cus_1_2")],
        ),
        (answers.charge_customer, Question("charge_state", "ch_1"), "cus of ch_1"),
        (answers.charge_customer, Question("charge_state", "ch_gone"), None),
    ]
    for ask, question, expected in questions:
        with pytest.raises(Unanswered) as raised:
            ask(question.key)
        assert raised.value.question == question
        answers.fetch(gateway, question)  # type: ignore[arg-type]  # only these methods are asked
        assert ask(question.key) == expected


def test_several_customers_purchases_add_up_each_customer_once() -> None:
    answers, gateway = StripeAnswers(), AnsweringGateway()
    for key in ("cus_a", "cus_b"):
        answers.fetch(gateway, Question("purchases_of", key))  # type: ignore[arg-type]  # as above
    bought = answers.purchases_of(["cus_a", "cus_b", "cus_a"])
    assert [p.customer_id for p in bought.lifetime] == ["cus_a", "cus_b"]


def test_a_checkout_the_unit_began_with_is_known_without_asking() -> None:
    began = checkout("cs_began")
    assert StripeAnswers(began).checkout_session("cs_began") is began


def test_seen_checkouts_are_every_checkout_asked_or_listed_by_id() -> None:
    answers, gateway = StripeAnswers(checkout("cs_began")), AnsweringGateway()
    for key in ("cus_a", "cus_b"):
        answers.fetch(gateway, Question("completed_checkouts", key))  # type: ignore[arg-type]  # as above
    assert sorted(answers.seen_checkouts()) == [
        "cs_began", "cs_cus_a_1", "cs_cus_a_2", "cs_cus_b_1", "cs_cus_b_2",
    ]  # fmt: skip


def test_an_unanswered_question_says_which_in_a_log_line() -> None:
    message = str(Unanswered(Question("purchases_of", "cus_a")))
    assert message == "no Stripe answer yet to purchases_of('cus_a')"
