"""Sending a stored file: a presigned redirect for S3, the file itself for a local folder.

Local files go through `send_file(conditional=True)`, which answers HEAD, `Range` (206
with Content-Range) and unsatisfiable ranges (416): Apple requires byte ranges.
A presigned S3 URL is signed for GET only, so a HEAD is answered here from what we know
(length and type) instead of redirecting to a URL that would refuse it.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from flask import Response, abort, redirect, request, send_file

from audio.storage import Storage

PRESIGNED_SECONDS = 600  # long enough to start a download, short enough to be useless later


def send_local(path: Path, mime: str, cache_control: str) -> Response:
    """A file on this machine, with HEAD, conditional requests and byte ranges."""
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=mime, conditional=True, etag=True, max_age=None)
    response.headers["Cache-Control"] = cache_control
    response.headers["Accept-Ranges"] = "bytes"
    return response


def serve_stored(
    storage: Storage, key: str, mime: str, size: int | None, cache_control: str
) -> Response:
    """The stored object `key` however the backend can best deliver it."""
    path = storage.local_path(key)
    if path is not None:
        return send_local(path, mime, cache_control)
    if request.method == "HEAD":
        try:
            length = size if size is not None else storage.size(key)
        except FileNotFoundError:
            abort(404)
        response = Response(status=200, content_type=mime)
        response.headers.update({"Accept-Ranges": "bytes", "Cache-Control": cache_control})
        response.content_length = length
        return response
    url = storage.presigned_url(key, expires_in=PRESIGNED_SECONDS)
    if url is None:
        abort(404)
    response = cast(Response, redirect(url, code=302))
    # The redirect itself must never be reused: the next request checks access again.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def serve_small(storage: Storage, key: str, mime: str, cache_control: str) -> Response:
    """A small stored file (a transcript) from our own origin, never a redirect: a page's
    `<track>` of captions must be same-origin, and a redirect to the bucket is not."""
    path = storage.local_path(key)
    if path is not None:
        return send_local(path, mime, cache_control)
    try:
        data = storage.get_bytes(key)
    except FileNotFoundError:
        abort(404)
    response = Response(data, mimetype=mime)
    response.headers["Cache-Control"] = cache_control
    return response
