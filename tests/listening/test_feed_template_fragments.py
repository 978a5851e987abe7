"""Fragments in a feed template (a member's personal items): the gzip splice and the plain
join give the same bytes, for no item, one, or several."""

from __future__ import annotations

import gzip

import pytest

from feeds.model import (
    NOTICE_DATE_PLACEHOLDER,
    NOTICE_ID_PLACEHOLDER,
    PERSONAL_ITEMS_PLACEHOLDER,
    TOKEN_PLACEHOLDER,
)
from feeds.personal_items import personal_item_for, with_personal_slot
from feeds.template import FeedTemplate, Filled

BODY = (
    f"<rss><channel><title>T</title>\n    <item><link>/m/{TOKEN_PLACEHOLDER}/a.mp3</link></item>"
    f"\n    <item><link>/m/{TOKEN_PLACEHOLDER}/b.mp3</link></item></channel></rss>"
).encode()
ITEM = FeedTemplate.from_body(
    f"<item><guid>w-{NOTICE_ID_PLACEHOLDER}</guid><pubDate>{NOTICE_DATE_PLACEHOLDER}</pubDate>"
    "</item>\n".encode()
)


@pytest.mark.parametrize("count", [0, 1, 2])
def test_gzip_with_personal_items_is_the_plain_feed_compressed(count: int) -> None:
    from datetime import UTC, datetime, timedelta

    template = FeedTemplate.from_body(with_personal_slot(BODY))
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    items = tuple(personal_item_for(ITEM, moment + timedelta(days=n)) for n in range(count))
    extra = {PERSONAL_ITEMS_PLACEHOLDER: items}
    plain = template.personalise("tok", extra)
    assert gzip.decompress(template.personalise_gzip("tok", extra)) == plain
    assert plain.count(b"<item>") == 2 + count
    assert plain.index(b"<item><guid>w-") < plain.index(b"/m/tok/a.mp3") if count else True
    assert isinstance(items[0], Filled) if count else True
