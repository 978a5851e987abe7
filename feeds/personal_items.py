"""Items the producer recorded for each member (welcome, anniversary), as `<item>` text.

A feed is rendered once for every member, so a member's own items cannot be in it: the
feed carries `PERSONAL_ITEMS_PLACEHOLDER` before its first item instead, and each request
puts there nothing or these items, dated at the member's own event (their start, or the
anniversary) and named by it, so an app lists each once and a later event is a new item.
The item text is rendered here once per change with the notice's date and id placeholders,
split there once (`personal_item_template`); `personal_item_for` fills them per request
without any XML work, and gzip deflates only the date and id (`feeds.template.Filled`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime

from feeds.channel import Channel, add_episode, new_feed, to_bytes
from feeds.model import (
    NOTICE_DATE_PLACEHOLDER,
    NOTICE_ID_PLACEHOLDER,
    PERSONAL_ITEMS_PLACEHOLDER,
    EpisodeInfo,
    ShowInfo,
)
from feeds.template import FeedTemplate, Filled

_ITEM = re.compile(rb"<item>.*</item>", re.DOTALL)
_FIRST_ITEM = re.compile(rb"([ \t]*)<item>")
_CHANNEL_END = b"</channel>"


def personal_item_text(show: ShowInfo, item: EpisodeInfo) -> str:
    """The `<item>` of a personal episode, its date and GUID suffix left as placeholders.

    `item.guid` is the recording's own GUID: `-<event id>` is appended per request.
    """
    channel = Channel(
        title=show.title,
        description=show.description,
        link=show.website or show.join_url,
        self_url=show.join_url,
        image_url=show.image_url,
        podcast_guid=show.podcast_guid,
        updated=datetime(1970, 1, 1, tzinfo=UTC),
        private=True,
    )
    fg = new_feed(show, channel)
    guid = f"{item.guid}-{NOTICE_ID_PLACEHOLDER}"
    add_episode(fg, replace(item, guid=guid, dated_per_request=True))
    found = _ITEM.search(to_bytes(fg))
    assert found is not None
    return found.group(0).decode() + "\n"


def personal_item_template(text: str) -> FeedTemplate:
    """The item text split at its date and id, its parts deflated once (see `Filled`)."""
    return FeedTemplate.from_body(text.encode())


def personal_item_for(template: FeedTemplate, moment: datetime) -> Filled:
    """The item dated at `moment` and named by it: one member's item for one event."""
    moment = moment.astimezone(UTC)
    values = {
        NOTICE_DATE_PLACEHOLDER: format_datetime(moment),
        NOTICE_ID_PLACEHOLDER: f"{moment:%Y%m%dT%H%M%S%fZ}",
    }
    return Filled(template, tuple(values[slot] for slot in template.slots))


def with_personal_slot(body: bytes) -> bytes:
    """`body` with `PERSONAL_ITEMS_PLACEHOLDER` where a first item goes (top of the items)."""
    slot = PERSONAL_ITEMS_PLACEHOLDER.encode()
    found = _FIRST_ITEM.search(body)
    if found is not None:
        return body[: found.end(1)] + slot + body[found.end(1) :]
    end = body.rindex(_CHANNEL_END)
    return body[:end] + slot + body[end:]
