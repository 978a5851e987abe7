"""The member feed as a listening service: who asks, what they may hear, the bytes to send.

`MemberFeeds.answer` is the whole of a member feed request, with no Flask around it: the
WSGI fast path (`publisher.web.feed_fast_path`) calls it for podcast apps' polls, the
Flask route (`publisher.web.feeds`) for the rest, and the feed's HTML page
(`publisher.web.feed_pages`) learns from `ask` who may hear what. It returns a `FeedReply`
(status, headers, bytes) that either can send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from werkzeug.wrappers import Request

from auth.access import AccessDecision
from auth.tokens import looks_like_token
from feeds.model import ALL_SEASONS_SLUG, MEMBER_NAME_PLACEHOLDER, PERSONAL_ITEMS_PLACEHOLDER
from feeds.text import for_member
from publisher.listening.cache import FeedCache
from publisher.listening.feed_http import FeedReply, feed_response, member_etag, notice_event
from publisher.listening.listeners import Listener
from publisher.listening.requests import SeasonRequest, SeasonRequests
from publisher.metrics.instruments import FEED_OUTCOMES
from publisher.models import utcnow

_NOT_FOUND_TEXT = b"no such feed\n"
NOT_FOUND = FeedReply(
    404,
    [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(_NOT_FOUND_TEXT)))],
    _NOT_FOUND_TEXT,
)


@dataclass(frozen=True)
class MemberFeedRequest:
    """A known token asking for a known season, and what it may hear there right now."""

    found: SeasonRequest
    listener: Listener
    decision: AccessDecision


@dataclass(frozen=True)
class MemberFeeds:
    """The member feed, answerable from the Flask route or straight from WSGI.

    `publisher.web.feed_fast_path` calls `answer` without Flask around it (podcast apps
    poll this URL all day); the route above is the same answer inside Flask.
    """

    cache: FeedCache
    requests: SeasonRequests
    grace_days: int

    def ask(self, token: str, slug: str, now: datetime) -> MemberFeedRequest | None:
        """The season and the token's holder with their access decision; None if unknown.

        The one place both the feed and the feed's page learn who may hear what.
        """
        if not looks_like_token(token):
            return None
        if slug == ALL_SEASONS_SLUG:
            found = self.requests.find_all_seasons(token)
        else:
            found = self.requests.find(slug, token)
        if found is None or found.listener is None:
            return None
        return MemberFeedRequest(found, found.listener, found.listener.access(now))

    def answer(self, asked: Request, token: str, slug: str) -> FeedReply:
        """The season's feed, or the notice feed if they lost access; 404 if unknown."""
        now = utcnow()
        member = self.ask(token, slug, now)
        if member is None:
            FEED_OUTCOMES["404"].inc()
            return NOT_FOUND
        found, listener, decision = member.found, member.listener, member.decision
        try:
            if found.season_id is None:
                variant = self.cache.all_seasons(found.state, decision.notice, now)
            else:
                variant = self.cache.season(found.season_id, found.state, decision.notice, now)
        except LookupError:  # the season vanished between the query and the render
            FEED_OUTCOMES["404"].inc()
            return NOT_FOUND
        moment = listener.notice_moment(decision.notice, self.grace_days)
        event = notice_event(moment or variant.last_modified if decision.notice else None)
        if variant.template.names_member:  # the show puts members' names in feed titles
            event[MEMBER_NAME_PLACEHOLDER] = for_member(listener.name)
        changed_at = listener.changed_at(decision.notice, self.grace_days)
        seed, fill = "", None
        if variant.personal is not None:  # welcome and anniversary items, if theirs now
            shown, seed, moment = variant.personal.for_member(listener.started_at, now)
            if moment is not None and (changed_at is None or moment > changed_at):
                changed_at = moment
            fill = {PERSONAL_ITEMS_PLACEHOLDER: partial(variant.personal.filled, shown)}
        etag = member_etag(variant, listener.lookup_hash, event, seed)
        reply = feed_response(
            asked, variant, etag, token, private=True, event=event, changed_at=changed_at,
            fill=fill,
        )  # fmt: skip
        outcome = "304" if reply.status == 304 else ("notice" if decision.notice else "200")
        FEED_OUTCOMES[outcome].inc()
        return reply
