"""The time the feed and media routes see, moved by tests instead of slept through.

Both routes read the clock once per request through their module's `utcnow`; a `Clock`
stands in for it there, so a grace period or a scheduled episode comes due on the next
request exactly when the test says, with no sleep and no race with the wall clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from publisher.listening import member_feeds
from publisher.models import utcnow
from publisher.web import feeds, media


class Clock:
    """A settable `utcnow` for the feed and media routes."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now: datetime = utcnow()
        for module in (feeds, member_feeds, media):
            monkeypatch.setattr(module, "utcnow", self)  # raises if the seam ever moves

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **amount: float) -> datetime:
        self.now += timedelta(**amount)
        return self.now


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)
