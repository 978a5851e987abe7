"""`lovetv demo`: the demo show, its first season and episodes, so a newcomer has
something to hear.

The audio is shipped with the package (`publisher/demo/media/`, soft chords made once with
LAME) and published through the same pipeline as a producer's, tags and all. Idempotent:
running it again finds what it made and changes nothing.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select

from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.catalog.show import set_show
from publisher.members.demo_member import DEMO_MEMBER_EMAIL, ensure_demo_member
from publisher.models import Episode, Season, Show
from publisher.services import Services

DEMO_SHOW = {
    "title": "Love TV",
    "author": "Love TV",
    "owner_email": "hello@lovetv.example",
    "description": (
        "Love Well, Live Well. Conversations and short lessons on closeness, confidence and "
        "the everyday work of loving someone, for members of Love TV."
    ),
    "language": "en",
    "category": "Health & Fitness",
    "website": "https://lovetv.example",
    "explicit": False,
}
DEMO_SEASON = {
    "slug": "season-1",
    "title": "Season 1: Closer",
    "number": 1,
    "description": "Why getting close can feel hard, and small ways to stay open with a partner.",
}


@dataclass(frozen=True)
class DemoEpisode:
    """One demo episode: its shipped audio (and chapters) and what the feed says of it."""

    title: str
    audio: str
    description: str
    chapters: str | None = None
    teaser: bool = False
    episode_type: str = "full"
    video: bool = False  # a video drawn on the spot rides beside the audio


DEMO_EPISODES = (
    DemoEpisode(
        title="Season 1 teaser: Closer",
        audio="teaser.mp3",
        description=(
            "A short taste of the season: why closeness can feel like a tug of war, and what "
            "members will hear about staying open when a partner steps back."
        ),
        teaser=True,
        episode_type="trailer",
        video=True,
    ),
    DemoEpisode(
        title="The Push and Pull of Building Intimacy in a Relationship",
        audio="push-and-pull.mp3",
        chapters="push-and-pull.chapters.json",
        description=(
            "When one partner reaches out and the other retreats, both can end up keeping "
            "score. Three habits that help: setting the case file aside, noticing our own "
            "part in the pattern, and naming the cycle so it can be interrupted."
        ),
    ),
)


def ensure_demo(services: Services) -> dict[str, Any]:
    """Create what is missing of the demo and return its URLs for the newcomer."""
    with services.db.session() as session:
        show = session.get(Show, 1)
        if show is None:
            session.add(Show(id=1, **DEMO_SHOW, **_demo_policies()))
        elif show.owner_email == DEMO_SHOW["owner_email"]:  # a demo made before these texts
            for kind, text in _demo_policies().items():
                if not getattr(show, kind):
                    setattr(show, kind, text)
        season = session.scalar(select(Season).where(Season.slug == DEMO_SEASON["slug"]))
        if season is None:
            session.add(Season(**DEMO_SEASON))
        needs_artwork = show is None or show.image_key is None
        published = set(
            session.scalars(
                select(Episode.title).join(Season).where(Season.slug == DEMO_SEASON["slug"])
            )
        )
    if needs_artwork:
        _add_show_artwork(services)
    for demo_episode in DEMO_EPISODES:
        if demo_episode.title not in published:
            _publish(services, demo_episode)
    base = services.config.base_url
    feeds = ensure_demo_member(services)
    members = {label: url for label, url in feeds.items() if "member" in label}
    # What a newcomer opens first, then the demo member's own feed, then the rest.
    urls = {"home page": f"{base}/", **members, **feeds, "health": f"{base}/healthz"}
    return {"urls": urls, "demo_member": DEMO_MEMBER_EMAIL}


def _demo_policies() -> dict[str, str]:
    """The demo's terms and refund policy, written as a real show's would be."""
    media = resources.files("publisher.demo") / "media"
    return {
        "terms": (media / "terms.md").read_text(encoding="utf-8"),
        "refund_policy": (media / "refund-policy.md").read_text(encoding="utf-8"),
    }


def _publish(services: Services, demo_episode: DemoEpisode) -> None:
    media = resources.files("publisher.demo") / "media"
    with resources.as_file(media) as folder, tempfile.TemporaryDirectory() as work:
        audio = folder / demo_episode.audio
        video = None
        if demo_episode.video:
            from publisher.demo.video import draw_trailer_video

            video = draw_trailer_video(audio, Path(work) / "trailer.mp4", demo_episode.title)
        publish_episode(
            services,
            EpisodeDraft(
                season=str(DEMO_SEASON["slug"]),
                audio=audio,
                title=demo_episode.title,
                description=demo_episode.description,
                chapters=folder / demo_episode.chapters if demo_episode.chapters else None,
                teaser=demo_episode.teaser,
                episode_type=demo_episode.episode_type,
                video=video,
            ),
        )


def _add_show_artwork(services: Services) -> None:
    """Draw the show's cover (Apple needs one of 1400-3000 px) rather than ship a big PNG."""
    from PIL import Image, ImageDraw

    size = 1400
    image = Image.new("RGB", (size, size), (122, 28, 64))
    draw = ImageDraw.Draw(image)
    # A heart: two circles over a triangle.
    r = size // 5
    cx, cy = size // 2, size // 2 - r // 2
    draw.ellipse((cx - 2 * r, cy - r, cx, cy + r), fill=(240, 120, 150))
    draw.ellipse((cx, cy - r, cx + 2 * r, cy + r), fill=(240, 120, 150))
    draw.polygon(
        [(cx - 2 * r + 8, cy + r // 3), (cx + 2 * r - 8, cy + r // 3), (cx, cy + 2 * r)],
        fill=(240, 120, 150),
    )
    with tempfile.TemporaryDirectory(prefix="lovetv-demo-") as folder:
        path = Path(folder) / "love-tv.png"
        image.save(path, "PNG")
        set_show(services, {}, image=path)
