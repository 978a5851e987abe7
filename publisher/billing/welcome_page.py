"""What `/welcome?session_id=…` may show about a checkout, and for how long.

The URL carries a Checkout Session id, which anyone holding the link (browser history, a
shared screen, a proxy log) can replay, and the email typed at Checkout is unverified. So
feed links are shown only to the checkout that created a brand-new member, only for
`WELCOME_WINDOW` after it completed, and only while the token it created is still the
member's current one (a rotation or a reset hides them at once). Every other case shows
nothing private: a member's purchase points to the account page, a purchase made with a
member's address says it was refunded, an old link says the links were emailed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from auth.access import REVOKED
from auth.offers import price_words
from publisher.accounts.account_page import membership_term, published_feeds
from publisher.config import Config
from publisher.members.members import current_token_row
from publisher.members.plans import BY_SLUG
from publisher.models import Checkout, Member, utcnow

# Long enough to add the feeds to an app right after paying; afterwards the welcome email
# and the account page (signed in by email) are the way back.
WELCOME_WINDOW = timedelta(hours=1)

LINKS, UPDATED, REFUNDED, SIGN_IN = "links", "updated", "refunded", "sign_in"
ADDRESS_REFUSED = "address_refused"


@dataclass(frozen=True)
class WelcomeView:
    """Which welcome message to show; email, plan and feeds only for `links`."""

    state: str
    email: str = ""
    plan: str = ""
    status: str = ""
    feeds: list[tuple[str, str]] = field(default_factory=list)  # (season title, URL)
    charged: str = ""  # the price as charged: a code's discount and for how long
    term: str = ""  # a trial's end and what follows, or the renewal date


def welcome_view(
    session: Session, config: Config, record: Checkout, now: datetime | None = None
) -> WelcomeView:
    """The welcome page's content for a recorded checkout, as of `now`."""
    now = now or utcnow()
    if record.outcome == "member":
        return WelcomeView(UPDATED)
    if record.outcome == "foreign":
        return WelcomeView(REFUNDED)
    if record.outcome in ("refused", "refused_refunded"):
        return WelcomeView(ADDRESS_REFUSED)
    member = session.get(Member, record.member_id) if record.member_id is not None else None
    if member is None or member.status == REVOKED or now - record.completed_at >= WELCOME_WINDOW:
        return WelcomeView(SIGN_IN)
    if current_token_row(session, config.secret_key, member).id != record.token_id:
        return WelcomeView(SIGN_IN)
    feeds = [(f.title, f.url) for f in published_feeds(session, config, member, now)]
    return WelcomeView(
        LINKS,
        member.email,
        member.plan,
        member.status,
        feeds,
        charged_now(member),
        membership_term(member),
    )


def charged_now(member: Member) -> str:
    """ "With the code's 20% off for 3 months: $61.60 / month, then $77 / month." (empty
    without a discount: the plan's price is the one on the join page)."""
    price = BY_SLUG.get(member.plan)
    if price is None or not member.discount or member.paying_cents is None:
        return ""
    paying = price_words(member.paying_cents, price.interval)
    ends = " for " in member.discount or "first payment" in member.discount
    then = f", then {price.price_text}" if ends and price.interval else ""
    return f"With your code's {member.discount}: {paying}{then}."
