"""Gift time as arithmetic over gifts (`auth.gift_spans`): each gift its own days, end to
end in redemption order, after any prepaid time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth.gift_spans import HeldGift, Span, access_ends, gift_spans
from auth.plans import BillingState, MemberStatus
from publisher.billing.membership import gift_running
from publisher.models import Member

DAY0 = datetime(2027, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return DAY0 + timedelta(days=n)


def test_gifts_run_end_to_end_in_the_order_they_were_redeemed() -> None:
    spans = gift_spans([HeldGift(day(0), 365), HeldGift(day(10), 91)])
    assert spans == [Span(day(0), day(365)), Span(day(365), day(456))]
    assert access_ends(spans) == day(456)


def test_a_gift_redeemed_after_the_last_one_ran_out_starts_when_redeemed() -> None:
    spans = gift_spans([HeldGift(day(0), 91), HeldGift(day(200), 91)])
    assert spans[1] == Span(day(200), day(291))


def test_prepaid_time_comes_first_and_outlasts_a_refund_of_every_gift() -> None:
    assert gift_spans([HeldGift(day(0), 365)], prepaid_until=day(100)) == [Span(day(100), day(465))]
    assert access_ends([], prepaid_until=day(100)) == day(100)
    assert gift_spans([HeldGift(day(50), 91)], prepaid_until=day(10)) == [Span(day(50), day(141))]


def test_a_gift_for_good_makes_the_whole_time_for_good() -> None:
    spans = gift_spans([HeldGift(day(0), 91), HeldGift(day(5), None), HeldGift(day(6), 365)])
    assert [s.ends_at for s in spans] == [day(91), None, None]
    assert access_ends(spans, prepaid_until=day(30)) is None
    assert spans == [Span(day(0), day(91)), Span(day(91), None), Span(day(91), None)]
    assert access_ends([]) is None  # no gift and nothing prepaid: no end to speak of


@pytest.mark.parametrize(
    ("status", "billing_state", "grace_until", "running"),
    [
        (MemberStatus.ACTIVE, BillingState.GIFT, None, True),  # a gift for good
        (MemberStatus.ACTIVE, BillingState.GIFT, day(1), True),
        (MemberStatus.ACTIVE, BillingState.GIFT, day(0), False),  # ends at that instant
        (MemberStatus.ACTIVE, BillingState.GIFT, day(-1), False),
        (MemberStatus.ACTIVE, BillingState.ACTIVE, None, False),  # a subscription, not a gift
        (MemberStatus.LAPSED, BillingState.GIFT, None, False),
    ],
)
def test_a_gift_runs_while_the_member_is_active_on_it_until_its_end(
    status: str, billing_state: str, grace_until: datetime | None, running: bool
) -> None:
    member = Member(status=status, billing_state=billing_state, grace_until=grace_until)
    assert gift_running(member, now=day(0)) is running
