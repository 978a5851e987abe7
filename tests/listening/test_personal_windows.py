"""A member's welcome and anniversary items are kept per start time with the span they hold
for (`PersonalItems.for_member`): whatever order polls come in, forwards or backwards in
time, the kept answer is the one worked out afresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.personal_items import personal_item_template
from publisher.listening.personal import PersonalItem, PersonalItems

TEMPLATE = personal_item_template("<item><pubDate>@@LOVETV_NOTICE_DATE@@</pubDate></item>")
START = datetime(2026, 1, 1, tzinfo=UTC)

items = st.lists(
    st.builds(
        PersonalItem,
        template=st.just(TEMPLATE),
        days=st.integers(1, 400),
        after_days=st.one_of(st.none(), st.integers(1, 400)),
    ),
    min_size=1,
    max_size=3,
)
moments = st.integers(-30 * 86400, 3 * 365 * 86400).map(lambda s: START + timedelta(seconds=s))


@settings(max_examples=300, deadline=None)
@given(items=items, starts=st.lists(moments, min_size=1, max_size=3), polls=st.lists(moments))
def test_a_kept_answer_is_the_answer_worked_out_afresh(
    items: list[PersonalItem], starts: list[datetime], polls: list[datetime]
) -> None:
    kept = PersonalItems(tuple(items))
    for index, now in enumerate(polls):
        started = starts[index % len(starts)]
        fresh = PersonalItems(tuple(items)).for_member(started, now)
        assert kept.for_member(started, now) == fresh


def test_a_welcome_appears_at_the_start_and_is_gone_after_its_days() -> None:
    welcome = PersonalItems((PersonalItem(TEMPLATE, days=30),))
    assert welcome.for_member(START, START - timedelta(seconds=1))[0] == ()
    (shown,), seed, changed = welcome.for_member(START, START + timedelta(days=29))
    assert shown[1] == START and changed == START and seed
    assert welcome.for_member(START, START + timedelta(days=30)) == (
        (),
        "",
        START + timedelta(days=30),
    )
    assert welcome.for_member(START, START + timedelta(days=1))[0][0][1] == START  # back again


def test_the_filled_items_are_dated_at_their_event_and_kept() -> None:
    welcome = PersonalItems((PersonalItem(TEMPLATE, days=30),))
    shown = welcome.for_member(START, START + timedelta(days=1))[0]
    filled = welcome.filled(shown)
    assert filled[0].values == ("Thu, 01 Jan 2026 00:00:00 +0000",)
    assert welcome.filled(shown) is filled
