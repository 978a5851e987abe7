"""Notice items: what a feed says when it cannot (or can no longer quite) give episodes.

A member who lost access still gets a valid feed whose only item says what happened and
where to go; apps show an item only when it has an enclosure, so each notice carries a
second of audio. A notice about a member's event (lapsed, revoked, rotated, payment problem)
is dated at that event and its GUID names it, both put in per request
(`NOTICE_DATE_PLACEHOLDER`, `NOTICE_ID_PLACEHOLDER`): apps that sort or notify by date list
it as new, once, and a later event makes a new item instead of silently reusing the old one.
Links in the text are real `<a href>` (description and `content:encoded` alike).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime

from feeds.channel import add_episode, new_feed, season_channel, to_bytes
from feeds.model import (
    NOTICE_ID_PLACEHOLDER,
    Enclosure,
    EpisodeInfo,
    NoticeLinks,
    SeasonInfo,
    ShowInfo,
)
from feeds.text import one_line

# The same strings as auth.access's notices (this core does not import auth).
LAPSED, REVOKED, ROTATED = "lapsed", "revoked", "rotated"
PAYMENT_PROBLEM, COMING_SOON = "payment_problem", "coming_soon"
NEW_SEASON = "new_season"  # announcements (feeds.announcements) share the notice chime
LOST_ACCESS = (LAPSED, REVOKED, ROTATED)
PER_EVENT = (*LOST_ACCESS, PAYMENT_PROBLEM)
NOTICE_AUDIO_SECONDS = 2
_URL_FIELDS = ("join_url", "account_url")


@dataclass(frozen=True)
class NoticeText:
    title: str
    body: str  # str.format fields: show, season, join_url, account_url, contact_email
    link: str  # a NoticeLinks field name


NOTICES: dict[str, NoticeText] = {
    LAPSED: NoticeText(
        "Your membership has ended: renew to keep listening",
        "Your {show} membership has ended, so the episodes of {season} are paused. Sign in at "
        "{account_url} to renew, and this same feed brings every episode back, with nothing to "
        "re-subscribe.",
        "account_url",
    ),
    REVOKED: NoticeText(
        "Access to this feed was withdrawn",
        "Access to {show} through this private feed was withdrawn. If you think this is a "
        "mistake, write to {contact_email}. Your account: {account_url}.",
        "account_url",
    ),
    ROTATED: NoticeText(
        "This private link was replaced by a newer one",
        "This private feed link for {season} was replaced by a newer one. Use the new link you "
        "were emailed (also on your account page: {account_url}), then remove this old one from "
        "your podcast app. Questions: {contact_email}.",
        "account_url",
    ),
    PAYMENT_PROBLEM: NoticeText(
        "Payment problem: update your card",
        "We could not take your last {show} payment. Sign in at {account_url} and choose "
        "Manage billing to update your card and keep every episode of {season} coming.",
        "account_url",
    ),
    COMING_SOON: NoticeText(
        "Coming soon: {season}",
        "The first episode of {season} is on its way. Stay subscribed: it appears here as "
        "soon as it is published.",
        "join_url",
    ),
    NEW_SEASON: NoticeText("A new season is out", "", "account_url"),
}


def _link(url: str, text: str | None = None) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(text or url)}</a>'


def notice_html(kind: str, show: ShowInfo, feed_title: str, links: NoticeLinks) -> str:
    """The notice's text as one HTML paragraph whose URLs and address are links."""
    contact = one_line(links.contact_email)
    fields = {
        "show": html.escape(one_line(show.title)),
        "season": html.escape(one_line(feed_title)),
        **{name: _link(getattr(links, name)) for name in _URL_FIELDS},
        "contact_email": _link(f"mailto:{contact}", contact) if contact else _link(links.join_url),
    }
    return f"<p>{NOTICES[kind].body.format(**fields)}</p>"


def notice_item(
    kind: str,
    show: ShowInfo,
    feed_guid: str,
    feed_title: str,
    links: NoticeLinks,
    published: datetime | None,
) -> EpisodeInfo:
    """The item that tells a listener about `kind`, with a small audio enclosure.

    `published` None: a per-event notice, dated and identified per request.
    """
    per_event = kind in PER_EVENT
    text = NOTICES[kind]
    voiced = next((v for v in links.voiced if v.kind == kind), None)
    return EpisodeInfo(
        guid=f"{feed_guid}-notice-{kind}" + (f"-{NOTICE_ID_PLACEHOLDER}" if per_event else ""),
        title=text.title.format(season=one_line(feed_title)),
        description=notice_html(kind, show, feed_title, links),
        published=published or datetime(1970, 1, 1, tzinfo=UTC),
        enclosure=voiced.enclosure if voiced else notice_enclosure(kind, links),
        duration_seconds=voiced.duration_seconds if voiced else NOTICE_AUDIO_SECONDS,
        link=getattr(links, text.link),
        episode_type="bonus",
        own_text=True,
        dated_per_request=published is None,
    )


def notice_enclosure(kind: str, links: NoticeLinks) -> Enclosure:
    return Enclosure(
        url=f"{links.notice_audio_base}/{kind}.mp3",
        length=links.notice_audio_length,
        mime="audio/mpeg",
    )


def render_lost_access_feed(
    kind: str, show: ShowInfo, season: SeasonInfo, links: NoticeLinks, updated: datetime
) -> bytes:
    """A season feed whose only item is the `lapsed`, `revoked` or `rotated` notice, dated
    and identified per request at the member's event."""
    if kind not in LOST_ACCESS:
        raise ValueError(f"not a lost-access notice: {kind!r}")
    fg = new_feed(show, season_channel(show, season, updated))
    add_episode(fg, notice_item(kind, show, season.podcast_guid, season.title, links, None))
    return to_bytes(fg)
