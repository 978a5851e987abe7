"""What the account page shows and what its forms do, as plain values for the view.

A season appears once it has an episode published now, newest season first, each with the
member's private feed URL. Resetting the links rotates the member's token (the old feeds
turn into the "replaced" notice), emails the new links in the same transaction, and ends
every other browser session of the member.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.access import PREPAID
from auth.plans import SUBSCRIBED, BillingState, MemberStatus, Plan
from feeds.all_seasons_feed import ALL_SEASONS_TITLE
from feeds.model import ALL_SEASONS_SLUG
from publisher.accounts.sessions import end_sessions
from publisher.accounts.watching import VideoLink, video_links
from publisher.config import Config
from publisher.listening.inputs import published
from publisher.mail.outbox import queue_email
from publisher.members.members import current_token, issue_token
from publisher.members.plans import BY_SLUG, STATUS_NAMES, plan_name
from publisher.models import Episode, Member, Season, Show

# Nothing to manage at Stripe: the show gave it, or someone else paid for it.
UNBILLED_PLANS = (Plan.COMP, Plan.GIFT)


@dataclass(frozen=True)
class SeasonFeed:
    title: str
    url: str


@dataclass(frozen=True)
class AccountView:
    """The account page as a member reads it: plan and status in words, never their codes."""

    email: str
    plan: str  # "Complimentary", "Monthly", …
    status: str  # "Active", "Ended", …
    active: bool
    billed: bool  # has a Stripe customer to manage (never comp or gift)
    term: str  # one sentence: renewal or end date, lifetime, complimentary, gift, trial
    feeds: list[SeasonFeed]
    videos: list[VideoLink] = field(default_factory=list)  # to watch on the site


def show_title(session: Session) -> str:
    return session.scalar(select(Show.title).where(Show.id == 1)) or "Love TV"


def published_feeds(
    session: Session, config: Config, member: Member, now: datetime
) -> list[SeasonFeed]:
    """Every season with an episode out now, newest first, with the member's feed URL, after
    the member's one feed of every season (offered first: subscribe once, hear them all)."""
    token = current_token(session, member, config.secret_key)
    has_episode = select(Episode.id).where(Episode.season_id == Season.id, published(now))
    seasons = session.scalars(
        select(Season)
        .where(has_episode.exists())
        .order_by(Season.number.desc().nulls_last(), Season.created_at.desc(), Season.id.desc())
    )
    feeds = [SeasonFeed(s.title, f"{config.base_url}/feeds/{token}/{s.slug}.xml") for s in seasons]
    if not feeds:
        return []
    every = f"{config.base_url}/feeds/{token}/{ALL_SEASONS_SLUG}.xml"
    return [SeasonFeed(ALL_SEASONS_TITLE, every), *feeds]


def membership_term(member: Member) -> str:
    """Renewal or end date in one sentence, as the member would ask about it."""
    when = member.period_end.strftime("%d %B %Y") if member.period_end else None
    if member.plan == Plan.COMP:
        return "Complimentary membership: nothing to pay, no end date."
    if member.plan == Plan.GIFT:
        if member.status != MemberStatus.ACTIVE:
            return f"Gift membership, ended on {when}." if when else "Gift membership, ended."
        return (
            f"Gift membership: yours until {when}, nothing to pay."
            if when
            else ("Gift membership: yours for good, nothing to pay.")
        )
    if member.plan == Plan.LIFETIME:
        if member.status == MemberStatus.ACTIVE:
            return "Lifetime membership: paid once, no renewals."
        return "Lifetime membership, no longer active."
    if member.status != MemberStatus.ACTIVE:
        return f"Ended on {when}." if when else "Not renewing."
    if member.status_reason == "cancels at period end" and when:
        return f"Cancelled: ends on {when}, with no further charges."
    if member.billing_state == PREPAID and when:  # paid on the show's earlier platform
        return f"Paid until {when}: the membership ends then unless you join again."
    if member.billing_state == BillingState.TRIALING and when:
        price = BY_SLUG.get(member.plan)
        then = f"then {price.price_text}" if price else "then the plan's price"
        return (
            f"Free trial until {when}, {then}, charged to the card you gave unless you cancel "
            "before."
        )
    if member.billing_state == BillingState.PAST_DUE:
        return "Your last payment did not go through: update your card to keep listening."
    return f"Renews on {when}." if when else "Renews automatically."


def account_view(session: Session, config: Config, member: Member, now: datetime) -> AccountView:
    return AccountView(
        email=member.email,
        plan=plan_name(member.plan),
        status=STATUS_NAMES.get(member.status, member.status.capitalize()),
        active=member.status == MemberStatus.ACTIVE,
        billed=bool(member.stripe_customer_id) and member.plan not in UNBILLED_PLANS,
        term=membership_term(member),
        feeds=published_feeds(session, config, member, now),
        videos=video_links(session, now) if member.status == MemberStatus.ACTIVE else [],
    )


def reset_links(
    session: Session, config: Config, member: Member, keep_id_hash: str, now: datetime
) -> None:
    """New feed token, the new links emailed, every other session ended (one transaction)."""
    issue_token(session, config.secret_key, member)
    feeds = published_feeds(session, config, member, now)
    context = {
        "show_title": show_title(session),
        "feeds": [{"title": f.title, "url": f.url} for f in feeds],
        "account_url": f"{config.base_url}/account",
        "reason": "You asked for new links on your account page.",
    }
    queue_email(session, config, "links_replaced", member.email, context, member_id=member.id)
    end_sessions(session, member.id, keep_id_hash=keep_id_hash)


def subscribed(member: Member) -> bool:
    """A live subscription: a second purchase would charge twice, so change plan instead."""
    return bool(member.stripe_subscription_id) and member.billing_state in SUBSCRIBED


def holds_lifetime(member: Member) -> bool:
    return member.plan == Plan.LIFETIME and member.status == MemberStatus.ACTIVE
