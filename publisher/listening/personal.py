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

from dataclasses import dataclass, field
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

    def marks(self, started: datetime, now: datetime) -> list[datetime]:
        """Moments around `now` where what this item shows the member may change: its
        events and the ends of their windows (extra marks only narrow a kept answer)."""
        window = timedelta(days=self.days)
        if self.after_days is None:
            return [started, started + window]
        every = timedelta(days=self.after_days)
        times = (now - started) // every
        nearest = range(max(times - 1, 1), max(times + 1, 1) + 1)  # up to the next one
        events = [started + k * every for k in nearest]
        return [*events, *(event + window for event in events)]


Shown = tuple[tuple[PersonalItem, datetime], ...]
MemberItems = tuple[Shown, str, datetime | None]
_KEPT_MEMBERS = 8192  # one answer per member start time; about 1 MB at most


@dataclass(frozen=True)
class _Kept:
    """A member's items, valid for every `now` in [since, until)."""

    answer: MemberItems
    since: datetime
    until: datetime


@dataclass(frozen=True)
class PersonalItems:
    """Every member-dependent recording, loaded with a rendered feed's variant.

    A member's answer only changes at an event or a window's end, so it is kept per start
    time with the span it holds for: a poll then costs one lookup, not date arithmetic
    (issue 29 asks personal items to cost a feed and its 304 under 5%). The variant, and
    with it this cache, is replaced whenever the recordings change.
    """

    items: tuple[PersonalItem, ...] = ()
    _kept: dict[datetime, _Kept] = field(default_factory=dict, compare=False, repr=False)
    _filled: dict[Shown, tuple[Filled, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def for_member(self, started: datetime | None, now: datetime) -> MemberItems:
        """The member's items now with their events, a seed naming them (for the ETag), and
        the latest moment they changed (an item's event, or a window's end), for
        Last-Modified. Cheap: a 304 needs no more."""
        if started is None or not self.items:
            return (), "", None
        kept = self._kept.get(started)
        if kept is None or not kept.since <= now < kept.until:
            kept = self._answer(started, now)
            if len(self._kept) >= _KEPT_MEMBERS:
                self._kept.clear()
            self._kept[started] = kept
        return kept.answer

    def filled(self, shown: Shown) -> tuple[Filled, ...]:
        """The items `for_member` found, dated and named at their events, ready for a slot;
        kept, as a member's next 200 is likely to show the same."""
        items = self._filled.get(shown)
        if items is None:
            items = tuple(personal_item_for(item.template, event) for item, event in shown)
            if len(self._filled) >= _KEPT_MEMBERS:
                self._filled.clear()
            self._filled[shown] = items
        return items

    def _answer(self, started: datetime, now: datetime) -> _Kept:
        shown, changed, marks = [], [], []
        for item in self.items:
            marks += item.marks(started, now)
            event = item.latest_event(started, now)
            if event is None:
                continue
            ends = event + timedelta(days=item.days)
            if now < ends:
                shown.append((item, event))
            changed.append(event if now < ends else ends)  # shown since, or gone since
        seed = ",".join(str(event.timestamp()) for _, event in shown)
        since = max((mark for mark in marks if mark <= now), default=None)
        until = min((mark for mark in marks if mark > now), default=None)
        return _Kept(
            (tuple(shown), seed, max(changed, default=None)),
            since or datetime.min.replace(tzinfo=now.tzinfo),
            until or datetime.max.replace(tzinfo=now.tzinfo),
        )


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
