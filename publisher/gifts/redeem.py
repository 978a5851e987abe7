"""Redeeming a gift: the code finds it, an emailed link proves an address, one claim binds it.

The buyer typed the recipient's address only to send the code there. Whoever opens the code
confirms their own address by an emailed link (as sign-in does); using that link redeems the
gift for that address, once: a conditional UPDATE from `bought` decides between two claims.
Looking codes up is limited per client, so guessing one (80 random bits) is hopeless twice
over; asking for links is limited per address and per client, like sign-in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from auth.access import ACTIVE, GIFT, REVOKED
from auth.plans import SUBSCRIBED, Plan
from publisher.accounts.rate_limits import Limit, admit, client_key
from publisher.config import Config
from publisher.gifts.codes import code_hash
from publisher.gifts.models import AS_CREDIT, AS_TIME, BOUGHT, REDEEMED, Gift, GiftClaim
from publisher.gifts.plans import GIFT_BY_SLUG, GiftPlan
from publisher.gifts.spans import prepaid_time, settle_gift_time
from publisher.mail.outbox import queue_email
from publisher.members.emails import queue_welcome, show_title
from publisher.members.members import add_member
from publisher.members.revoked_words import revoked_explanation
from publisher.models import Member, Show

CLAIM_LIFETIME = timedelta(minutes=15)
LOOKUPS_PER_CLIENT = Limit("gift_lookup_client", 20, timedelta(minutes=15))
CLAIMS_PER_ADDRESS = Limit("gift_claim_address", 3, timedelta(minutes=15))
CLAIMS_PER_CLIENT = Limit("gift_claim_client", 10, timedelta(minutes=15))
# A code must not make the show a mail relay: whoever holds one (a passed-on code, a leaked
# card) could otherwise send the claim text to any address, from many networks. A recipient
# who mistypes their address needs a second or third link, not a sixth in a day.
CLAIMS_PER_GIFT = Limit("gift_claim_gift", 5, timedelta(days=1))
CLAIMS_PER_SHOW = Limit("gift_claim_show", 200, timedelta(days=1))
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")
# Billing states of a member who pays Stripe now: their gift becomes a credit there.
PAYING = SUBSCRIBED


class GiftRefused(Exception):
    """A redemption that cannot happen; the message is one sentence with the next step."""


@dataclass(frozen=True)
class ClaimsUsedUp:
    """No more links for this gift (or from this show) today: the sentence, and the
    seconds until the next one may be asked for."""

    wait: int
    sentence: str


@dataclass(frozen=True)
class Redeemed:
    """What a redemption did: who holds the gift now, and a Stripe credit still to add."""

    member_id: int
    gift_id: int
    credit_customer: str | None = None
    credit_cents: int = 0
    credit_currency: str = "usd"


def look_up(
    session: Session, secret: str, typed: str, client: str, now: datetime
) -> tuple[Gift | None, int | None]:
    """The gift a typed code names (None if none), or seconds to wait when over the limit."""
    wait = admit(session, secret, now, (LOOKUPS_PER_CLIENT, client_key(client)))
    if wait is not None:
        return None, wait
    hashed = code_hash(typed)
    if hashed is None:
        return None, None
    return session.scalar(select(Gift).where(Gift.code_hash == hashed)), None


def request_claim(
    session: Session, config: Config, gift: Gift, address: str, client: str, now: datetime
) -> int | ClaimsUsedUp | None:
    """Email `address` a link that redeems `gift` for it; seconds to wait when the client or
    address asks too often, `ClaimsUsedUp` when the gift (or the whole show) has sent its
    day's links, None when the link was queued."""
    wait = admit(
        session,
        config.secret_key,
        now,
        (CLAIMS_PER_CLIENT, client_key(client)),
        (CLAIMS_PER_ADDRESS, address),
    )
    if wait is not None:
        return wait
    wait = admit(
        session,
        config.secret_key,
        now,
        (CLAIMS_PER_GIFT, f"gift:{gift.id}"),
        (CLAIMS_PER_SHOW, "show"),
    )
    if wait is not None:
        return ClaimsUsedUp(
            wait,
            "This gift's redemption links have been sent too often today: use one already "
            "sent, or try again tomorrow (the giver can help if the address was wrong).",
        )
    token = issue_claim(session, gift, address, now)
    plan = GIFT_BY_SLUG[gift.plan]
    context = {
        "show_title": show_title(session),
        "plan_title": plan.title,
        "length": plan.length,
        "gift_words": plan.gift_words(show_title(session)),
        "link": f"{config.base_url}/gift/claim/{token}",
        "minutes": int(CLAIM_LIFETIME.total_seconds() // 60),
    }
    queue_email(session, config, "gift_claim", address, context)
    return None


def issue_claim(
    session: Session,
    gift: Gift,
    address: str,
    now: datetime,
    lifetime: timedelta = CLAIM_LIFETIME,
) -> str:
    """A single-use claim of `gift` for `address`, good for `lifetime`: its token."""
    token = secrets.token_urlsafe(32)
    session.add(
        GiftClaim(
            gift_id=gift.id,
            email=address,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def redeem_for_member(
    session: Session, config: Config, gift: Gift, member: Member, now: datetime
) -> Redeemed:
    """Redeem at once for a signed-in member: their address is already proven (they signed
    in by a link sent to it), so no link is emailed; the same once-only claim decides."""
    return redeem(session, config, issue_claim(session, gift, member.email, now), now)


def claim_usable(session: Session, token: str, now: datetime) -> GiftClaim | None:
    """The unused, unexpired claim behind a link (looking does not use it up)."""
    if not _TOKEN.fullmatch(token):
        return None
    claim = session.scalar(select(GiftClaim).where(GiftClaim.token_hash == _hash(token)))
    if claim is None or claim.used_at is not None or claim.expires_at <= now:
        return None
    return claim


def redeem(session: Session, config: Config, token: str, now: datetime) -> Redeemed:
    """Use the link and bind its gift to its address, or refuse with a sentence."""
    claim = claim_usable(session, token, now)
    if claim is None:
        raise GiftRefused(
            "This link has expired or was already used: open the gift's page again and ask "
            "for a new one."
        )
    gift = session.get(Gift, claim.gift_id)
    if gift is None or gift.status != BOUGHT:
        raise GiftRefused(_not_open(gift))
    member = session.scalar(select(Member).where(Member.email == claim.email))
    plan = GIFT_BY_SLUG[gift.plan]
    _check_member(session, member, plan)
    if not _use_once(session, claim, gift, now):
        raise GiftRefused(_not_open(session.get(Gift, claim.gift_id)))
    return _bind(session, config, gift, plan, member, claim.email, now)


def _use_once(session: Session, claim: GiftClaim, gift: Gift, now: datetime) -> bool:
    """Both the link and the gift change in conditional UPDATEs: only one claim wins."""
    link = cast(
        CursorResult[Any],
        session.execute(
            update(GiftClaim)
            .where(GiftClaim.id == claim.id, GiftClaim.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    won = cast(
        CursorResult[Any],
        session.execute(
            update(Gift)
            .where(Gift.id == gift.id, Gift.status == BOUGHT)
            .values(status=REDEEMED, redeemed_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    return link == 1 and won == 1


def _check_member(session: Session, member: Member | None, plan: GiftPlan) -> None:
    """Refuse before anything changes: a revoked member, or one who already has it for good."""
    if member is None:
        return
    if member.status == REVOKED:
        show = session.get(Show, 1)
        raise GiftRefused(
            revoked_explanation(show.title if show else "", show.owner_email if show else "")
        )
    for_good = member.status == ACTIVE and (
        member.plan in (Plan.COMP, Plan.LIFETIME)
        or (member.billing_state == GIFT and not member.grace_until)
    )
    if for_good:
        raise GiftRefused(
            "This address already has a membership for good, so the gift would add nothing: "
            "pass the code on to someone else."
        )


def _bind(
    session: Session,
    config: Config,
    gift: Gift,
    plan: GiftPlan,
    member: Member | None,
    address: str,
    now: datetime,
) -> Redeemed:
    """A new member, more gifted time, or a Stripe credit for a member who pays now.

    Time is worked out over the member's gifts (`publisher.gifts.spans`): this gift's days
    run after the ones they hold and after any prepaid time, which is kept."""
    created = member is None
    if member is None:
        member = add_member(session, config.secret_key, address)
    paying = member.status == ACTIVE and member.billing_state in PAYING
    if paying and member.stripe_customer_id and plan.months is not None:
        gift.member_id, gift.redeemed_as = member.id, AS_CREDIT
        cents = gift.paid_cents if gift.paid_cents is not None else plan.cents
        currency = gift.currency or "usd"
        return Redeemed(member.id, gift.id, member.stripe_customer_id, cents, currency)
    gift.prepaid_until = prepaid_time(session, member)
    gift.member_id, gift.redeemed_as = member.id, AS_TIME
    gift.status, gift.redeemed_at = REDEEMED, now  # as `_use_once` wrote them
    session.flush()
    settle_gift_time(session, member, now)
    if created:
        queue_welcome(session, config, member, now)
    return Redeemed(member.id, gift.id)


def _not_open(gift: Gift | None) -> str:
    if gift is not None and gift.status == REDEEMED:
        return "This gift has already been redeemed."
    return "This gift can no longer be redeemed: ask the person who gave it to you."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
