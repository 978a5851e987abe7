"""Store a stream of bytes under a key, all or nothing, without a copy and in flat memory.

The publisher streams an episode (its new tag, then the upload's audio frames) straight
into the store instead of writing a tagged copy first, in one pass over the source (each S3
part is read for its CRC32 just before it is sent). The upload refuses to finish when the
source changed while it was read (`check_unchanged`: size, modification time, inode), so a
stored object is never a mix of two versions of a file.

All or nothing on both backends:
- a folder: a temporary file beside the target, renamed into place only when complete;
- S3: one `PutObject` up to the multipart threshold, above it a multipart upload through
  boto3's low-level calls (`create_multipart_upload`, `upload_part`,
  `complete_multipart_upload`) with `PART_CONCURRENCY` parts in flight, each with its
  CRC32; any failure, Ctrl-C or SIGTERM (the CLI turns it into `KeyboardInterrupt`) cancels
  the queued parts, lets the ones in flight finish and aborts the upload, so S3 keeps no
  parts to bill.

Each part is a file object over its slice of the source (`TaggedStream.open_part`), as
boto3's `upload_file` does, so memory does not grow with the part size or concurrency.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import tempfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

from audio.storage import IMMUTABLE, LocalStorage, ProgressCallback, S3Storage, Storage
from audio.storage_errors import StorageError, s3_errors
from audio.tagged_stream import SourceChanged

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef  # boto3-stubs[s3]: development only

LOCAL_BLOCK = 1024 * 1024
# Parts in flight at once. Parts are read from the file on demand, so this costs threads
# and sockets, not memory; boto3's upload_file uses 10.
PART_CONCURRENCY = 8
# Each part carries its CRC32 and the completion lists them, as boto3's `upload_file` does:
# the store checks every part on arrival and assembles the object without hashing it all
# again (moto's completion took three times as long for an upload without checksums).
CHECKSUM: Final = "CRC32"


class ByteStream(Protocol):
    """A re-readable source of bytes (`audio.tagged_stream.TaggedStream` is one)."""

    @property
    def size(self) -> int: ...

    def chunks(self, size: int = ...) -> Iterator[bytes]: ...

    def open_part(self, offset: int, length: int) -> io.RawIOBase: ...

    def check_unchanged(self) -> None: ...


class ContentChanged(StorageError):
    """The source changed while it was being stored: the upload was not completed."""


def put_stream(
    storage: Storage,
    key: str,
    stream: ByteStream,
    *,
    content_type: str,
    cache_control: str = IMMUTABLE,
    progress: ProgressCallback | None = None,
) -> None:
    """Store `stream` under `key`, unless its source changes before the store has it all."""
    meta = {"ContentType": content_type, "CacheControl": cache_control}
    try:
        if isinstance(storage, S3Storage):
            if stream.size <= storage.multipart_threshold:
                _s3_single(storage, key, stream, meta, progress)
            else:
                _s3_multipart(storage, key, stream, meta, progress)
        elif isinstance(storage, LocalStorage) and type(storage).put_file is LocalStorage.put_file:
            _local(storage, key, stream, progress)
        else:
            _through_a_file(storage, key, stream, content_type, progress)
    except SourceChanged as exc:
        raise ContentChanged(f"{key}: {exc}") from exc


def _local(
    storage: LocalStorage, key: str, stream: ByteStream, progress: ProgressCallback | None
) -> None:
    """A temporary file in the target's folder, renamed into place once complete."""
    target = storage.local_path(key)
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for block in stream.chunks(LOCAL_BLOCK):
                out.write(block)
                if progress:
                    progress(len(block))
        stream.check_unchanged()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _through_a_file(
    storage: Storage,
    key: str,
    stream: ByteStream,
    content_type: str,
    progress: ProgressCallback | None,
) -> None:
    """Any other store: write the stream to a temporary file and use its `put_file`."""
    with tempfile.TemporaryDirectory(prefix="lovetv-publish-") as folder:
        copy = Path(folder) / "upload"
        with open(copy, "wb") as out:
            for block in stream.chunks(LOCAL_BLOCK):
                out.write(block)
        stream.check_unchanged()
        storage.put_file(key, copy, content_type=content_type, progress=progress)


def _s3_single(
    storage: S3Storage,
    key: str,
    stream: ByteStream,
    meta: dict[str, Any],  # PutObject's arguments
    progress: ProgressCallback | None,
) -> None:
    """A small object (under the multipart threshold): read whole, sent in one PutObject."""
    body = b"".join(stream.chunks(LOCAL_BLOCK))
    stream.check_unchanged()
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
    meta: dict[str, Any],  # PutObject's arguments
    progress: ProgressCallback | None,
) -> None:
    """Parts of `multipart_chunksize`, completed only if the source did not change."""
    client, bucket, full_key = storage.client, storage.bucket, storage.prefix + key
    upload_id: str | None = None
    try:
        with s3_errors(bucket, key):
            answer = client.create_multipart_upload(
                Bucket=bucket, Key=full_key, ChecksumAlgorithm=CHECKSUM, **meta
            )
            upload_id = answer["UploadId"]
            send = _part_sender(client, bucket, full_key, upload_id, stream, progress)
            step = storage.multipart_chunksize
            slices = [
                (offset, min(step, stream.size - offset)) for offset in range(0, stream.size, step)
            ]
            parts = _send_parts(slices, send)
            stream.check_unchanged()
            client.complete_multipart_upload(
                Bucket=bucket,
                Key=full_key,
                UploadId=upload_id,
                MultipartUpload={"Parts": cast("list[CompletedPartTypeDef]", parts)},
            )
    except BaseException:
        if upload_id is None:  # interrupted while S3 was creating it: find it by its key
            storage.abort_pending_uploads(key)
        else:
            _abort(client, bucket, full_key, upload_id)
        raise


Sender = Callable[[int, int, int], dict[str, Any]]


def _part_sender(
    client: Any,
    bucket: str,
    key: str,
    upload_id: str,
    stream: ByteStream,
    progress: ProgressCallback | None,
) -> Sender:
    def send(number: int, offset: int, length: int) -> dict[str, Any]:
        checksum = _crc32_of(stream, offset, length)
        with stream.open_part(offset, length) as body:
            answer = client.upload_part(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=body,
                ContentLength=length,
                ChecksumAlgorithm=CHECKSUM,
                ChecksumCRC32=checksum,
            )
        if progress:
            progress(length)
        part = {"PartNumber": number, "ETag": answer["ETag"]}
        if f"Checksum{CHECKSUM}" in answer:  # S3-compatible stores may not echo it
            part[f"Checksum{CHECKSUM}"] = answer[f"Checksum{CHECKSUM}"]
        return part

    return send


def _crc32_of(stream: ByteStream, offset: int, length: int) -> str:
    """A part's CRC32 as S3 wants it (base64 of 4 big-endian bytes), read before sending.

    Given the value, botocore sends the part as a plain body with the checksum in a header;
    left to itself it wraps a file body in `aws-chunked` encoding with a trailing checksum,
    which the S3 test server took a third longer to take in. A part that changes between
    this read and the send fails S3's check (BadDigest), so the upload is aborted.
    """
    crc = 0
    with stream.open_part(offset, length) as part:
        while block := part.read(LOCAL_BLOCK):
            crc = zlib.crc32(block, crc)
    return base64.b64encode(crc.to_bytes(4, "big")).decode()


def _send_parts(slices: list[tuple[int, int]], send: Sender) -> list[dict[str, Any]]:
    """Send every slice as a numbered part from a pool; stop at the first failure.

    On any error (or an interrupt) queued parts are cancelled and the ones in flight finish
    before the caller aborts the upload: a part landing after the abort would be billed.
    The wait is in short steps so that a signal is handled at once.
    """
    pool = ThreadPoolExecutor(max_workers=PART_CONCURRENCY, thread_name_prefix="lovetv-part")
    try:
        futures: list[Future[dict[str, Any]]] = [
            pool.submit(send, number, offset, length)
            for number, (offset, length) in enumerate(slices, start=1)
        ]
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # raises the first failure
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _abort(client: Any, bucket: str, key: str, upload_id: str) -> None:
    """Abort the multipart upload; best effort, the original failure is what matters."""
    with contextlib.suppress(Exception):
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)


def start_storage(storage: Storage) -> None:
    """Create the store's client now (boto3 takes a moment to import), e.g. while probing."""
    if isinstance(storage, S3Storage):
        storage.client  # noqa: B018 - created on first use
