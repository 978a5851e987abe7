"""Buying a gift: the buyer's form, the pending row, and what its payment sets in motion.

The form's details stay in our database (the Checkout Session carries only the gift's id),
so a recipient's address and a personal message never go to Stripe. A payment is recorded
once, whether the webhook or the buyer's return comes first: the conditional UPDATE from
`pending` decides, and only then is the code made and its two emails queued, the buyer's
receipt now and the recipient's on the day the buyer chose.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from auth.stripe_api import CheckoutSummary
from publisher.config import Config
from publisher.errors import UserError
from publisher.gifts.codes import code_hash, new_code
from publisher.gifts.models import BOUGHT, PENDING, Gift
from publisher.gifts.plans import GIFT_BY_SLUG, GiftPlan
from publisher.mail.outbox import queue_email
from publisher.members.members import normalize_email, normalized_or_none
from publisher.models import Checkout, Show, utcnow

log = logging.getLogger(__name__)
GIFT_OUTCOME = "gift"
MESSAGE_LIMIT = 500
NAME_LIMIT = 255
# How far ahead a gift may be scheduled: a birthday or an anniversary within the year.
LATEST_DELIVERY = timedelta(days=366)
# How long the recipient's own redeem link works after their email goes out; afterwards the
# code still works, by a link emailed on request.
DELIVERY_CLAIM_LIFETIME = timedelta(days=90)


@dataclass(frozen=True)
class GiftForm:
    """What the buyer typed, checked."""

    recipient_name: str
    recipient_email: str
    deliver_on: date | None
    message: str
    giver_name: str = ""  # optional: the recipient is told who the gift is from


def read_gift_form(fields: dict[str, str], today: date) -> GiftForm:
    """The buyer's fields, or a `UserError` whose message is one sentence for the form."""
    name = " ".join(fields.get("recipient_name", "").split())
    if not name or len(name) > NAME_LIMIT:
        raise UserError("Write the recipient's name (up to 255 characters).")
    giver = " ".join(fields.get("giver_name", "").split())
    if len(giver) > NAME_LIMIT:
        raise UserError("Keep your name to 255 characters.")
    try:
        address = normalize_email(fields.get("recipient_email", ""))
    except UserError:
        raise UserError("Write the recipient's email address, like name@example.com.") from None
    message = fields.get("message", "").strip()
    if len(message) > MESSAGE_LIMIT:
        raise UserError(f"Keep the message to {MESSAGE_LIMIT} characters.")
    raw_day = fields.get("deliver_on", "").strip()
    day = None
    if raw_day:
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise UserError("Choose the delivery day as a date, like 2027-02-14.") from None
        if day < today or day > today + LATEST_DELIVERY:
            raise UserError("Choose a delivery day from today to a year from now.")
    return GiftForm(name, address, day, message, giver)


def start_gift(session: Session, plan: GiftPlan, form: GiftForm, now: datetime) -> Gift:
    """The pending gift a Checkout is about to be made for."""
    gift = Gift(
        plan=plan.slug,
        status=PENDING,
        recipient_name=form.recipient_name,
        giver_name=form.giver_name,
        recipient_email=form.recipient_email,
        deliver_on=form.deliver_on,
        message=form.message,
        days=plan.days,
        created_at=now,
    )
    session.add(gift)
    session.flush()
    return gift


def record_gift_payment(
    session: Session, config: Config, checkout: CheckoutSummary, now: datetime | None = None
) -> Checkout | None:
    """A paid gift Checkout: the code, the receipt and the recipient's email, exactly once."""
    recorded = session.get(Checkout, checkout.id)
    if recorded is not None or not checkout.complete:
        return recorded
    gift = _gift_of(session, checkout)
    if gift is None:
        log.warning("a paid gift checkout names no gift of ours; nothing to deliver")
        return None
    now = now or utcnow()
    code = new_code()
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(Gift)
            .where(Gift.id == gift.id, Gift.status == PENDING)
            .values(
                status=BOUGHT,
                checkout_session_id=checkout.id,
                payment_intent_id=checkout.payment_intent_id,
                buyer_email=normalized_or_none(checkout.email),
                code_hash=code_hash(code),
                paid_at=now,
                paid_cents=checkout.amount_total,
                currency=checkout.currency,
            )
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if claimed == 1:
        session.refresh(gift)
        _queue_gift_emails(session, config, gift, code, now)
    record = Checkout(id=checkout.id, member_id=None, outcome=GIFT_OUTCOME, completed_at=now)
    session.add(record)
    session.flush()
    return record


def _gift_of(session: Session, checkout: CheckoutSummary) -> Gift | None:
    if checkout.gift_id is None or not checkout.gift_id.isdigit():
        return None
    return session.get(Gift, int(checkout.gift_id))


def delivery_time(gift: Gift, now: datetime) -> datetime:
    """The recipient's email goes out at the start of the chosen day (UTC), or now."""
    if gift.deliver_on is None:
        return now
    return max(now, datetime.combine(gift.deliver_on, time(0, 0), tzinfo=UTC))


def _queue_gift_emails(
    session: Session, config: Config, gift: Gift, code: str, now: datetime
) -> None:
    from publisher.gifts.redeem import issue_claim

    plan = GIFT_BY_SLUG[gift.plan]
    show = session.scalar(select(Show.title).where(Show.id == 1)) or "Love TV"
    # The recipient's email goes to the address the gift is for, so its link proves that
    # address as the link of a sign-in does: one press redeems (the buyer's receipt has
    # only the code, which still needs a link by email to the redeemer's address).
    delivered_at = delivery_time(gift, now)
    lifetime = delivered_at - now + DELIVERY_CLAIM_LIFETIME
    claim = issue_claim(session, gift, gift.recipient_email, now, lifetime)
    context = {
        "show_title": show,
        "plan_title": plan.title,
        "length": plan.length,
        "gift_words": plan.gift_words(show),
        "giver_name": gift.giver_name,
        "recipient_name": gift.recipient_name,
        "message": gift.message,
        "code": code,
        "redeem_url": f"{config.base_url}/gift/redeem/{code}",
        "claim_url": f"{config.base_url}/gift/claim/{claim}",
        "card_url": f"{config.base_url}/gift/card/{code}",
        "redeem_page": f"{config.base_url}/gift/redeem",
        "deliver_on": gift.deliver_on.isoformat() if gift.deliver_on else None,
    }
    if gift.buyer_email:
        queue_email(
            session,
            config,
            "gift_receipt",
            gift.buyer_email,
            context,
            dedupe_key=f"gift-receipt-{gift.id}",
        )
    queue_email(
        session,
        config,
        "gift_delivery",
        gift.recipient_email,
        context,
        dedupe_key=f"gift-delivery-{gift.id}",
        send_after=delivered_at,
    )
