"""What a feed is made of, as plain frozen values the shell fills from its rows.

URLs that belong to one member (enclosures, chapters, the self link) are written with
`TOKEN_PLACEHOLDER` where the token goes; the renderer never sees a real token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Only [A-Za-z0-9_@] so XML escaping never touches it, and `feeds.text.clean_text` removes it
# from producer text, so it stands only where a renderer put it. Tokens are [A-Za-z0-9_-]{32}.
TOKEN_PLACEHOLDER = "@@LOVETV_TOKEN@@"
# A notice item is dated at the member's own event (status change, rotation, failed renewal)
# and its GUID names that event: both are put in per request, like the token, so a season's
# notice feed is still rendered once, not once per member.
NOTICE_DATE_PLACEHOLDER = "@@LOVETV_NOTICE_DATE@@"
NOTICE_ID_PLACEHOLDER = "@@LOVETV_NOTICE_ID@@"
# Where a member feed's title ends with " (for Ann)" when the show puts names in titles
# (`ShowInfo.name_in_title`): filled per request, already escaped (`feeds.text.for_member`).
MEMBER_NAME_PLACEHOLDER = "@@LOVETV_MEMBER_NAME@@"
# Where a member's personal items (welcome, anniversary: `feeds.personal_items`) go, at
# the top of the feed's items; filled per request with nothing or their rendered `<item>`s.
PERSONAL_ITEMS_PLACEHOLDER = "@@LOVETV_PERSONAL_ITEMS@@"
# The name `/feeds/<token>/all.xml` gives the feed of every season, so no season may have it.
ALL_SEASONS_SLUG = "all"
PLACEHOLDERS = (
    TOKEN_PLACEHOLDER,
    NOTICE_DATE_PLACEHOLDER,
    NOTICE_ID_PLACEHOLDER,
    MEMBER_NAME_PLACEHOLDER,
    PERSONAL_ITEMS_PLACEHOLDER,
)


@dataclass(frozen=True)
class ShowInfo:
    """The show, as every feed's channel describes it."""

    title: str
    author: str
    owner_email: str
    description: str
    image_url: str
    language: str
    category: str
    website: str
    explicit: bool
    podcast_guid: str
    join_url: str
    name_in_title: bool = False  # member feeds end their title with the member's name


@dataclass(frozen=True)
class SeasonInfo:
    """One season: a private podcast of its own for each member."""

    slug: str
    title: str
    number: int | None
    description: str
    image_url: str | None
    podcast_guid: str
    feed_url: str


@dataclass(frozen=True)
class Enclosure:
    """The audio file of an item: Apple requires the exact byte length and MIME type."""

    url: str
    length: int
    mime: str


@dataclass(frozen=True)
class AlternateEnclosure:
    """Another file of the same episode (`podcast:alternateEnclosure`): the video as an MP4
    or HLS beside the audio, or the audio beside a video enclosure.

    https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md#alternate-enclosure
    `default` marks the one that is the `<enclosure>` itself, as the spec's example does.
    """

    url: str
    mime: str
    title: str
    length: int | None = None
    bitrate: int | None = None
    height: int | None = None
    codecs: str = ""
    default: bool = False


@dataclass(frozen=True)
class Transcript:
    url: str
    mime: str


@dataclass(frozen=True)
class EpisodeInfo:
    """One published episode as an item of a feed."""

    guid: str
    title: str
    description: str
    published: datetime
    enclosure: Enclosure
    duration_seconds: int
    link: str
    episode_type: str = "full"
    number: int | None = None
    season_number: int | None = None
    season_title: str | None = None
    image_url: str | None = None
    chapters_url: str | None = None
    transcripts: tuple[Transcript, ...] = field(default_factory=tuple)
    alternates: tuple[AlternateEnclosure, ...] = field(default_factory=tuple)
    # The service's own wording (notices), whose links may carry the token placeholder;
    # producer text never does (`feeds.text.clean_text` removes it). `description` is then
    # already HTML, also written as `content:encoded`.
    own_text: bool = False
    # Dated per request (`NOTICE_DATE_PLACEHOLDER`) instead of at `published`.
    dated_per_request: bool = False


@dataclass(frozen=True)
class Trailer:
    """A season's trailer as the teaser feed names it (`podcast:trailer`)."""

    title: str
    published: datetime
    enclosure: Enclosure
    season_number: int | None = None


@dataclass(frozen=True)
class VoicedNotice:
    """The producer's recording carried by one kind of notice instead of the chime."""

    kind: str  # a notice kind of `feeds.notice_feed` (payment_problem, lapsed)
    enclosure: Enclosure
    duration_seconds: int


@dataclass(frozen=True)
class NoticeLinks:
    """Where notice items send a listener, and the small audio every notice item carries."""

    join_url: str
    account_url: str
    contact_email: str
    notice_audio_base: str  # `{base}/media/notice`: `/<kind>.mp3` is appended
    notice_audio_length: int
    voiced: tuple[VoicedNotice, ...] = ()  # `lovetv personal set payment-problem|lapsed`


@dataclass(frozen=True)
class SeasonAnnouncement:
    """Another season whose first episode came out lately, announced inside this feed.

    `feed_url` and the `app_links` carry `TOKEN_PLACEHOLDER`: each member reads their own
    private link to the new season.
    """

    title: str
    podcast_guid: str
    feed_url: str
    page_url: str
    first_published: datetime
    app_links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OtherSeason:
    """A season the listener may also follow: `podcast:podroll` names it by its guid."""

    title: str
    podcast_guid: str
    feed_url: str
