"""A row whose stored file is gone (deleted by hand, a lost disk, a bucket cleaned up) is a
404 to the podcast app, never a 500, on both stores; the routes still check access first.
"""

from __future__ import annotations

import pytest
import requests
from support.catalog_factory import Catalog, make_member
from support.service_env import TEST_SECRET

from publisher.models import Member, Show

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


def remove_stored(catalog: Catalog, key: str) -> None:
    storage = catalog.services.storage
    assert storage.size(key) > 0
    storage.delete(key)
    with pytest.raises(FileNotFoundError):
        storage.size(key)


def answer_for_missing(client, path: str, local: bool) -> int:  # type: ignore[no-untyped-def]
    """What an app finally gets for `path`: the route's own answer, or the bucket's."""
    answer = client.get(path)
    if local:
        assert client.head(path).status_code == answer.status_code
        return answer.status_code
    assert answer.status_code == 302
    return requests.get(answer.headers["Location"], timeout=30).status_code


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_missing_member_audio_is_404_for_get_and_head(client, catalog) -> None:
    audio = f"/media/{catalog.token}/{catalog.first.guid}.mp3"
    assert client.get(audio).status_code in (200, 302)
    remove_stored(catalog, catalog.first.audio_key)
    local = catalog.services.storage.local_path(catalog.first.audio_key) is not None
    assert answer_for_missing(client, audio, local) == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_missing_transcript_is_404(client, catalog) -> None:
    transcript = f"/media/{catalog.token}/{catalog.first.guid}.transcript.vtt"
    assert client.get(transcript).status_code in (200, 302)
    remove_stored(catalog, catalog.first.transcript_key)
    # Transcripts are read from the store by the route itself on either backend (captions
    # on a page must come from the page's origin), so the route answers 404 itself.
    assert answer_for_missing(client, transcript, local=True) == 404
    assert client.head(transcript).status_code == 404  # no stored length: the store is asked


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_missing_teaser_audio_and_artwork_are_404(client, catalog) -> None:
    storage = catalog.services.storage
    storage.put_bytes("art/gone.png", b"\x89PNG", content_type="image/png")
    with catalog.services.db.session() as session:
        session.get(Show, 1).image_key = "art/gone.png"
    assert client.head("/artwork/art/gone.png").status_code == 200
    remove_stored(catalog, "art/gone.png")
    remove_stored(catalog, catalog.teaser.audio_key)
    local = storage.local_path("art/gone.png") is not None
    for path in ("/artwork/art/gone.png", f"/media/teaser/{catalog.teaser.guid}.mp3"):
        assert answer_for_missing(client, path, local) == 404
    assert client.head("/artwork/art/gone.png").status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_member_without_access_learns_nothing_about_missing_files(client, catalog) -> None:
    with catalog.services.db.session() as session:
        make_member(session, TEST_SECRET, "gone@lovetv.test")
        session.get(Member, catalog.member.id).status = "revoked"
    remove_stored(catalog, catalog.first.audio_key)
    assert client.get(f"/media/{catalog.token}/{catalog.first.guid}.mp3").status_code == 403
