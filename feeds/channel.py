"""The parts every feed shares: a channel with Apple's and Podcasting 2.0's tags, and items.

Apple's required and recommended tags:
https://podcasters.apple.com/support/823-podcast-requirements
Podcasting 2.0: https://podcastindex.org/namespace/1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from feeds import apple_extension, podcast_extension
from feeds.model import (
    MEMBER_NAME_PLACEHOLDER,
    NOTICE_DATE_PLACEHOLDER,
    EpisodeInfo,
    OtherSeason,
    SeasonInfo,
    ShowInfo,
)
from feeds.notes import notes_html, notes_text
from feeds.text import clean_text, one_line

GENERATOR = "Love TV publisher"
EPISODE_TYPES = ("full", "trailer", "bonus")  # Apple's itunes:episodeType values
_ARTWORK_SUFFIXES = (".jpg", ".png")  # all feedgen accepts; it drops anything else silently
# What an item dated per request carries until `to_bytes` puts the placeholder there.
_PER_REQUEST_DATE = datetime(1970, 1, 1, tzinfo=UTC)
_PER_REQUEST_PUBDATE = b"<pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate>"


@dataclass(frozen=True)
class Channel:
    """What one feed says about itself, beyond the show's own details."""

    title: str
    description: str
    link: str
    self_url: str
    image_url: str
    podcast_guid: str
    updated: datetime
    private: bool
    # Written after the (cleaned) title: `MEMBER_NAME_PLACEHOLDER` in member feeds whose
    # show puts names in titles, filled per request.
    title_suffix: str = ""


def new_feed(show: ShowInfo, channel: Channel) -> FeedGenerator:
    """A feed generator with the channel tags set and both namespaces loaded."""
    fg = FeedGenerator()
    fg.load_extension("podcast")  # feedgen's iTunes namespace
    fg.register_extension(
        apple_extension.EXTENSION_NAME, apple_extension.AppleChannelExtension, atom=False
    )
    fg.register_extension(
        podcast_extension.EXTENSION_NAME,
        podcast_extension.PodcastIndexExtension,
        podcast_extension.PodcastIndexEntryExtension,
        atom=False,
    )
    title = (one_line(channel.title) or "Untitled") + channel.title_suffix
    fg.title(title)
    fg.description(clean_text(channel.description).strip() or title)
    fg.link(href=channel.self_url, rel="self")
    fg.link(href=channel.link, rel="alternate")  # feedgen writes the last link as RSS <link>
    fg.language(one_line(show.language) or "en")
    fg.generator(GENERATOR)
    fg.lastBuildDate(channel.updated)
    fg.image(url=_artwork(channel.image_url), title=title, link=channel.link)
    _itunes_channel(fg, show, channel)
    _podcast_channel(fg, show, channel)
    return fg


def _itunes_channel(fg: FeedGenerator, show: ShowInfo, channel: Channel) -> None:
    itunes = fg.podcast
    author = one_line(show.author) or one_line(show.title)
    itunes.itunes_author(author)
    if show.owner_email:
        itunes.itunes_owner(name=author, email=one_line(show.owner_email))
    itunes.itunes_image(_artwork(channel.image_url))
    itunes.itunes_category(_category(show.category))
    itunes.itunes_type("episodic")
    apple = getattr(fg, apple_extension.EXTENSION_NAME)
    apple.explicit(show.explicit)
    apple.block(channel.private)  # private feeds never appear in Apple's directory


def _podcast_channel(fg: FeedGenerator, show: ShowInfo, channel: Channel) -> None:
    ext = getattr(fg, podcast_extension.EXTENSION_NAME)
    ext.podcast_guid(channel.podcast_guid)
    # Locked: no other platform may import the feed and republish it.
    ext.podcast_locked(True, owner=one_line(show.owner_email))
    if channel.private:
        ext.podcast_block(True)
    elif show.join_url:  # members already pay: only the public feed asks them to join
        ext.podcast_funding(show.join_url, "Become a member")


def add_podroll(fg: FeedGenerator, seasons: Sequence[OtherSeason]) -> None:
    """Name the other seasons (`podcast:podroll`), so apps that know the tag offer them."""
    if seasons:
        ext = getattr(fg, podcast_extension.EXTENSION_NAME)
        ext.podcast_podroll([(s.podcast_guid, s.feed_url) for s in seasons])


def _category(raw: str) -> dict[str, str]:
    """`Health & Fitness` or `Health & Fitness > Sexuality` as feedgen's category dict."""
    main, _, sub = (one_line(raw) or "Health & Fitness").partition(">")
    category = {"cat": main.strip()}
    if sub.strip():
        category["sub"] = sub.strip()
    return category


def _artwork(url: str) -> str:
    if not url.lower().endswith(_ARTWORK_SUFFIXES):
        raise ValueError(f"artwork URL must end in .jpg or .png: {url!r}")
    return url


def add_episode(fg: FeedGenerator, episode: EpisodeInfo) -> FeedEntry:
    """Append one item with every tag Apple requires or recommends, and the podcast ones."""
    fe = fg.add_entry(order="append")
    fe.title(one_line(episode.title) or "Untitled episode")
    _notes(fe, episode)
    fe.link(href=episode.link)
    fe.guid(episode.guid, permalink=False)  # never changes, so apps never re-download
    fe.pubDate(_PER_REQUEST_DATE if episode.dated_per_request else episode.published)
    enclosure = episode.enclosure
    fe.enclosure(enclosure.url, str(enclosure.length), enclosure.mime)
    _itunes_item(fe, episode)
    _podcast_item(fe, episode)
    return fe


def _notes(fe: FeedEntry, episode: EpisodeInfo) -> None:
    """Notes as sanitized HTML in `content:encoded`, as text in description and summary.

    The service's own notices are HTML already (links to the account page), and go in both.
    """
    if episode.own_text:
        fe.description(episode.description)
        fe.content(episode.description)
        return
    text = notes_text(episode.description)
    fe.description(text or one_line(episode.title))
    if text:
        fe.content(notes_html(episode.description))
        fe.podcast.itunes_summary(text)


def _itunes_item(fe: FeedEntry, episode: EpisodeInfo) -> None:
    itunes = fe.podcast
    itunes.itunes_duration(max(0, int(episode.duration_seconds)))
    itunes.itunes_episode_type(
        episode.episode_type if episode.episode_type in EPISODE_TYPES else "full"
    )
    if episode.number is not None:
        itunes.itunes_episode(episode.number)
    if episode.season_number is not None:
        itunes.itunes_season(episode.season_number)
    if episode.image_url:
        itunes.itunes_image(_artwork(episode.image_url))


def _podcast_item(fe: FeedEntry, episode: EpisodeInfo) -> None:
    ext = getattr(fe, podcast_extension.EXTENSION_NAME)
    if episode.season_number is not None:
        ext.podcast_season(episode.season_number, one_line(episode.season_title))
    if episode.number is not None:
        ext.podcast_episode(episode.number)
    if episode.chapters_url:
        ext.podcast_chapters(episode.chapters_url)
    for transcript in episode.transcripts:
        ext.podcast_transcript(transcript.url, transcript.mime)
    for alternate in episode.alternates:
        ext.podcast_alternate_enclosure(alternate)


def to_bytes(fg: FeedGenerator) -> bytes:
    """The feed as UTF-8 RSS 2.0 with an XML declaration (browsers get an HTML page about
    the feed from the route instead, so no stylesheet is named)."""
    body: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return body.replace(
        _PER_REQUEST_PUBDATE, f"<pubDate>{NOTICE_DATE_PLACEHOLDER}</pubDate>".encode()
    )


def season_channel(show: ShowInfo, season: SeasonInfo, updated: datetime) -> Channel:
    """A member's private feed of one season: its own podcast in their app, never listed."""
    return Channel(
        title=f"{one_line(show.title)}: {one_line(season.title)}",
        description=season.description or show.description,
        link=show.website or show.join_url,
        self_url=season.feed_url,
        image_url=season.image_url or show.image_url,
        podcast_guid=season.podcast_guid,
        updated=updated,
        private=True,
        title_suffix=MEMBER_NAME_PLACEHOLDER if show.name_in_title else "",
    )
