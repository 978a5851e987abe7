"""Both storage backends behave the same; S3 is reached over real HTTP."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
import requests

from audio.storage import IMMUTABLE, StorageError, open_storage

pytestmark = pytest.mark.every_store  # storage is the subject: a folder and S3


@pytest.fixture
def store(storage_url: str):  # type: ignore[no-untyped-def]
    return open_storage(storage_url)


def test_put_file_then_read_back(store, tmp_path: Path) -> None:
    source = tmp_path / "a.bin"
    source.write_bytes(b"\x00\x01" * 5000)
    seen: list[int] = []
    store.put_file("audio/a.bin", source, content_type="audio/mpeg", progress=seen.append)
    assert store.get_bytes("audio/a.bin") == source.read_bytes()
    assert store.size("audio/a.bin") == 10000
    assert sum(seen) == 10000
    assert store.keys("audio/") == ["audio/a.bin"]


def test_missing_objects_raise_file_not_found(store) -> None:
    with pytest.raises(FileNotFoundError):
        store.size("nope.mp3")
    with pytest.raises(FileNotFoundError):
        store.get_bytes("nope.mp3")
    store.delete("nope.mp3")  # deleting what is not there is fine


def test_delete_removes_the_object(store) -> None:
    store.put_bytes("x/y.txt", b"hello", content_type="text/plain")
    store.delete("x/y.txt")
    assert store.keys() == []


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b"])
def test_keys_cannot_escape_the_store(store, key: str) -> None:
    with pytest.raises(ValueError):
        store.put_bytes(key, b"x", content_type="text/plain")


def test_s3_objects_carry_type_length_and_long_cache(s3_bucket: str, tmp_path: Path) -> None:
    store = open_storage(f"s3://{s3_bucket}/pre")
    source = tmp_path / "ep.mp3"
    source.write_bytes(b"ID3" + b"\x00" * 2000)
    store.put_file("ep.mp3", source, content_type="audio/mpeg")
    head = boto3.client("s3").head_object(Bucket=s3_bucket, Key="pre/ep.mp3")
    assert head["ContentType"] == "audio/mpeg"
    assert head["ContentLength"] == 2003
    assert head["CacheControl"] == IMMUTABLE


def test_s3_presigned_url_is_fetched_over_http(s3_bucket: str) -> None:
    store = open_storage(f"s3://{s3_bucket}")
    store.put_bytes("clip.mp3", b"0123456789", content_type="audio/mpeg")
    url = store.presigned_url("clip.mp3", expires_in=60)
    assert url and "X-Amz-Signature" in url and "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url
    response = requests.get(url, headers={"Range": "bytes=2-4"}, timeout=10)
    assert response.status_code == 206
    assert response.content == b"234"


def test_s3_missing_bucket_is_a_one_line_error(s3_endpoint: str) -> None:
    store = open_storage("s3://no-such-bucket-here")
    with pytest.raises(StorageError) as info:
        store.check()
    assert "\n" not in str(info.value)


def test_local_storage_serves_from_its_folder(tmp_path: Path) -> None:
    store = open_storage(f"file://{tmp_path}")
    store.put_bytes("a/b.mp3", b"abc", content_type="audio/mpeg")
    assert store.local_path("a/b.mp3") == tmp_path / "a" / "b.mp3"
    assert store.presigned_url("a/b.mp3") is None
