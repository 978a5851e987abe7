"""`lovetv demo` publishes the seed episode with its three chapters and a short teaser."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from mutagen import id3
from sqlalchemy import select
from support.publishing import fetch

from audio.probe import probe_audio
from publisher.demo.seed import ensure_demo
from publisher.models import Episode, Season
from publisher.services import Services

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3

SEED_TITLE = "The Push and Pull of Building Intimacy in a Relationship"
SECTIONS = ["Don't build a case", "Look at ourselves", "Identify patterns"]


def _demo_episodes(services: Services) -> dict[str, Episode]:
    with services.db.session() as session:
        rows = session.scalars(select(Episode).join(Season).where(Season.slug == "season-1")).all()
        return {e.title: e for e in rows}


def test_the_demo_publishes_the_seed_episode_with_its_sections_as_chapters(
    services: Services, tmp_path: Path
) -> None:
    services.db.upgrade()
    summary = ensure_demo(services)
    assert summary["urls"]["teaser feed"].endswith("/feeds/teaser.xml")
    episodes = _demo_episodes(services)
    episode = episodes[SEED_TITLE]
    assert [c["title"] for c in episode.chapters] == SECTIONS
    assert episode.teaser is False and episode.number == 1

    stored = fetch(services.storage, episode.audio_key, tmp_path)
    tag = id3.ID3(stored)
    chapters = sorted(tag.getall("CHAP"), key=lambda chap: chap.start_time)
    assert [str(c.sub_frames["TIT2"]) for c in chapters] == SECTIONS
    assert tag.getall("APIC"), "the demo show's artwork is embedded"
    assert probe_audio(stored).duration == episode.duration

    teasers = [e for e in episodes.values() if e.teaser]
    assert len(teasers) == 1 and teasers[0].duration < episode.duration
    assert teasers[0].episode_type == "trailer"


def test_a_second_demo_run_publishes_nothing_new(services: Services) -> None:
    services.db.upgrade()
    ensure_demo(services)
    keys = services.storage.keys()
    guids = {e.guid for e in _demo_episodes(services).values()}
    ensure_demo(services)
    assert services.storage.keys() == keys
    assert {e.guid for e in _demo_episodes(services).values()} == guids


def test_the_shipped_demo_audio_is_small_real_mp3() -> None:
    folder = resources.files("publisher.demo") / "media"
    mp3s = [f for f in folder.iterdir() if f.name.endswith(".mp3")]
    assert len(mp3s) == 2
    assert sum(len(f.read_bytes()) for f in mp3s) < 300 * 1024
    with resources.as_file(folder) as path:
        assert probe_audio(path / "push-and-pull.mp3").duration > 30


def test_the_demo_trailer_carries_a_video_beside_its_mp3(services: Services) -> None:
    """`make run` shows a video episode: the trailer's heart, drawn over its own sound."""
    services.db.upgrade()
    ensure_demo(services)
    (trailer,) = [e for e in _demo_episodes(services).values() if e.teaser]
    assert trailer.mime == "audio/mpeg" and trailer.video_key is not None
    assert trailer.video["height"] == 360 and abs(trailer.video["duration"] - trailer.duration) < 1


def test_the_demo_shows_real_terms_and_a_refund_policy(services: Services, config) -> None:  # type: ignore[no-untyped-def]
    from publisher.app import create_app
    from publisher.models import Show

    services.db.upgrade()
    ensure_demo(services)
    client = create_app(config=config).test_client()
    terms = client.get("/terms", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "published here soon" not in terms
    assert "Your feed links are yours." in terms and "hello@lovetv.example" in terms
    refunds = client.get("/refunds", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "within 14 days of your first payment" in refunds
    with services.db.session() as session:  # a demo made before the texts gets them too
        show = session.get_one(Show, 1)
        show.terms = show.refund_policy = ""
    ensure_demo(services)
    assert "Your feed links are yours." in client.get("/terms").get_data(as_text=True)
