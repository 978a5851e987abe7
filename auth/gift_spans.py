"""When each gift a member holds runs: arithmetic over their gifts, never one shared end date.

A gift's days start when it is redeemed, or when the time before it ends, whichever is later:
the member's prepaid time first (a membership paid on the show's earlier platform), then each
gift in the order it was redeemed. A refunded or disputed gift is simply left out and the
spans worked out again, so it takes away its own days and nobody else's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class HeldGift:
    """One gift a member holds: when they redeemed it and how many days it gives."""

    redeemed_at: datetime
    days: int | None  # None: for good


@dataclass(frozen=True)
class Span:
    """When a gift's days run (`ends_at` None: for good)."""

    starts_at: datetime
    ends_at: datetime | None


def gift_spans(gifts: Sequence[HeldGift], prepaid_until: datetime | None = None) -> list[Span]:
    """Each gift's span, the gifts in redemption order, after any prepaid time."""
    spans: list[Span] = []
    cursor = prepaid_until
    forever = False
    for gift in gifts:
        starts = gift.redeemed_at if cursor is None else max(gift.redeemed_at, cursor)
        if forever or gift.days is None:
            forever = True
            spans.append(Span(starts, None))
            continue
        cursor = starts + timedelta(days=gift.days)
        spans.append(Span(starts, cursor))
    return spans


def access_ends(spans: Sequence[Span], prepaid_until: datetime | None = None) -> datetime | None:
    """When the member's gifted (and prepaid) time ends; None when a gift is for good."""
    if any(span.ends_at is None for span in spans):
        return None
    ends = [span.ends_at for span in spans if span.ends_at is not None]
    if prepaid_until is not None:
        ends.append(prepaid_until)
    return max(ends) if ends else None
