"""SQLAlchemy models of the whole domain: show, seasons, episodes, members, tokens, events.

The schema is owned by Alembic (`migrations/`); these classes mirror it and a test checks
that the two agree. Times are stored timezone-aware in UTC.

One module per concern (`catalog`, `members`, `accounts`, `billing`, `mail`, `stats`,
`service`) on a shared `base`; every name stays importable from here, as it was when the
models were one module. The gift tables live with their concern in `publisher.gifts.models`,
which builds on `base` and is never imported from here (no circle); `publisher.schema` holds
every table, gifts included, for Alembic and the schema checks.
"""

from publisher.models.accounts import AccountSession, PendingSignIn, SignInLink
from publisher.models.base import Base, UTCDateTime, new_guid, utcnow
from publisher.models.billing import Checkout, StripeEvent
from publisher.models.catalog import Episode, PersonalEpisode, RenderedFeed, Season, Show
from publisher.models.mail import OutboxMessage
from publisher.models.members import FeedToken, Member
from publisher.models.service import JobState, RateLimitHit, ServiceKey
from publisher.models.stats import MediaRequest, SharingFlag, StatsSalt

__all__ = [
    "AccountSession",
    "Base",
    "Checkout",
    "Episode",
    "FeedToken",
    "JobState",
    "MediaRequest",
    "Member",
    "OutboxMessage",
    "PendingSignIn",
    "PersonalEpisode",
    "RateLimitHit",
    "RenderedFeed",
    "Season",
    "ServiceKey",
    "SharingFlag",
    "Show",
    "SignInLink",
    "StatsSalt",
    "StripeEvent",
    "UTCDateTime",
    "new_guid",
    "utcnow",
]
