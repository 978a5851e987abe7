"""A process-wide doorbell: queueing an email wakes this process's sender at once.

Sign-in links should arrive in a second or two, not at the sender's next poll. The bell
rings after the queueing transaction commits (before that the sender could not see the
row); senders in other processes still find it on their next poll.
"""

from __future__ import annotations

import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

_bell = threading.Event()


def nudge() -> None:
    """Wake this process's sender now."""
    _bell.set()


def nudge_after_commit(session: Session) -> None:
    """Ring the bell once `session`'s current transaction commits."""
    # Sessions are short-lived, so a listener that stays for the session's later commits
    # costs at most a spare wake-up.
    if not event.contains(session, "after_commit", _ring):
        event.listen(session, "after_commit", _ring)


def _ring(_session: Session) -> None:
    nudge()


def wait_for_nudge(timeout: float) -> bool:
    """Sleep until nudged or `timeout` seconds pass; True when nudged."""
    rung = _bell.wait(timeout)
    _bell.clear()
    return rung
