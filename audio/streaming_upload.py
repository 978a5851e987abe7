"""Store a stream of bytes under a key, hashing it on the way, all or nothing.

The publisher streams an episode (its new tag, then the upload's audio frames) straight
into the store instead of writing a tagged copy first. The key names the content's hash,
so the caller hashes the stream once before the upload and passes `expected_sha256`; the
upload hashes again as the bytes go by and refuses to finish when the two differ (the
source file changed in between), so a stored object always matches its key.

All or nothing on both backends:
- a folder: a temporary file beside the target, renamed into place only when complete;
- S3: one `PutObject` up to the multipart threshold, above it a multipart upload through
  boto3's low-level calls (`create_multipart_upload`, `upload_part`,
  `complete_multipart_upload`) with a few parts in flight; any failure, Ctrl-C or SIGTERM
  (the CLI turns it into `KeyboardInterrupt`) waits for the parts in flight and aborts the
  upload, so S3 keeps no parts to bill.

Memory stays flat: at most `max_concurrency + 1` parts are held at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from audio.storage import IMMUTABLE, LocalStorage, ProgressCallback, S3Storage, Storage
from audio.storage_errors import StorageError, s3_errors

LOCAL_BLOCK = 1024 * 1024


class ByteStream(Protocol):
    """A re-readable source of bytes (`audio.tagging.TaggedStream` is one)."""

    @property
    def size(self) -> int: ...

    def chunks(self, size: int = ...) -> Iterator[bytes]: ...


class ContentChanged(StorageError):
    """The bytes read for the upload are not the ones hashed for the key."""


def sha256_of(stream: ByteStream) -> str:
    """The stream's SHA-256, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    for block in stream.chunks(LOCAL_BLOCK):
        digest.update(block)
    return digest.hexdigest()


def put_stream(
    storage: Storage,
    key: str,
    stream: ByteStream,
    *,
    expected_sha256: str,
    content_type: str,
    cache_control: str = IMMUTABLE,
    progress: ProgressCallback | None = None,
) -> None:
    """Store `stream` under `key` only if its bytes hash to `expected_sha256`."""
    meta = {"ContentType": content_type, "CacheControl": cache_control}
    if isinstance(storage, S3Storage):
        if stream.size <= storage.multipart_threshold:
            _s3_single(storage, key, stream, expected_sha256, meta, progress)
        else:
            _s3_multipart(storage, key, stream, expected_sha256, meta, progress)
    elif isinstance(storage, LocalStorage) and type(storage).put_file is LocalStorage.put_file:
        _local(storage, key, stream, expected_sha256, progress)
    else:
        _through_a_file(storage, key, stream, expected_sha256, content_type, progress)


class _Hashing:
    """Hash blocks as they pass; `check` refuses a stream whose hash is not the expected."""

    def __init__(self, expected: str, key: str) -> None:
        self.digest = hashlib.sha256()
        self.expected = expected
        self.key = key

    def feed(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        for block in blocks:
            self.digest.update(block)
            yield block

    def check(self) -> None:
        if self.digest.hexdigest() != self.expected:
            raise ContentChanged(f"{self.key}: the audio file changed while it was being published")


def _local(
    storage: LocalStorage,
    key: str,
    stream: ByteStream,
    expected: str,
    progress: ProgressCallback | None,
) -> None:
    """A temporary file in the target's folder, renamed into place once its hash is right."""
    target = storage.local_path(key)
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    hashing = _Hashing(expected, key)
    try:
        with os.fdopen(fd, "wb") as out:
            for block in hashing.feed(stream.chunks(LOCAL_BLOCK)):
                out.write(block)
                if progress:
                    progress(len(block))
        hashing.check()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _through_a_file(
    storage: Storage,
    key: str,
    stream: ByteStream,
    expected: str,
    content_type: str,
    progress: ProgressCallback | None,
) -> None:
    """Any other store: write the stream to a temporary file and use its `put_file`."""
    with tempfile.TemporaryDirectory(prefix="lovetv-publish-") as folder:
        copy = Path(folder) / "upload"
        hashing = _Hashing(expected, key)
        with open(copy, "wb") as out:
            for block in hashing.feed(stream.chunks(LOCAL_BLOCK)):
                out.write(block)
        hashing.check()
        storage.put_file(key, copy, content_type=content_type, progress=progress)


def _s3_single(
    storage: S3Storage,
    key: str,
    stream: ByteStream,
    expected: str,
    meta: dict[str, str],
    progress: ProgressCallback | None,
) -> None:
    """A small object: read it whole (under the threshold) and send one PutObject."""
    hashing = _Hashing(expected, key)
    body = b"".join(hashing.feed(stream.chunks(LOCAL_BLOCK)))
    hashing.check()
    with s3_errors(storage.bucket, key):
        storage.client.put_object(
            Bucket=storage.bucket,
            Key=storage.prefix + key,
            Body=body,
            ContentLength=len(body),
            **meta,
        )
    if progress:
        progress(len(body))


def _s3_multipart(
    storage: S3Storage,
    key: str,
    stream: ByteStream,
    expected: str,
    meta: dict[str, str],
    progress: ProgressCallback | None,
) -> None:
    """Parts of `multipart_chunksize`, a few in flight, completed only when the hash holds."""
    client, bucket, full_key = storage.client, storage.bucket, storage.prefix + key
    upload_id: str | None = None
    try:
        with s3_errors(bucket, key):
            answer = client.create_multipart_upload(Bucket=bucket, Key=full_key, **meta)
            upload_id = answer["UploadId"]
            hashing = _Hashing(expected, key)
            blocks = hashing.feed(stream.chunks(storage.multipart_chunksize))
            send = _part_sender(client, bucket, full_key, upload_id, progress)
            parts = _send_parts(blocks, send, storage.max_concurrency)
            hashing.check()
            client.complete_multipart_upload(
                Bucket=bucket, Key=full_key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
    except BaseException:
        if upload_id is None:  # interrupted while S3 was creating it: find it by its key
            storage.abort_pending_uploads(key)
        else:
            _abort(client, bucket, full_key, upload_id)
        raise


def _part_sender(
    client: Any, bucket: str, key: str, upload_id: str, progress: ProgressCallback | None
) -> Callable[[int, bytes], dict[str, Any]]:
    def send(number: int, body: bytes) -> dict[str, Any]:
        answer = client.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        if progress:
            progress(len(body))
        return {"PartNumber": number, "ETag": answer["ETag"]}

    return send


def _send_parts(
    blocks: Iterable[bytes], send: Callable[[int, bytes], dict[str, Any]], concurrency: int
) -> list[dict[str, Any]]:
    """Send blocks as numbered parts from a small pool; stop at the first failure.

    A semaphore keeps at most `concurrency` parts in flight (plus the one being read), so
    memory does not grow with the file. On any error (or an interrupt) queued parts are
    cancelled and the ones in flight finish before the caller aborts the upload: parts
    that landed after an abort would be billed.
    """
    slots = threading.BoundedSemaphore(concurrency)
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="lovetv-part")
    futures: list[Future[dict[str, Any]]] = []
    try:
        for number, block in enumerate(blocks, start=1):
            while not slots.acquire(timeout=0.2):
                _raise_first_failure(futures)
            _raise_first_failure(futures)
            future = pool.submit(send, number, block)
            future.add_done_callback(lambda _done: slots.release())
            futures.append(future)
            del block  # the pool holds the only reference: freed when the part is sent
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _raise_first_failure(futures: list[Future[dict[str, Any]]]) -> None:
    for future in futures:
        if future.done() and not future.cancelled() and future.exception() is not None:
            future.result()


def _abort(client: Any, bucket: str, key: str, upload_id: str) -> None:
    """Abort the multipart upload; best effort, the original failure is what matters."""
    with contextlib.suppress(Exception):
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)


def start_storage(storage: Storage) -> None:
    """Create the store's client now (boto3 takes a moment to import), e.g. while hashing."""
    if isinstance(storage, S3Storage):
        storage.client  # noqa: B018 - created on first use
