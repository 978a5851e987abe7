"""A failing command takes back exactly what it stored: never less (no orphans), never more
(the show's shared artwork stays).

Through the publish pipeline on both stores and databases, and through `Uploads` with stores
that really fail: one that loses the answer after writing the object, one that keeps a short
copy, one whose deletes fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ConnectionClosedError
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from support.media import make_png
from support.publishing import set_up_season

from audio.storage import LocalStorage, Storage, StorageError, open_storage
from audio.tagged_stream import TaggedStream, file_fingerprint
from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.catalog.uploads import Uploads, artwork_key
from publisher.db import DatabaseError
from publisher.models import Show
from publisher.services import Services

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


class Boom(Exception):
    """The failure a test injects after its uploads."""


def stored(storage: Storage) -> dict[str, bytes]:
    """Every object in the store and its bytes."""
    names = storage.keys()
    return {name: storage.get_bytes(name) for name in names}


def show_image_key(services: Services) -> str:
    with services.db.session() as session:
        key = session.scalar(select(Show.image_key))
    assert key is not None
    return key


def publish_losing_the_database(services: Services, draft: EpisodeDraft) -> None:
    """Publish `draft` while the episode's INSERT fails, as when the server goes away."""

    def lose(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO EPISODES"):
            raise OperationalError(statement, params, Exception("server closed the connection"))

    event.listen(services.db.engine, "before_cursor_execute", lose)
    try:
        with pytest.raises(DatabaseError):
            publish_episode(services, draft)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", lose)


def test_a_failing_publish_never_deletes_the_shows_artwork(
    services: Services, mp3_file: Path, tmp_path: Path
) -> None:
    set_up_season(services, tmp_path)
    art = show_image_key(services)
    before = stored(services.storage)
    # The episode uses the very image the show already has (same bytes, same key).
    draft = EpisodeDraft("season-1", mp3_file, "Unlucky", image=tmp_path / "show.png")
    publish_losing_the_database(services, draft)
    assert stored(services.storage) == before
    assert art in before
    publish_episode(services, draft)  # and it works once the database is back
    assert services.storage.get_bytes(art) == before[art]


def test_a_failing_publish_removes_the_new_artwork_it_stored(
    services: Services, mp3_file: Path, tmp_path: Path
) -> None:
    set_up_season(services, tmp_path)
    before = services.storage.keys()
    new_art = make_png(tmp_path / "episode.png", size=1400, color=(10, 200, 30))
    draft = EpisodeDraft("season-1", mp3_file, "Unlucky", image=new_art)
    publish_losing_the_database(services, draft)
    assert services.storage.keys() == before
    assert artwork_key(new_art.read_bytes(), "png") not in before


# --- `Uploads` against stores that fail in the ways real ones do --------------------------


class AnswerLostAfterWrite(LocalStorage):
    """A folder whose upload call fails after the object is fully in place."""

    def put_file(self, key: str, path: Path, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        super().put_file(key, path, **kwargs)
        raise StorageError(f"{key}: connection reset while reading the answer")


class ShortCopies(LocalStorage):
    """A folder that silently keeps only half of each uploaded file."""

    def put_file(self, key: str, path: Path, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        data = path.read_bytes()
        self.put_bytes(key, data[: len(data) // 2], content_type="application/octet-stream")


class DeletesFailOnce(LocalStorage):
    """A folder whose first delete fails (a flaky network share)."""

    failed = False

    def delete(self, key: str) -> None:
        if not self.failed:
            self.failed = True
            raise OSError(f"{key}: input/output error")
        super().delete(key)


@pytest.fixture
def s3_storage(s3_bucket: str) -> Storage:
    return open_storage(f"s3://{s3_bucket}/media")


def lose_put_object_answers(storage: Storage) -> None:
    """The S3 server stores each PutObject, then the connection drops before its answer."""

    def drop(http_response, parsed, model, **_kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionClosedError(endpoint_url="the S3 endpoint")

    storage.client.meta.events.register("after-call.s3.PutObject", drop)  # type: ignore[attr-defined]


def test_an_upload_that_fails_after_writing_leaves_no_orphan_on_a_folder(
    tmp_path: Path, mp3_file: Path
) -> None:
    storage = AnswerLostAfterWrite(tmp_path / "media")
    with pytest.raises(StorageError), Uploads(storage) as uploads:
        uploads.put_file("audio/ab/ep.mp3", mp3_file, "audio/mpeg")
    assert storage.keys() == []


def test_an_upload_that_fails_after_writing_leaves_no_orphan_on_s3(
    s3_storage: Storage, mp3_file: Path
) -> None:
    seen: list[list[str]] = []
    lose_put_object_answers(s3_storage)
    with pytest.raises(StorageError), Uploads(s3_storage) as uploads:
        try:
            uploads.put_file("audio/ab/ep.mp3", mp3_file, "audio/mpeg")
        finally:
            seen.append(s3_storage.keys())
    assert seen == [["audio/ab/ep.mp3"]]  # the object really was written...
    assert s3_storage.keys() == []  # ...and taken back


def test_a_short_copy_is_refused_and_removed(tmp_path: Path, mp3_file: Path) -> None:
    storage = ShortCopies(tmp_path / "media")
    size = mp3_file.stat().st_size
    with pytest.raises(StorageError) as info, Uploads(storage) as uploads:
        uploads.put_file("audio/ab/ep.mp3", mp3_file, "audio/mpeg")
    assert str(info.value) == f"audio/ab/ep.mp3: the store holds {size // 2} bytes, expected {size}"
    assert storage.keys() == []


def test_a_short_streamed_object_is_refused_and_removed(tmp_path: Path, mp3_file: Path) -> None:
    storage = ShortCopies(tmp_path / "media")
    size = mp3_file.stat().st_size
    stream = TaggedStream(b"", mp3_file, 0, size, file_fingerprint(mp3_file))
    with pytest.raises(StorageError) as info, Uploads(storage) as uploads:
        uploads.put_stream("audio/ab/ep.mp3", stream, "audio/mpeg")
    assert str(info.value) == f"audio/ab/ep.mp3: the store holds {size // 2} bytes, expected {size}"
    assert storage.keys() == []


def test_everything_stored_is_removed_even_when_one_delete_fails(tmp_path: Path) -> None:
    storage = DeletesFailOnce(tmp_path / "media")
    with pytest.raises(Boom), Uploads(storage) as uploads:
        for name in ("a", "b", "c"):
            uploads.put_bytes(f"transcripts/{name}.vtt", b"WEBVTT\n", "text/vtt")
        raise Boom
    assert storage.failed and storage.keys() == ["transcripts/c.vtt"]  # deleted first, failed
    assert uploads.created == []


class StoreDeletesFailOnce(DeletesFailOnce):
    """A store whose first delete fails as the store reports it (an S3 outage, say)."""

    def delete(self, key: str) -> None:
        try:
            super().delete(key)
        except OSError as exc:
            raise StorageError(str(exc)) from exc


def test_a_delete_the_store_refuses_does_not_stop_the_others(tmp_path: Path) -> None:
    storage = StoreDeletesFailOnce(tmp_path / "media")
    with pytest.raises(Boom), Uploads(storage) as uploads:
        for name in ("a", "b"):
            uploads.put_bytes(f"transcripts/{name}.vtt", b"WEBVTT\n", "text/vtt")
        raise Boom
    assert storage.failed and storage.keys() == ["transcripts/b.vtt"]


def test_uploads_report_their_progress_in_bytes(tmp_path: Path, mp3_file: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    size = mp3_file.stat().st_size
    sent: list[int] = []
    with Uploads(storage) as uploads:
        uploads.put_file("audio/ab/copy.mp3", mp3_file, "audio/mpeg", sent.append)
        assert sum(sent) == size
        sent.clear()
        stream = TaggedStream(b"ID3", mp3_file, 0, size, file_fingerprint(mp3_file))
        uploads.put_stream("audio/cd/stream.mp3", stream, "audio/mpeg", sent.append)
        assert sum(sent) == size + 3


def test_shared_artwork_already_stored_is_kept_and_new_shared_artwork_is_not(
    tmp_path: Path,
) -> None:
    storage = LocalStorage(tmp_path / "media")
    old, new = b"\x89PNG old artwork", b"\x89PNG new artwork"
    old_key, new_key = artwork_key(old, "png"), artwork_key(new, "png")
    with Uploads(storage) as earlier:
        assert earlier.put_shared(old_key, old, "image/png") == old_key
    with pytest.raises(Boom), Uploads(storage) as uploads:
        assert uploads.put_shared(old_key, old, "image/png") == old_key
        assert uploads.put_shared(new_key, new, "image/png") == new_key
        assert storage.keys() == sorted([old_key, new_key])
        raise Boom
    assert storage.keys() == [old_key] and storage.get_bytes(old_key) == old


def test_a_damaged_shared_object_is_written_again(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    data = b"\x89PNG artwork"
    key = artwork_key(data, "png")
    storage.put_bytes(key, data[:3], content_type="image/png")  # a crash left a partial copy
    with Uploads(storage) as uploads:
        uploads.put_shared(key, data, "image/png")
    assert storage.get_bytes(key) == data


def test_a_command_that_succeeds_keeps_everything(tmp_path: Path, mp3_file: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    with Uploads(storage) as uploads:
        assert uploads.put_file("audio/ab/ep.mp3", mp3_file, "audio/mpeg") == "audio/ab/ep.mp3"
        assert uploads.put_bytes("transcripts/ep.vtt", b"WEBVTT\n", "text/vtt") == (
            "transcripts/ep.vtt"
        )
    assert storage.keys() == ["audio/ab/ep.mp3", "transcripts/ep.vtt"]
    assert storage.get_bytes("audio/ab/ep.mp3") == mp3_file.read_bytes()


def test_artwork_keys_name_the_content() -> None:
    import hashlib

    data = b"some image bytes"
    assert artwork_key(data, "jpg") == f"art/{hashlib.sha256(data).hexdigest()}.jpg"
