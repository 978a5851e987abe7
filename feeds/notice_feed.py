"""Notice items: what a feed says when it cannot (or can no longer quite) give episodes.

A member who lost access still gets a valid feed whose only item says what happened and
where to go; apps show an item only when it has an enclosure, so each notice carries a
second of audio. GUIDs are stable per (feed, notice kind), so a refreshing app shows one
notice, not a pile of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feeds.channel import add_episode, new_feed, season_channel, to_bytes
from feeds.model import Enclosure, EpisodeInfo, NoticeLinks, SeasonInfo, ShowInfo
from feeds.text import one_line

# The same strings as auth.access's notices (this core does not import auth).
LAPSED, REVOKED, ROTATED = "lapsed", "revoked", "rotated"
PAYMENT_PROBLEM, COMING_SOON = "payment_problem", "coming_soon"
LOST_ACCESS = (LAPSED, REVOKED, ROTATED)
NOTICE_AUDIO_SECONDS = 2


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
}


def notice_item(
    kind: str,
    show: ShowInfo,
    feed_guid: str,
    feed_title: str,
    links: NoticeLinks,
    published: datetime,
) -> EpisodeInfo:
    """The item that tells a listener about `kind`, with a small audio enclosure."""
    text = NOTICES[kind]
    fields = {
        "show": one_line(show.title),
        "season": one_line(feed_title),
        "join_url": links.join_url,
        "account_url": links.account_url,
        "contact_email": one_line(links.contact_email) or links.join_url,
    }
    return EpisodeInfo(
        guid=f"{feed_guid}-notice-{kind}",
        title=text.title.format(**fields),
        description=text.body.format(**fields),
        published=published,
        enclosure=Enclosure(
            url=f"{links.notice_audio_base}/{kind}.mp3",
            length=links.notice_audio_length,
            mime="audio/mpeg",
        ),
        duration_seconds=NOTICE_AUDIO_SECONDS,
        link=getattr(links, text.link),
        episode_type="bonus",
        own_text=True,
    )


def render_lost_access_feed(
    kind: str, show: ShowInfo, season: SeasonInfo, links: NoticeLinks, updated: datetime
) -> bytes:
    """A season feed whose only item is the `lapsed`, `revoked` or `rotated` notice."""
    if kind not in LOST_ACCESS:
        raise ValueError(f"not a lost-access notice: {kind!r}")
    fg = new_feed(show, season_channel(show, season, updated))
    add_episode(fg, notice_item(kind, show, season.podcast_guid, season.title, links, updated))
    return to_bytes(fg)
