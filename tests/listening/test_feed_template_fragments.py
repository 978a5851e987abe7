"""Fragments in a feed template (a member's personal items): the gzip splice and the plain
join give the same bytes, for no item, one, or several."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    template = FeedTemplate.from_body(with_personal_slot(BODY))
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    items = tuple(personal_item_for(ITEM, moment + timedelta(days=n)) for n in range(count))
    extra = {PERSONAL_ITEMS_PLACEHOLDER: items}
    plain = template.personalise("tok", extra)
    assert gzip.decompress(template.personalise_gzip("tok", extra)) == plain
    assert plain.count(b"<item>") == 2 + count
    assert plain.index(b"<item><guid>w-") < plain.index(b"/m/tok/a.mp3") if count else True
    assert isinstance(items[0], Filled) if count else True


def test_a_filled_item_keeps_its_text_and_its_standalone_deflate_blocks() -> None:
    moment = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    filled = personal_item_for(ITEM, moment)
    expected = ITEM.personalise("", dict(zip(ITEM.slots, filled.values, strict=True)))
    assert filled.text == expected
    assert b"w-20260506T070809123456Z" in filled.text
    # Raw deflate that decodes to the text alone and ends byte-aligned (a full flush's
    # empty stored block), so it can sit between any two of a feed's parts.
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    assert inflater.decompress(filled.deflated) == filled.text
    assert not inflater.eof and not inflater.unconsumed_tail  # no final block: more may follow
    assert filled.deflated.endswith(b"\x00\x00\xff\xff")
    assert filled.text is filled.text and filled.deflated is filled.deflated  # made once


def test_one_kept_item_splices_into_every_members_feed_and_each_is_whole() -> None:
    template = FeedTemplate.from_body(with_personal_slot(BODY))
    item = (personal_item_for(ITEM, datetime(2026, 1, 2, tzinfo=UTC)),)
    for token in ("tok-a", "tok-bb", ""):
        extra = {PERSONAL_ITEMS_PLACEHOLDER: item}
        plain = template.personalise(token, extra)
        assert plain == BODY.replace(
            b"    <item><link>", b"    " + item[0].text + b"<item><link>", 1
        ).replace(TOKEN_PLACEHOLDER.encode(), token.encode())
        assert gzip.decompress(template.personalise_gzip(token, extra)) == plain


def test_a_value_for_a_slot_the_feed_lacks_is_ignored_and_a_missing_one_is_named() -> None:
    template = FeedTemplate.from_body(BODY)
    item = (personal_item_for(ITEM, datetime(2026, 1, 2, tzinfo=UTC)),)
    extra = {PERSONAL_ITEMS_PLACEHOLDER: item, NOTICE_DATE_PLACEHOLDER: "never shown"}
    assert gzip.decompress(template.personalise_gzip("t", extra)) == template.personalise("t")
    assert template.personalise("t", extra) == BODY.replace(TOKEN_PLACEHOLDER.encode(), b"t")
    with_slot = FeedTemplate.from_body(with_personal_slot(BODY))
    for personalise in (with_slot.personalise, with_slot.personalise_gzip):
        with pytest.raises(KeyError, match=f"no value for {PERSONAL_ITEMS_PLACEHOLDER}"):
            personalise("t", {})


_KINDS = [
    TOKEN_PLACEHOLDER,
    NOTICE_DATE_PLACEHOLDER,
    NOTICE_ID_PLACEHOLDER,
    PERSONAL_ITEMS_PLACEHOLDER,
]
_TEXT = st.text(alphabet="<>/&ab é💞\n", max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    chunks=st.lists(st.tuples(_TEXT, st.sampled_from(_KINDS)), max_size=8),
    tail=_TEXT,
    values=st.tuples(_TEXT, _TEXT, _TEXT),
    item_days=st.lists(st.integers(0, 4000), max_size=3),
)
def test_any_template_personalised_is_the_text_replaced_and_its_gzip_is_whole(
    chunks: list[tuple[str, str]], tail: str, values: tuple[str, str, str], item_days: list[int]
) -> None:
    body = "".join(text + kind for text, kind in chunks) + tail
    token, date, event = values
    items = tuple(
        personal_item_for(ITEM, datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=d))
        for d in item_days
    )
    extra = {
        NOTICE_DATE_PLACEHOLDER: date,
        NOTICE_ID_PLACEHOLDER: event,
        PERSONAL_ITEMS_PLACEHOLDER: items,
    }
    expected = body
    for kind, value in (
        (TOKEN_PLACEHOLDER, token),
        (NOTICE_DATE_PLACEHOLDER, date),
        (NOTICE_ID_PLACEHOLDER, event),
        (PERSONAL_ITEMS_PLACEHOLDER, "".join(i.text.decode() for i in items)),
    ):
        expected = expected.replace(kind, value)
    template = FeedTemplate.from_body(body.encode())
    assert template.personalise(token, extra) == expected.encode()
    # gzip.decompress checks the trailer's CRC and length as well as the blocks.
    assert gzip.decompress(template.personalise_gzip(token, extra)) == expected.encode()


@pytest.mark.parametrize(
    "body",
    [
        f"{NOTICE_ID_PLACEHOLDER}{NOTICE_DATE_PLACEHOLDER}<a>{TOKEN_PLACEHOLDER}</a>",
        f"<a>{TOKEN_PLACEHOLDER}</a>{NOTICE_DATE_PLACEHOLDER}{NOTICE_ID_PLACEHOLDER}",
        f"{TOKEN_PLACEHOLDER}{NOTICE_ID_PLACEHOLDER}{TOKEN_PLACEHOLDER}{NOTICE_ID_PLACEHOLDER}",
        f"<i>{NOTICE_ID_PLACEHOLDER}</i><d>{NOTICE_DATE_PLACEHOLDER}</d>",  # no token at all
    ],
)
def test_values_beside_each_other_and_at_either_end_keep_their_places(body: str) -> None:
    """The other slots' values are glued to the parts beside them before the token's join:
    two of them side by side, first, last, or with no token slot in the feed."""
    template = FeedTemplate.from_body(body.encode())
    extra = {NOTICE_ID_PLACEHOLDER: "[id]", NOTICE_DATE_PLACEHOLDER: "[date]"}
    expected = (
        body.replace(TOKEN_PLACEHOLDER, "tok")
        .replace(NOTICE_ID_PLACEHOLDER, "[id]")
        .replace(NOTICE_DATE_PLACEHOLDER, "[date]")
        .encode()
    )
    assert template.personalise("tok", extra) == expected
    assert gzip.decompress(template.personalise_gzip("tok", extra)) == expected
