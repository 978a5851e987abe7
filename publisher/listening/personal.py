"""The producer's personal episodes as feeds use them (`lovetv personal set KIND`).

- `payment-problem` and `lapsed` replace the chime of those notice items with the
  producer's recording: the same for every member, so it is part of the rendered feed.
- `welcome` (a member's first N days) and `anniversary` (for N days from each
  anniversary of their start) differ per member: a feed rendered while either is set
  carries `PERSONAL_ITEMS_PLACEHOLDER`, and `PersonalItems.for_member` fills it per request
  from the member's start time, with no query and no XML work.

Setting or removing one changes the show's `updated_at` and deletes every rendered feed, so
each feed's bytes (lastBuildDate) and ETag change, and each worker loads them afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.model import Enclosure, EpisodeInfo, ShowInfo, VoicedNotice
from feeds.notice_feed import LAPSED, PAYMENT_PROBLEM
from feeds.personal_items import personal_item_for, personal_item_template, personal_item_text
from feeds.template import FeedTemplate, Filled
from publisher.listening.inputs import Urls
from publisher.listening.media_names import audio_extension
from publisher.models import PersonalEpisode

WELCOME, ANNIVERSARY = "welcome", "anniversary"
KINDS = (WELCOME, ANNIVERSARY, "payment-problem", "lapsed")
NOTICE_KINDS = {"payment-problem": PAYMENT_PROBLEM, "lapsed": LAPSED}
MEMBER_KINDS = (WELCOME, ANNIVERSARY)
DEFAULT_DAYS = 30


def personal_audio_url(urls: Urls, row: PersonalEpisode) -> str:
    """Public like the notice chime: one URL per recording, never per member."""
    return f"{urls.base}/media/personal/{row.guid}.{audio_extension(row.audio_key, row.mime)}"


def _enclosure(urls: Urls, row: PersonalEpisode) -> Enclosure:
    return Enclosure(personal_audio_url(urls, row), row.size, row.mime)


def voiced_notices(session: Session, urls: Urls) -> tuple[VoicedNotice, ...]:
    """The notices the producer recorded, as their items carry them."""
    rows = session.scalars(
        select(PersonalEpisode).where(PersonalEpisode.kind.in_(tuple(NOTICE_KINDS)))
    )
    return tuple(
        VoicedNotice(NOTICE_KINDS[r.kind], _enclosure(urls, r), round(r.duration)) for r in rows
    )


def has_member_items(session: Session) -> bool:
    """Whether a welcome or anniversary episode is set (then feeds carry the slot)."""
    query = select(PersonalEpisode.kind).where(PersonalEpisode.kind.in_(MEMBER_KINDS))
    return session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class PersonalItem:
    """One recording's `<item>` (split at its date and id) and when a member sees it."""

    template: FeedTemplate
    days: int
    after_days: int | None = None  # anniversary: every this many days from the start

    def latest_event(self, started: datetime, now: datetime) -> datetime | None:
        """The member's start, or their latest anniversary by `now` (None before the first)."""
        if self.after_days is None:
            return started if started <= now else None
        every = timedelta(days=self.after_days)
        times = (now - started) // every
        return started + times * every if times >= 1 else None


@dataclass(frozen=True)
class PersonalItems:
    """Every member-dependent recording, loaded with a rendered feed's variant."""

    items: tuple[PersonalItem, ...] = ()

    def for_member(
        self, started: datetime | None, now: datetime
    ) -> tuple[tuple[tuple[PersonalItem, datetime], ...], str, datetime | None]:
        """The member's items now with their events, a seed naming them (for the ETag), and
        the latest moment they changed (an item's event, or a window's end), for
        Last-Modified. Cheap: a 304 needs no more."""
        if started is None or not self.items:
            return (), "", None
        shown, changed = [], []
        for item in self.items:
            event = item.latest_event(started, now)
            if event is None:
                continue
            ends = event + timedelta(days=item.days)
            if now < ends:
                shown.append((item, event))
            changed.append(event if now < ends else ends)  # shown since, or gone since
        seed = ",".join(str(event.timestamp()) for _, event in shown)
        return tuple(shown), seed, max(changed, default=None)


def filled_items(shown: tuple[tuple[PersonalItem, datetime], ...]) -> tuple[Filled, ...]:
    """The items `for_member` found, dated and named at their events, ready for a slot."""
    return tuple(personal_item_for(item.template, event) for item, event in shown)


def load_personal_items(session: Session, urls: Urls, show: ShowInfo) -> PersonalItems:
    """The welcome and anniversary recordings as item texts (once per feed change)."""
    rows = session.scalars(
        select(PersonalEpisode).where(PersonalEpisode.kind.in_(MEMBER_KINDS))
    ).all()
    items = []
    for row in sorted(rows, key=lambda r: MEMBER_KINDS.index(r.kind)):
        info = EpisodeInfo(
            guid=row.guid,
            title=row.title,
            description=row.title,
            published=row.created_at,
            enclosure=_enclosure(urls, row),
            duration_seconds=round(row.duration),
            link=show.website,
            episode_type="bonus",
        )
        after = row.after_days if row.kind == ANNIVERSARY else None
        template = personal_item_template(personal_item_text(show, info))
        items.append(PersonalItem(template, row.days or DEFAULT_DAYS, after))
    return PersonalItems(tuple(items))
