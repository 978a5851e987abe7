"""`S3Storage`: a bucket (and optional key prefix) on S3 or any S3-compatible store.

Configured by boto3's own variables (`AWS_ENDPOINT_URL_S3`, credentials, region); boto3 is
imported only when a first call needs a client. S3's errors are mapped by
`audio.storage_errors`: a missing object is `FileNotFoundError`, an unreachable store
`StorageUnavailable`.

Every S3 call is bounded (`S3_TIMEOUTS`): requests a listener waits on fail within a few
seconds, uploads get longer reads, the readiness probe one short try.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from audio.storage_errors import StorageError, s3_errors
from audio.storage_protocol import IMMUTABLE, ProgressCallback, check_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client  # boto3-stubs[s3], a development tool only

# S3's smallest allowed part (all but the last): 5 MiB.
MIN_PART_SIZE = 5 * 1024 * 1024
MULTIPART_THRESHOLD = 16 * 1024 * 1024
MULTIPART_CHUNKSIZE = 16 * 1024 * 1024
MAX_CONCURRENCY = 4


# (connect seconds, read seconds, total attempts) per kind of call. What a listener's request
# waits on (HEAD of media or artwork) gives up within about 2 x 2 s plus one backoff (under
# 5 s); writes (the CLI's uploads, deletes, listings) may wait longer for S3 to answer; the
# readiness probe tries once.
S3_TIMEOUTS = {"request": (2, 2, 2), "write": (3, 30, 3), "probe": (1, 1, 1)}


class S3Storage:
    """A bucket (and optional key prefix) on S3 or any S3-compatible store."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        client: S3Client | None = None,
        *,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        multipart_chunksize: int = MULTIPART_CHUNKSIZE,
        max_concurrency: int = MAX_CONCURRENCY,
    ) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self._clients: dict[str, S3Client] = {}
        if client is not None:
            self._clients = dict.fromkeys(S3_TIMEOUTS, client)
        # S3 refuses parts under 5 MiB (except the last), so smaller settings are raised.
        self.multipart_threshold = max(multipart_threshold, MIN_PART_SIZE)
        self.multipart_chunksize = max(multipart_chunksize, MIN_PART_SIZE)
        self.max_concurrency = max_concurrency

    @property
    def client(self) -> S3Client:
        """The boto3 client for writes, created lazily so that importing costs nothing."""
        return self._client_for("write")

    def _client_for(self, kind: str) -> S3Client:
        """A boto3 client with the time limits of `kind` (one of `S3_TIMEOUTS`)."""
        if kind not in self._clients:
            import boto3
            from botocore.config import Config

            connect, read, attempts = S3_TIMEOUTS[kind]
            self._clients[kind] = boto3.client(
                "s3",
                config=Config(
                    signature_version="s3v4",
                    connect_timeout=connect,
                    read_timeout=read,
                    retries={"mode": "standard", "total_max_attempts": attempts},
                    # Bodies are not hashed again for the signature: every upload carries a
                    # CRC32 the store checks, as botocore's own streaming uploads do (it
                    # signs no body over https when a checksum is present). Over plain http
                    # it would read each part once more for SHA-256 (a third of publish's
                    # CPU time on the test server).
                    s3={"payload_signing_enabled": False},
                ),
            )
        return self._clients[kind]

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str,
        cache_control: str = IMMUTABLE,
        progress: ProgressCallback | None = None,
    ) -> None:
        from boto3.s3.transfer import TransferConfig

        # Multipart above the threshold keeps memory flat and lets a retry resend one part.
        transfer = TransferConfig(
            multipart_threshold=self.multipart_threshold,
            multipart_chunksize=self.multipart_chunksize,
            max_concurrency=self.max_concurrency,
        )
        try:
            with self._errors(key):
                self.client.upload_file(
                    str(path),
                    self.bucket,
                    self._key(key),
                    ExtraArgs={"ContentType": content_type, "CacheControl": cache_control},
                    Config=transfer,
                    Callback=progress,
                )
        except BaseException:
            self.abort_pending_uploads(key)
            raise

    def abort_pending_uploads(self, key: str) -> None:
        """Abort multipart uploads of `key` left behind by a failure, so no parts are billed.

        boto3 aborts its own failed uploads; this also covers an interrupted process's.
        """
        try:
            with self._errors(key):
                pending = self.client.list_multipart_uploads(
                    Bucket=self.bucket, Prefix=self._key(key)
                ).get("Uploads", [])
                for upload in pending:
                    if upload["Key"] == self._key(key):
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
        except (StorageError, FileNotFoundError):
            pass  # best effort: the original failure is what the caller must hear about

    def put_bytes(
        self, key: str, data: bytes, *, content_type: str, cache_control: str = IMMUTABLE
    ) -> None:
        with self._errors(key):
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentType=content_type,
                ContentLength=len(data),
                CacheControl=cache_control,
            )

    def get_bytes(self, key: str) -> bytes:
        with self._errors(key):
            found = self._client_for("request").get_object(Bucket=self.bucket, Key=self._key(key))
            return found["Body"].read()

    def size(self, key: str) -> int:
        with self._errors(key):
            found = self._client_for("request").head_object(Bucket=self.bucket, Key=self._key(key))
            return found["ContentLength"]

    def delete(self, key: str) -> None:
        with self._errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self, prefix: str = "") -> list[str]:
        found: list[str] = []
        with self._errors(prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                found.extend(o["Key"][len(self.prefix) :] for o in page.get("Contents", []))
        return sorted(found)

    def presigned_url(self, key: str, expires_in: int = 300) -> str | None:
        with self._errors(key):
            return self._client_for("request").generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._key(key)},
                ExpiresIn=expires_in,
            )

    def local_path(self, key: str) -> Path | None:
        return None

    def check(self) -> None:
        try:
            with self._errors(""):
                self._client_for("probe").head_bucket(Bucket=self.bucket)
        except FileNotFoundError:
            raise StorageError(f"bucket {self.bucket!r} does not exist") from None

    def _errors(self, key: str) -> s3_errors:
        return s3_errors(self.bucket, key)
