"""'A new season is out': one email per member per season, ever, when its first episode is.

Queued by the publish pipeline in the transaction that records a season's first published
or scheduled episode, to every member who can hear it now (effective status active), each
with their own feed URL for that season. A scheduled episode's announcement waits for its
publish time (`send_after`). The dedupe key `season-out:<season>:<member>` makes "once per
member per season" a unique constraint, so a republish, an unpublish and publish again, or
two producers racing, queue nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from auth.access import ACTIVE, GIFT, PREPAID
from auth.plans import BillingState
from auth.tokens import derive_token
from publisher.accounts.account_page import show_title
from publisher.config import Config
from publisher.mail.outbox import Message, queue_many
from publisher.models import FeedToken, Member, Season, utcnow


def announce_season(
    session: Session,
    config: Config,
    season: Season,
    publish_at: datetime,
    now: datetime | None = None,
) -> int:
    """Queue the announcement to every member who can hear the season; how many were new."""
    now = now or utcnow()
    return queue_many(
        session,
        config,
        "season_out",
        _messages(session, config, season, now),
        send_after=publish_at if publish_at > now else None,
    )


def _messages(session: Session, config: Config, season: Season, now: datetime) -> Iterator[Message]:
    """(to, context, member_id, dedupe_key) for each listening member, streamed."""
    title = show_title(session)
    account_url = f"{config.base_url}/account"
    listeners = (
        select(Member.id, Member.email, FeedToken.nonce)
        .join(FeedToken, (FeedToken.member_id == Member.id) & FeedToken.retired_at.is_(None))
        .where(Member.status == ACTIVE, _not_past_grace(now))
        .order_by(Member.id)
    )
    for member_id, email, nonce in session.execute(listeners).all():
        token = derive_token(config.secret_key, nonce)
        context = {
            "show_title": title,
            "season_title": season.title,
            "feed_url": f"{config.base_url}/feeds/{token}/{season.slug}.xml",
            "account_url": account_url,
        }
        yield email, context, member_id, f"season-out:{season.id}:{member_id}"


def _not_past_grace(now: datetime) -> ColumnElement[bool]:
    """`auth.access.effective_status` in SQL: a past-due member whose grace ran out, or a gift
    or prepaid membership past its end, is lapsed."""
    return or_(
        Member.billing_state.is_(None),
        Member.billing_state.not_in((BillingState.PAST_DUE, GIFT, PREPAID)),
        Member.grace_until.is_(None),
        Member.grace_until > now,
    )
