"""A free episode's transcript reads as a page: each cue with its time, in order."""

from __future__ import annotations

import lxml.html
import pytest
from support.catalog_factory import Catalog

from audio.transcripts import Cue, transcript_cues
from publisher.models import Episode
from publisher.services import services_of

SRT = (
    b"1\r\n00:00:01,000 --> 00:00:04,000\r\nWelcome to <i>Love TV</i>.\r\n\r\n"
    b"2\r\n00:01:15,500 --> 00:01:18,000\r\nWhy closeness\r\ntakes practice.\r\n"
)
VTT = (
    b"WEBVTT\n\nNOTE a comment, no cue\n\n00:00.500 --> 00:02.000\n<v Ann>Hello\n\n"
    b"1:02:03.000 --> 1:02:05.000 align:start\nThe very end\n"
)


@pytest.fixture
def catalog(app, mp3_file) -> Catalog:  # type: ignore[no-untyped-def]
    return Catalog(services_of(app), mp3_file)


def with_transcript(catalog: Catalog, data: bytes, mime: str, episode_id: int) -> None:
    services = catalog.services
    key = f"transcripts/{episode_id}.{'vtt' if mime == 'text/vtt' else 'srt'}"
    services.storage.put_bytes(key, data, content_type=mime)
    with services.db.session() as session:
        episode = session.get(Episode, episode_id)
        episode.transcript_key, episode.transcript_mime = key, mime


@pytest.mark.parametrize(
    ("data", "mime", "expected"),
    [
        (
            SRT,
            "application/x-subrip",
            [("0:01", "Welcome to Love TV."), ("1:15", "Why closeness takes practice.")],
        ),
        (VTT, "text/vtt", [("0:00", "Hello"), ("1:02:03", "The very end")]),
    ],
)
def test_the_transcript_page_shows_each_cue_with_its_time(
    client, catalog, data, mime, expected
) -> None:  # type: ignore[no-untyped-def]
    with_transcript(catalog, data, mime, catalog.teaser.id)
    answer = client.get(f"/episodes/{catalog.teaser.guid}/transcript")
    assert answer.status_code == 200 and answer.content_type.startswith("text/html")
    doc = lxml.html.fromstring(answer.data)
    lines = [
        (li.xpath("a")[0].text_content(), li.xpath("span")[0].text_content())
        for li in doc.xpath("//ol[@class='cues']/li")
    ]
    assert lines == expected
    first = doc.xpath("//ol[@class='cues']/li/a")[0].get("href")
    assert first.startswith(f"/episodes/{catalog.teaser.guid}#t=")
    assert doc.xpath(f"//a[@href='/episodes/{catalog.teaser.guid}']")  # the way back
    assert b"<i>" not in answer.data.split(b"<ol")[1]  # cue markup is text, never HTML


def test_no_transcript_page_for_members_only_or_missing_transcripts(client, catalog) -> None:  # type: ignore[no-untyped-def]
    # "Opening up" is members-only and has a transcript: no page for it, as for the episode.
    assert client.get(f"/episodes/{catalog.first.guid}/transcript").status_code == 404
    assert client.get(f"/episodes/{catalog.teaser.guid}/transcript").status_code == 404  # none
    assert client.get("/episodes/no-such-guid/transcript").status_code == 404


def test_cues_come_in_order_whatever_the_file_says() -> None:
    shuffled = b"00:00:09,000 --> 00:00:10,000\nlater\n\n00:00:01,000 --> 00:00:02,000\nfirst\n"
    assert transcript_cues(shuffled) == [Cue(1.0, "first"), Cue(9.0, "later")]
    assert transcript_cues(b"WEBVTT\n\n") == []
