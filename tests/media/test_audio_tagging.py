"""Tags podcast apps show, written by mutagen into a copy; the upload's own tags are gone."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mutagen import id3
from mutagen.apev2 import APEv2
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from support.media import make_png
from support.publishing import make_opus

from audio.artwork import read_artwork
from audio.chapters import Chapter
from audio.probe import probe_audio
from audio.tagging import EpisodeTags, mpeg_frames_range, write_tagged_copy

RELEASED = datetime(2025, 2, 14, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def tags(tmp_path_factory: pytest.TempPathFactory) -> EpisodeTags:
    art = read_artwork(make_png(tmp_path_factory.mktemp("art") / "cover.png", size=1400))
    return EpisodeTags(
        title="The Push and Pull",
        artist="Dr. Ann Example",
        album="Love TV - Season 1: Closer",
        released=RELEASED,
        track=4,
        description="Why closeness can feel like a tug of war.",
        cover=art,
        chapters=(Chapter(0.0, "Don't build a case"), Chapter(1.25, "Look at ourselves")),
    )


@pytest.fixture
def tagged_upload(mp3_file: Path, tmp_path: Path) -> Path:
    """An MP3 as producers' editors leave it: ID3v2.3 in front, APEv2 and ID3v1 behind."""
    path = tmp_path / "upload.mp3"
    shutil.copyfile(mp3_file, path)
    old = id3.ID3()
    old.add(id3.TIT2(encoding=3, text="Old title"))
    old.add(id3.TXXX(encoding=3, desc="encoder-junk", text="x" * 5000))
    old.save(path, v2_version=3, v1=id3.ID3v1SaveOptions.CREATE)
    ape = APEv2()
    ape["Title"] = "Old APE title"
    ape.save(path)
    id3.ID3(path).save(v1=id3.ID3v1SaveOptions.CREATE)  # ID3v1 stays last, after APEv2
    return path


def test_mp3_gets_one_id3v24_tag_with_everything_apps_show(
    mp3_file: Path, tags: EpisodeTags, tmp_path: Path
) -> None:
    out = tmp_path / "out.mp3"
    write_tagged_copy(mp3_file, out, probe_audio(mp3_file), tags)
    tag = id3.ID3(out)
    assert tag.version == (2, 4, 0)
    assert str(tag["TIT2"]) == "The Push and Pull"
    assert str(tag["TPE1"]) == "Dr. Ann Example"
    assert str(tag["TALB"]) == "Love TV - Season 1: Closer"
    assert str(tag["TRCK"]) == "4"
    assert str(tag["TCON"]) == "Podcast"
    assert tag.getall("COMM")[0].text == ["Why closeness can feel like a tug of war."]
    assert str(tag["TDRL"]) == "2025-02-14 09:30:00"  # mutagen shows it with a space...
    assert b"TDRL" in out.read_bytes() and b"2025-02-14T09:30:00" in out.read_bytes()  # ID3's T
    apic = tag.getall("APIC")[0]
    assert (apic.mime, apic.type, apic.data) == ("image/png", 3, tags.cover.data)


def test_mp3_chapters_are_chap_frames_under_an_ordered_top_level_toc(
    mp3_file: Path, tags: EpisodeTags, tmp_path: Path
) -> None:
    out = tmp_path / "out.mp3"
    info = probe_audio(mp3_file)
    write_tagged_copy(mp3_file, out, info, tags)
    tag = id3.ID3(out)
    toc = tag.getall("CTOC")[0]
    assert toc.flags & id3.CTOCFlags.TOP_LEVEL and toc.flags & id3.CTOCFlags.ORDERED
    chapters = {c.element_id: c for c in tag.getall("CHAP")}
    assert list(toc.child_element_ids) == ["chp0", "chp1"]
    first, second = (chapters[i] for i in toc.child_element_ids)
    assert (first.start_time, first.end_time) == (0, 1250)
    assert (second.start_time, second.end_time) == (1250, round(info.duration * 1000))
    assert str(first.sub_frames["TIT2"]) == "Don't build a case"
    assert str(second.sub_frames["TIT2"]) == "Look at ourselves"


def test_mp3_tags_replace_the_uploads_and_leave_the_frames_untouched(
    tagged_upload: Path, mp3_file: Path, tags: EpisodeTags, tmp_path: Path
) -> None:
    out = tmp_path / "out.mp3"
    before = tagged_upload.read_bytes()
    write_tagged_copy(tagged_upload, out, probe_audio(tagged_upload), tags)
    assert tagged_upload.read_bytes() == before  # the upload itself is never edited
    data = out.read_bytes()
    start, end = mpeg_frames_range(out)
    assert data[start:end] == mp3_file.read_bytes()  # exactly the encoder's frames
    assert end == len(data)  # no ID3v1 or APEv2 left behind
    tag = id3.ID3(out)
    assert str(tag["TIT2"]) == "The Push and Pull"
    assert not tag.getall("TXXX")
    assert b"Old title" not in data and b"APETAGEX" not in data


def test_m4a_gets_the_itunes_atoms(m4a_file: Path, tags: EpisodeTags, tmp_path: Path) -> None:
    upload = tmp_path / "upload.m4a"
    shutil.copyfile(m4a_file, upload)
    old = MP4(upload)
    old["\xa9nam"] = ["Old title"]
    old["\xa9too"] = ["Some encoder"]
    old.save()
    out = tmp_path / "out.m4a"
    write_tagged_copy(upload, out, probe_audio(upload), tags)
    tagged = MP4(out)
    assert tagged["\xa9nam"] == ["The Push and Pull"]
    assert tagged["\xa9ART"] == ["Dr. Ann Example"]
    assert tagged["\xa9alb"] == ["Love TV - Season 1: Closer"]
    assert tagged["trkn"] == [(4, 0)]
    assert tagged["\xa9gen"] == ["Podcast"]
    assert tagged["\xa9cmt"] == ["Why closeness can feel like a tug of war."]
    assert tagged["\xa9day"] == ["2025-02-14T09:30:00Z"]
    assert tagged["pcst"] is True
    cover = tagged["covr"][0]
    assert cover.imageformat == MP4Cover.FORMAT_PNG and bytes(cover) == tags.cover.data
    assert "\xa9too" not in tagged
    assert tagged.info.length == pytest.approx(MP4(m4a_file).info.length)


def test_opus_gets_vorbis_comments_with_chapters(tags: EpisodeTags, tmp_path: Path) -> None:
    upload = make_opus(tmp_path / "upload.opus", seconds=2.0)
    out = tmp_path / "out.opus"
    write_tagged_copy(upload, out, probe_audio(upload), tags)
    comments = OggOpus(out).tags
    assert comments["TITLE"] == ["The Push and Pull"]
    assert comments["ALBUM"] == ["Love TV - Season 1: Closer"]
    assert comments["TRACKNUMBER"] == ["4"]
    assert comments["CHAPTER002"] == ["00:00:01.250"]
    assert comments["CHAPTER002NAME"] == ["Look at ourselves"]
    assert "METADATA_BLOCK_PICTURE" in comments


def test_tags_without_optional_parts_are_still_complete(mp3_file: Path, tmp_path: Path) -> None:
    bare = EpisodeTags(title="Bonus", artist="Love TV", album="Love TV - S1", released=RELEASED)
    out = tmp_path / "bare.mp3"
    write_tagged_copy(mp3_file, out, probe_audio(mp3_file), bare)
    tag = id3.ID3(out)
    assert str(tag["TIT2"]) == "Bonus"
    assert not tag.getall("APIC") and not tag.getall("CHAP") and not tag.getall("TRCK")


def test_chapters_are_written_in_time_order_for_players_that_ignore_the_toc(
    mp3_file: Path, tags: EpisodeTags, tmp_path: Path
) -> None:
    """mutagen's own save sorts frames by size; players reading CHAP frames in file order
    (ffprobe among them) would list the chapters scrambled."""
    titles = ["Hello", "A much longer chapter title than the others", "Why", "So", "Then", "End"]
    chapters = tuple(Chapter(n * 0.2, title) for n, title in enumerate(titles))
    out = tmp_path / "out.mp3"
    write_tagged_copy(mp3_file, out, probe_audio(mp3_file), replace(tags, chapters=chapters))
    tag = id3.ID3(out)
    in_file = [c.element_id for c in tag.getall("CHAP")]
    assert in_file == [f"chp{n}" for n in range(6)]
    assert [str(c.sub_frames["TIT2"]) for c in tag.getall("CHAP")] == titles
    raw = out.read_bytes()
    assert raw.index(b"CTOC") < raw.index(b"CHAP") < raw.index(b"APIC")
    assert str(tag["TIT2"]) == "The Push and Pull" and tag.getall("APIC")[0].data == tags.cover.data
