"""New seasons announced inside the feeds members already follow.

When a season's first episode comes out, every other season's feed carries one item about
it for `ANNOUNCEMENT_DAYS`, dated at that first episode, with the listener's own private
link to the new season (the token placeholder, put in per request like every member URL)
and the one-tap app links as text. Its GUID names the new season, so an app lists it once.
Apps that read Podcasting 2.0 also find the other seasons in `podcast:podroll`.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from feeds.model import EpisodeInfo, NoticeLinks, SeasonAnnouncement, ShowInfo
from feeds.notice_feed import NEW_SEASON, NOTICE_AUDIO_SECONDS, notice_enclosure
from feeds.text import one_line

# How long a new season is announced in the other seasons' feeds (README "Listening").
ANNOUNCEMENT_DAYS = 30
ANNOUNCEMENT_WINDOW = timedelta(days=ANNOUNCEMENT_DAYS)


def announced(first_published: datetime, now: datetime) -> bool:
    """Whether a season whose first episode came out then is announced at `now`."""
    return first_published <= now < first_published + ANNOUNCEMENT_WINDOW


def comes_after(
    season: tuple[int | None, datetime],
    listener_season: tuple[int | None, datetime | None],
) -> bool:
    """Whether `season` (number, first published) is newer than the one a feed is of.

    A new season is news only to the seasons before it: numbered lower or, when either has
    no number, first published earlier. A feed whose season has nothing out yet is the
    newest of all.
    """
    number, first = season
    listener_number, listener_first = listener_season
    if listener_first is None:
        return False
    if number is not None and listener_number is not None and number != listener_number:
        return number > listener_number
    return first > listener_first


def _a(url: str, text: str | None = None) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(text or url)}</a>'


def announcement_html(show: ShowInfo, news: SeasonAnnouncement, links: NoticeLinks) -> str:
    """What the item says: the new season, the listener's own link, and app links."""
    title = html.escape(one_line(news.title))
    parts = [
        f"<p>{title}, a new season of {html.escape(one_line(show.title))}, is out. It is a "
        f"private podcast of its own: add your link to it in your podcast app.</p>",
        f"<p>Your private link to {title} (please don't share it): {_a(news.feed_url)}</p>",
    ]
    if news.app_links:
        apps = "".join(
            f"<li>{_a(link, f'Add to {name}')}: {html.escape(link)}</li>"
            for name, link in news.app_links
        )
        parts.append(f"<p>One tap in these apps:</p><ul>{apps}</ul>")
    parts.append(f"<p>All your links are on your account page: {_a(links.account_url)}</p>")
    return "".join(parts)


def announcement_item(
    show: ShowInfo, feed_guid: str, news: SeasonAnnouncement, links: NoticeLinks
) -> EpisodeInfo:
    """The item announcing `news` inside the feed whose podcast:guid is `feed_guid`."""
    return EpisodeInfo(
        guid=f"{feed_guid}-new-season-{news.podcast_guid}",
        title=f"New season: {one_line(news.title)}",
        description=announcement_html(show, news, links),
        published=news.first_published,
        enclosure=notice_enclosure(NEW_SEASON, links),
        duration_seconds=NOTICE_AUDIO_SECONDS,
        link=news.page_url,
        episode_type="bonus",
        own_text=True,
    )
