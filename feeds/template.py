"""Personalising a rendered feed per request by substitution, plain or gzipped.

A rendered feed is split once at its placeholders (the token, and a notice's date and
event id); a member's copy is the parts joined with their values, with no XML work. For
gzip, each part is deflated once with a full flush (which empties the compressor's history,
so no part refers back into its neighbour); a request deflates only its few values and
splices the pieces into one valid gzip member (RFC 1951 blocks may be concatenated; RFC 1952
gives the header and trailer).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from feeds.model import MEMBER_NAME_PLACEHOLDER, PLACEHOLDERS, TOKEN_PLACEHOLDER

_SPLIT = re.compile(b"(" + b"|".join(re.escape(p.encode()) for p in PLACEHOLDERS) + b")")
# ID1 ID2, CM=deflate, no flags, MTIME=0, XFL=0, OS=unknown.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a last, empty block with fixed Huffman codes


def _deflate_flushed(data: bytes, level: int = 6) -> bytes:
    """Raw deflate blocks for `data`, byte-aligned and independent of anything around them."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


# The per-request values are a few dozen bytes: a compressor with the smallest memory
# level (a smaller hash table, the same raw deflate format) is set up in a few µs, where
# the default one's allocation cost more than a 304 (measured for issue 29's welcome items).
_VALUES_MEM_LEVEL = 1
_Key = TypeVar("_Key")


def _deflate_values(values: Mapping[_Key, bytes]) -> dict[_Key, bytes]:
    """Each value as raw deflate blocks of its own, with one compressor per request: a full
    flush after each empties its history and aligns it to a byte, so each value's blocks
    stand alone wherever they are spliced."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS, _VALUES_MEM_LEVEL)
    return {
        key: compressor.compress(v) + compressor.flush(zlib.Z_FULL_FLUSH)
        for key, v in values.items()
    }


@dataclass(frozen=True)
class FeedTemplate:
    """A rendered feed ready to be personalised many times.

    `slots[i]` is the placeholder that stood between `parts[i]` and `parts[i + 1]`.
    """

    parts: tuple[bytes, ...]
    deflated_parts: tuple[bytes, ...]
    slots: tuple[str, ...] = ()

    @classmethod
    def from_body(cls, body: bytes) -> FeedTemplate:
        pieces = _SPLIT.split(body)
        parts, slots = tuple(pieces[0::2]), tuple(p.decode() for p in pieces[1::2])
        return cls(parts, tuple(_deflate_flushed(p) for p in parts), slots)

    @cached_property
    def token_only(self) -> bool:
        """Whether every placeholder is the token (a feed without a notice)."""
        return all(slot == TOKEN_PLACEHOLDER for slot in self.slots)

    @cached_property
    def names_member(self) -> bool:
        """Whether the feed's title carries the member's name (`MEMBER_NAME_PLACEHOLDER`)."""
        return MEMBER_NAME_PLACEHOLDER in self.slots

    @property
    def personal(self) -> bool:
        """Whether the feed carries a token at all (the teaser and notices may not)."""
        return TOKEN_PLACEHOLDER in self.slots

    @cached_property
    def slot_kinds(self) -> frozenset[str]:
        """The distinct placeholders: a value is encoded and deflated once per kind."""
        return frozenset(self.slots)

    def _by_kind(self, token: str, extra: Mapping[str, Value] | None) -> dict[str, Encoded]:
        values: dict[str, Value] = {TOKEN_PLACEHOLDER: token, **(extra or {})}
        missing = self.slot_kinds - values.keys()
        if missing:
            raise KeyError(f"no value for {', '.join(sorted(missing))}")
        return {slot: _encoded(values[slot]) for slot in self.slot_kinds}

    @cached_property
    def _other_slots(self) -> tuple[tuple[int, str], ...]:
        """(index, placeholder) of each slot that is not the token: a notice's date and id,
        the member's items; a handful, where the token fills a hundred."""
        return tuple((i, slot) for i, slot in enumerate(self.slots) if slot != TOKEN_PLACEHOLDER)

    def _joined(self, parts: tuple[bytes, ...], by_kind: Mapping[str, bytes]) -> bytes:
        """`parts` around their slots' values (`by_kind`): the other slots' values glued to
        their neighbours, then one join with the token, as for a feed of tokens alone."""
        others = [(index, by_kind[slot]) for index, slot in self._other_slots]
        return _joined_around(parts, by_kind.get(TOKEN_PLACEHOLDER, b""), others)

    def personalise(self, token: str, extra: Mapping[str, Value] | None = None) -> bytes:
        """The member's feed: every placeholder replaced (the token, and `extra`'s)."""
        if self.token_only:  # the usual feed: one join, in C
            return token.encode().join(self.parts)
        raw = {slot: _raw(value) for slot, value in self._by_kind(token, extra).items()}
        return self._joined(self.parts, raw)

    def personalise_gzip(self, token: str, extra: Mapping[str, Value] | None = None) -> bytes:
        """`gzip.compress(self.personalise(...))`, without compressing the feed again.

        A slot's fragments (a member's own items) come deflated already (`Filled.deflated`),
        so a request deflates only its short values: the token, a notice's date and id."""
        raw: dict[str, bytes] = {}
        baked: dict[str, bytes] = {}
        for slot, value in self._by_kind(token, extra).items():
            if isinstance(value, bytes):
                raw[slot] = value
            else:
                raw[slot], baked[slot] = _baked(value)
        deflated = _deflate_values({slot: raw[slot] for slot in raw.keys() - baked.keys()})
        deflated.update(baked)
        body = self._joined(self.parts, raw)  # for the CRC and the length
        blocks = self._joined(self.deflated_parts, deflated)
        return _gzip_member(blocks, zlib.crc32(body), len(body))


def _joined_around(
    parts: tuple[bytes, ...], token: bytes, others: list[tuple[int, bytes]]
) -> bytes:
    """parts[0] + value[0] + parts[1] + ..., where every slot's value is `token` except
    at the indexes in `others` (ascending), which carry their own.

    Each of those few values is glued to the parts either side of it (a copy of some
    hundred bytes), so the feed itself is copied once, by `token.join` in C: a personal
    item costs a feed what the token does (issue 29), not a pass over its hundred slots."""
    pieces: list[bytes] = []
    start = 0  # the first part not in `pieces` yet
    for index, value in others:
        pieces.extend(parts[start : index + 1])  # up to the part before the slot
        pieces[-1] = b"".join((pieces[-1], value, parts[index + 1]))
        start = index + 2
    pieces.extend(parts[start:])
    return token.join(pieces)


def _interleaved(parts: tuple[bytes, ...], values: list[bytes]) -> bytes:
    """parts[0] + values[0] + parts[1] + ... in one join: the list is filled by two slice
    assignments (in C), and the feed is copied once."""
    pieces: list[bytes] = [b""] * (len(parts) + len(values))
    pieces[0::2] = parts
    pieces[1::2] = values
    return b"".join(pieces)


def _gzip_member(blocks: bytes, crc: int, size: int) -> bytes:
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
    return b"".join((_GZIP_HEADER, blocks, _FINAL_EMPTY_BLOCK, trailer))


@dataclass(frozen=True)
class Filled:
    """A small template (one item) with its values, put in a slot whole.

    Its text and its deflate blocks are made once and kept with it: the caller keeps a
    member's `Filled` between requests (`PersonalItems.filled`), so a member's 200 splices
    their items in as it splices the feed's own parts, deflating nothing of theirs.
    """

    template: FeedTemplate
    values: tuple[str, ...]  # one per slot of `template`

    @cached_property
    def text(self) -> bytes:
        """The item as it appears in the feed: the template's parts and these values."""
        return _interleaved(self.template.parts, [value.encode() for value in self.values])

    @cached_property
    def deflated(self) -> bytes:
        """`text` as raw deflate blocks standing alone: the template's parts, deflated once
        with it, around these values deflated here."""
        values = _deflate_values(dict(enumerate(v.encode() for v in self.values)))
        return _interleaved(self.template.deflated_parts, list(values.values()))  # in order


Fragments = tuple[Filled, ...]
Value = str | Fragments
Encoded = bytes | Fragments


def _encoded(value: Value) -> Encoded:
    return value.encode() if isinstance(value, str) else value


def _raw(value: Encoded) -> bytes:
    return value if isinstance(value, bytes) else b"".join(f.text for f in value)


def _baked(fragments: Fragments) -> tuple[bytes, bytes]:
    """The fragments' text and deflate blocks; one fragment's are its own kept bytes."""
    if len(fragments) == 1:
        return fragments[0].text, fragments[0].deflated
    return b"".join(f.text for f in fragments), b"".join(f.deflated for f in fragments)
