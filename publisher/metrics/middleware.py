"""Request timing by route family, and media answers by status, around the whole app.

Outermost, so the member feeds' fast path (answered before Flask) is timed too.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from publisher.metrics.instruments import MEDIA_REQUESTS, REQUEST_TIMERS, family_of

_MEDIA_BY_STATUS: dict[str, Any] = {}


class RequestMetrics:
    """WSGI middleware: one histogram observation per request, one media count by status."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        family = family_of(environ.get("PATH_INFO", ""))
        started = time.perf_counter()
        if family != "media":
            try:
                return self.app(environ, start_response)
            finally:
                REQUEST_TIMERS[family].observe(time.perf_counter() - started)

        def counted_start(status: str, headers: Any, exc_info: Any = None) -> Any:
            code = status.split(" ", 1)[0]
            counter = _MEDIA_BY_STATUS.get(code)
            if counter is None:  # labels() per request costs more than the count itself
                counter = _MEDIA_BY_STATUS.setdefault(code, MEDIA_REQUESTS.labels(code))
            counter.inc()
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, counted_start)
        finally:
            REQUEST_TIMERS[family].observe(time.perf_counter() - started)
