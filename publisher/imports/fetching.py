"""Fetching what an old feed points to: over http(s), or from this machine's disk.

Every fetch over the web connects only to public addresses (or the producer's own hosts,
`publisher.imports.destinations`), redirects included. Every fetch has two limits. A socket
timeout ends a server that stops answering, and a whole-file deadline, checked at every
chunk, ends one that is merely slow. Files are
streamed to disk, never held in memory, with the bytes done reported as they arrive (the
CLI draws a progress bar with them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from publisher.errors import UserError
from publisher.imports.destinations import (
    PUBLIC_ONLY,
    Destinations,
    RefusedDestination,
    guarded_session,
)

SOCKET_TIMEOUT = 30.0  # seconds without a byte before a server counts as gone
SMALL_FILE_LIMIT = 20 * 1024 * 1024  # a feed, a chapters file, a transcript
# Three hours at 320 kbit/s is 430 MB: beyond this an "episode" is a stream or a mistake,
# and filling this machine's disk with it helps nobody.
AUDIO_LIMIT = 2 * 1024 * 1024 * 1024
_CHUNK = 64 * 1024
_USER_AGENT = "lovetv-import/1 (moving a podcast in; one pass over its feed)"


class FetchError(UserError):
    """A file could not be fetched; the message names it and says why, in one line."""


def local_path(location: str) -> Path | None:
    """The file `location` names on this machine (a path or a file:// URL), else None."""
    parts = urlsplit(location)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme in ("http", "https"):
        return None
    if len(parts.scheme) > 1:  # a scheme we do not fetch (ftp:, data:, …)
        raise FetchError(f"{location}: only http, https and local files can be imported")
    return Path(location)


def check_reach(feed: str, link: str) -> None:
    """Refuse a link of a feed fetched over the web to a file on this machine.

    A feed on the web is someone else's text: `file:///…/instance/secret_key` as a
    transcript URL would copy this machine's files into a public store. Only a feed read
    from this machine's disk may point to files on it.
    """
    if urlsplit(feed).scheme in ("http", "https") and urlsplit(link).scheme not in (
        "http",
        "https",
    ):
        raise FetchError(f"{link}: a feed on the web cannot point to files on this machine")


def read_small(
    location: str, what: str, deadline: float = 60.0, allowed: Destinations = PUBLIC_ONLY
) -> bytes:
    """A whole small file (a feed, chapters, a transcript), refused beyond 20 MB."""
    path = local_path(location)
    if path is not None:
        try:
            if path.stat().st_size > SMALL_FILE_LIMIT:
                raise FetchError(f"{what} {location} is larger than {_megabytes(SMALL_FILE_LIMIT)}")
            return path.read_bytes()
        except OSError as exc:
            raise FetchError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    chunks: list[bytes] = []
    _stream(location, what, deadline, lambda chunk: chunks.append(chunk), SMALL_FILE_LIMIT, allowed)
    return b"".join(chunks)


def download(
    location: str,
    target: Path,
    deadline: float,
    progress: Callable[[int, int | None], None] | None = None,
    allowed: Destinations = PUBLIC_ONLY,
) -> Path:
    """The file at `location`, on disk: a local file as it is, a URL saved into `target`.

    `progress(done, total)` hears how far a download is (total None when not announced).
    """
    path = local_path(location)
    if path is not None:
        if not path.is_file():
            raise FetchError(f"the audio file {path} does not exist")
        return path
    with target.open("wb") as sink:
        done = 0

        def write(chunk: bytes) -> None:
            nonlocal done
            sink.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)

        total: int | None = None

        def announced(length: int | None) -> None:
            nonlocal total
            total = length

        _stream(location, "the audio", deadline, write, AUDIO_LIMIT, allowed, announced)
    return target


def _stream(
    url: str,
    what: str,
    deadline: float,
    sink: Callable[[bytes], None],
    limit: int | None,
    allowed: Destinations,
    announced: Callable[[int | None], None] | None = None,
) -> None:
    """GET `url` into `sink` chunk by chunk, within `deadline` seconds in all."""
    ends = time.monotonic() + deadline
    silence = min(SOCKET_TIMEOUT, deadline)
    try:
        with (
            guarded_session(allowed) as web,
            web.get(
                url,
                stream=True,
                timeout=(min(10.0, deadline), silence),
                headers={"User-Agent": _USER_AGENT},
            ) as response,
        ):
            if response.status_code != 200:
                raise FetchError(f"{what} {url} answered {response.status_code} {response.reason}")
            length = response.headers.get("Content-Length")
            size = int(length) if length and length.isdigit() else None
            if limit is not None and size is not None and size > limit:
                raise FetchError(f"{what} {url} is larger than {_megabytes(limit)}")
            if announced is not None:
                announced(size)
            received = 0
            for chunk in response.iter_content(_CHUNK):
                received += len(chunk)
                if limit is not None and received > limit:
                    raise FetchError(f"{what} {url} is larger than {_megabytes(limit)}")
                if time.monotonic() > ends:
                    raise FetchError(f"{what} {url} took longer than {deadline:g} s (--timeout)")
                sink(chunk)
    except RefusedDestination as exc:
        raise FetchError(
            f"{what} {url} was not fetched: {exc} (LOVETV_IMPORT_ALLOW_HOSTS lets an import "
            "reach a host of your own)"
        ) from None
    except requests.TooManyRedirects:
        raise FetchError(f"{what} {url} redirects more than 5 times: fetch it yourself") from None
    except requests.Timeout:
        raise FetchError(
            f"{what} {url} sent nothing for {silence:g} s (is the server up?)"
        ) from None
    except requests.RequestException as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FetchError(f"cannot fetch {what} {url} ({reason})") from None


def _megabytes(limit: int) -> str:
    return f"{limit // (1024 * 1024):,} MB"
