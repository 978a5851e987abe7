"""The errors a store raises, whatever its backend, and botocore's mapped onto them.

Callers see three things: `FileNotFoundError` (no such object), `StorageUnavailable` (the
store did not answer in time or said it is overloaded: try again shortly, a web request
answers 503 with Retry-After) and `StorageError` (anything else, one line for the operator).
"""

from __future__ import annotations

from types import TracebackType
from typing import Literal

# S3 answers these when it is briefly unable to serve, as opposed to refusing the request.
_UNAVAILABLE_CODES = frozenset(
    {"500", "502", "503", "504", "InternalError", "ServiceUnavailable", "SlowDown"}
)


class StorageError(RuntimeError):
    """The store failed (network, permissions); the message is one line for the operator."""


class StorageUnavailable(StorageError):
    """The store could not be reached or did not answer in time; retrying later may work."""


class s3_errors:
    """Map botocore's errors to `FileNotFoundError`, `StorageUnavailable` and `StorageError`."""

    def __init__(self, bucket: str, key: str) -> None:
        self.where = f"s3://{bucket}/{key}"

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc is None:
            return False
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectionError,
            HTTPClientError,
        )

        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(self.where) from exc
            message = exc.response.get("Error", {}).get("Message") or code
            if code in _UNAVAILABLE_CODES:
                raise StorageUnavailable(f"{self.where}: {message}") from exc
            raise StorageError(f"{self.where}: {message}") from exc
        # Connect and read timeouts, refused and reset connections are all ConnectionError
        # or HTTPClientError subclasses in botocore.
        if isinstance(exc, ConnectionError | HTTPClientError):
            raise StorageUnavailable(f"{self.where}: {str(exc).splitlines()[0]}") from exc
        if isinstance(exc, BotoCoreError | S3UploadFailedError):
            raise StorageError(f"{self.where}: {str(exc).splitlines()[0]}") from exc
        return False
