"""All or nothing: failures after the first upload leave no object, no upload and no row.

Each test breaks a real part (the S3 server's connection, the database's insert), checks
that nothing is left, then mends it and shows the same publish succeeding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ConnectionClosedError
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from support.publishing import make_long_mp3, set_up_season

from audio.storage import IMMUTABLE, MIN_PART_SIZE, StorageError
from publisher.catalog.publishing import EpisodeDraft, publish_episode
from publisher.db import DatabaseError
from publisher.errors import UserError
from publisher.models import Episode, Season
from publisher.services import Services

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


@pytest.fixture
def season(services: Services, tmp_path: Path) -> str:
    set_up_season(services, tmp_path)
    return "season-1"


def _episode_count(services: Services) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count(Episode.id)))


@pytest.mark.parametrize("store_kind", ["s3"])
def test_an_s3_failure_part_way_through_a_multipart_upload_leaves_nothing(
    services: Services, season: str, mp3_file: Path, tmp_path: Path
) -> None:
    storage = services.storage
    storage.multipart_threshold = storage.multipart_chunksize = MIN_PART_SIZE
    big = make_long_mp3(tmp_path / "long.mp3", mp3_file, size=3 * MIN_PART_SIZE)
    before = storage.keys()
    sent_parts: list[str] = []

    def drop_second_part(request, **_kwargs) -> None:  # type: ignore[no-untyped-def]
        sent_parts.append(request.url)
        if "partNumber=2" in request.url:
            raise ConnectionClosedError(endpoint_url=request.url)

    storage.client.meta.events.register("before-send.s3.UploadPart", drop_second_part)
    draft = EpisodeDraft(season, big, "Long one")
    with pytest.raises(StorageError) as info:
        publish_episode(services, draft)
    assert "upload failed, nothing was published" in str(info.value)
    assert "\n" not in str(info.value)
    assert any("partNumber=2" in url for url in sent_parts)  # it really was part way

    assert storage.keys() == before
    pending = storage.client.list_multipart_uploads(Bucket=storage.bucket)
    assert pending.get("Uploads", []) == []
    assert _episode_count(services) == 0

    storage.client.meta.events.unregister("before-send.s3.UploadPart", drop_second_part)
    published = publish_episode(services, draft)
    assert storage.size(published["audio_key"]) == published["size"] > 3 * MIN_PART_SIZE
    head = storage.client.head_object(
        Bucket=storage.bucket, Key=storage.prefix + published["audio_key"]
    )
    assert (head["ContentType"], head["CacheControl"]) == ("audio/mpeg", IMMUTABLE)
    assert head["ContentLength"] == published["size"]
    assert _episode_count(services) == 1


def test_a_database_failure_after_the_upload_removes_what_was_uploaded(
    services: Services, season: str, mp3_file: Path, tmp_path: Path
) -> None:
    transcript = tmp_path / "ep.srt"
    transcript.write_text("1\n00:00:00,000 --> 00:00:01,000\nHello.\n")
    before = services.storage.keys()
    uploaded_first: list[list[str]] = []

    def lose_the_database(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO EPISODES"):
            uploaded_first.append(services.storage.keys())
            raise OperationalError(statement, params, Exception("server closed the connection"))

    event.listen(services.db.engine, "before_cursor_execute", lose_the_database)
    draft = EpisodeDraft(season, mp3_file, "Unlucky", transcript=transcript)
    try:
        with pytest.raises(DatabaseError) as info:
            publish_episode(services, draft)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", lose_the_database)
    assert "could not record the episode (server closed the connection)" in str(info.value)
    assert "run the command again" in str(info.value)
    assert len(uploaded_first[0]) == len(before) + 2  # audio and transcript were stored...
    assert services.storage.keys() == before  # ...and removed again
    assert _episode_count(services) == 0

    publish_episode(services, draft)
    assert _episode_count(services) == 1
    assert len(services.storage.keys()) == len(before) + 2


def test_a_number_taken_during_the_upload_is_refused_and_cleaned_up(
    services: Services, season: str, mp3_file: Path
) -> None:
    before = services.storage.keys()

    class RivalPublishes:
        """Another producer records episode 5 while this upload runs."""

        def begin(self, total: int) -> None:
            with services.db.session() as session:
                season_id = session.scalar(select(Season.id).where(Season.slug == "season-1"))
                session.add(
                    Episode(
                        season_id=season_id,
                        number=5,
                        title="Rival",
                        audio_key="audio/x/rival.mp3",
                        size=1,
                        duration=1.0,
                        mime="audio/mpeg",
                    )
                )

        def advance(self, done: int) -> None:
            pass

    with pytest.raises(UserError, match="got an episode 5 while this one was uploading"):
        publish_episode(
            services, EpisodeDraft(season, mp3_file, "Mine", number=5), RivalPublishes()
        )
    assert services.storage.keys() == before
    assert _episode_count(services) == 1  # the rival's only
