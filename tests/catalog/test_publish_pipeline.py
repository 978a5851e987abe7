"""Publishing real MP3 and M4A files on every database and store, then reading them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mutagen import id3
from mutagen.mp4 import MP4
from sqlalchemy import func, select
from support.media import make_png
from support.publishing import SHOW, fetch, make_wav, set_up_season

from feeds.notes import notes_text
from publisher.catalog.episodes import list_episodes
from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.errors import UserError
from publisher.models import Episode, Show
from publisher.services import Services

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3

CHAPTERS = "00:00:00 Don't build a case\n00:00:01 Look at ourselves\n00:00:02 Identify patterns\n"
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\nWelcome back to Love TV.\n"


@pytest.fixture
def season(services: Services, tmp_path: Path) -> str:
    set_up_season(services, tmp_path)
    return "season-1"


@pytest.fixture
def chapters_file(tmp_path: Path) -> Path:
    path = tmp_path / "chapters.txt"
    path.write_text(CHAPTERS, encoding="utf-8")
    return path


def _episode(services: Services, guid: str) -> Episode:
    with services.db.session() as session:
        return session.scalar(select(Episode).where(Episode.guid == guid))


def _show_art(services: Services) -> bytes:
    with services.db.session() as session:
        return services.storage.get_bytes(session.get(Show, 1).image_key)


def test_an_mp3_is_stored_with_every_tag_and_recorded(
    services: Services, season: str, mp3_file: Path, chapters_file: Path, tmp_path: Path
) -> None:
    transcript = tmp_path / "ep.vtt"
    transcript.write_text(VTT, encoding="utf-8")
    draft = EpisodeDraft(
        season=season,
        audio=mp3_file,
        title="The Push and Pull",
        description="Why **closeness** can feel like a [tug of war](https://book.test/).\n\n"
        "<script>alert(1)</script>- one\n- two",
        chapters=chapters_file,
        transcript=transcript,
    )
    published = publish_episode(services, draft)

    stored = fetch(services.storage, published["audio_key"], tmp_path)
    assert (
        published["size"] == stored.stat().st_size == services.storage.size(published["audio_key"])
    )
    tag = id3.ID3(stored)
    assert tag.version == (2, 4, 0)
    assert str(tag["TIT2"]) == "The Push and Pull"
    assert str(tag["TPE1"]) == SHOW["author"]
    assert str(tag["TALB"]) == "Love TV - Season 1: Closer"
    assert str(tag["TRCK"]) == "1"
    assert str(tag["TCON"]) == "Podcast"
    # The notes as the feed's plain text: no Markdown, no markup, no script.
    clean = notes_text(draft.description)
    assert clean == "Why closeness can feel like a tug of war (https://book.test/).\n- one\n- two"
    assert "**" not in clean and "alert" not in clean
    assert tag.getall("COMM")[0].text == [clean] and tag["TDES"].text == [clean]
    assert tag["TDRL"].text[0].year == datetime.now(UTC).year
    assert tag.getall("APIC")[0].data == _show_art(services)  # no episode or season art
    titles = [str(c.sub_frames["TIT2"]) for c in sorted(tag.getall("CHAP"), key=_start)]
    assert titles == ["Don't build a case", "Look at ourselves", "Identify patterns"]
    assert [c.start_time for c in sorted(tag.getall("CHAP"), key=_start)] == [0, 1000, 2000]
    assert tag.getall("CTOC")[0].child_element_ids == ["chp0", "chp1", "chp2"]

    episode = _episode(services, published["guid"])
    assert episode.duration == pytest.approx(id3_duration(stored)) == published["duration"]
    assert (episode.mime, episode.bitrate, episode.sample_rate) == ("audio/mpeg", 64000, 44100)
    assert episode.size == published["size"]
    assert episode.chapters == [
        {"startTime": 0, "title": "Don't build a case"},
        {"startTime": 1, "title": "Look at ourselves"},
        {"startTime": 2, "title": "Identify patterns"},
    ]
    assert (episode.transcript_mime, episode.transcript_key) == (
        "text/vtt",
        f"transcripts/{episode.guid}.vtt",
    )
    assert services.storage.get_bytes(episode.transcript_key) == VTT.encode()


def test_an_m4a_is_stored_with_itunes_tags_and_json_chapters(
    services: Services, season: str, m4a_file: Path, chapters_file: Path, tmp_path: Path
) -> None:
    art = make_png(tmp_path / "episode.png", size=1500, color=(10, 120, 60))
    draft = EpisodeDraft(
        season=season,
        audio=m4a_file,
        title="Look at ourselves",
        number=7,
        description="Notes.",
        chapters=chapters_file,
        image=art,
    )
    published = publish_episode(services, draft)
    assert published["mime"] == "audio/x-m4a"
    assert published["audio_key"].endswith(f"/{published['guid']}.m4a")

    stored = fetch(services.storage, published["audio_key"], tmp_path)
    tagged = MP4(stored)
    assert tagged["\xa9nam"] == ["Look at ourselves"]
    assert tagged["\xa9ART"] == [SHOW["author"]]
    assert tagged["\xa9alb"] == ["Love TV - Season 1: Closer"]
    assert tagged["trkn"] == [(7, 0)]
    assert tagged["\xa9gen"] == ["Podcast"]
    assert tagged["\xa9cmt"] == ["Notes."]
    assert bytes(tagged["covr"][0]) == art.read_bytes()  # the episode's own artwork wins
    assert tagged.info.length == pytest.approx(published["duration"])
    assert stored.stat().st_size == published["size"]

    episode = _episode(services, published["guid"])
    assert [c["title"] for c in episode.chapters] == [
        "Don't build a case",
        "Look at ourselves",
        "Identify patterns",
    ]
    assert episode.image_key.startswith("art/") and episode.image_key.endswith(".png")
    assert services.storage.get_bytes(episode.image_key) == art.read_bytes()


def test_numbers_follow_on_and_trailers_need_none(
    services: Services, season: str, mp3_file: Path
) -> None:
    first = publish_episode(services, EpisodeDraft(season, mp3_file, "One"))
    trailer = publish_episode(
        services, EpisodeDraft(season, mp3_file, "Coming up", episode_type="trailer")
    )
    second = publish_episode(services, EpisodeDraft(season, mp3_file, "Two"))
    assert (first["number"], trailer["number"], second["number"]) == (1, None, 2)
    assert trailer["episode_type"] == "trailer"
    assert first["audio_key"] != second["audio_key"]  # same audio, never the same key


def test_scheduled_and_teaser_episodes_are_recorded_as_such(
    services: Services, season: str, mp3_file: Path
) -> None:
    later = datetime.now(UTC) + timedelta(days=3)
    publish_episode(services, EpisodeDraft(season, mp3_file, "Later", publish_at=later))
    publish_episode(services, EpisodeDraft(season, mp3_file, "Free taste", teaser=True))
    listed = {e.title: e for e in list_episodes(services, season)}
    assert listed["Later"].status == "scheduled"
    assert listed["Later"].publish_at == later
    assert (listed["Free taste"].status, listed["Free taste"].teaser) == ("published", True)


def _bad_audio(tmp_path: Path, mp3_file: Path, m4a_file: Path) -> dict[str, Path]:
    files = {
        "text.mp3": b"these are show notes, not audio\n" * 50,
        "empty.mp3": b"",
        "cut.mp3": mp3_file.read_bytes()[:700],
        "cut.m4a": m4a_file.read_bytes()[: m4a_file.stat().st_size // 2],
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    paths["raw.wav"] = make_wav(tmp_path / "raw.wav")
    return paths


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("text.mp3", "not an audio file"),
        ("empty.mp3", "is empty"),
        ("cut.mp3", "truncated"),
        ("cut.m4a", "truncated"),
        ("raw.wav", "WAV audio"),
        ("missing season", "season 'season-9' does not exist"),
        ("taken number", "already has episode 1"),
        ("late chapter", "past the end of the audio"),
        ("bad transcript", "neither SRT nor WebVTT"),
        ("small image", "between 1400x1400 and 3000x3000"),
    ],
)
def test_every_refusal_leaves_no_row_and_no_object(
    services: Services,
    season: str,
    mp3_file: Path,
    m4a_file: Path,
    tmp_path: Path,
    case: str,
    expected: str,
) -> None:
    publish_episode(services, EpisodeDraft(season, mp3_file, "Already there", number=1))
    before = services.storage.keys()
    draft = _refused_draft(case, season, mp3_file, m4a_file, tmp_path)
    with pytest.raises(UserError) as info:
        publish_episode(services, draft)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)
    assert services.storage.keys() == before
    with services.db.session() as session:
        assert session.scalar(select(func.count(Episode.id))) == 1


def _refused_draft(
    case: str, season: str, mp3_file: Path, m4a_file: Path, tmp_path: Path
) -> EpisodeDraft:
    bad = _bad_audio(tmp_path, mp3_file, m4a_file)
    if case in bad:
        return EpisodeDraft(season, bad[case], "Broken")
    if case == "missing season":
        return EpisodeDraft("season-9", mp3_file, "Lost")
    if case == "taken number":
        return EpisodeDraft(season, mp3_file, "Twice", number=1)
    if case == "late chapter":
        path = tmp_path / "late.txt"
        path.write_text("00:00:00 Start\n00:00:09 After the end\n")
        return EpisodeDraft(season, mp3_file, "Late", chapters=path)
    if case == "bad transcript":
        path = tmp_path / "words.txt"
        path.write_text("just words")
        return EpisodeDraft(season, mp3_file, "Words", transcript=path)
    return EpisodeDraft(season, mp3_file, "Tiny", image=make_png(tmp_path / "s.png", size=600))


def id3_duration(path: Path) -> float:
    from mutagen.mp3 import MP3

    return MP3(path).info.length


def _start(chap: id3.CHAP) -> int:
    return chap.start_time
