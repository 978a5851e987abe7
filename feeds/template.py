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
from typing import cast

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


def _deflate_values(values: list[bytes]) -> dict[bytes, bytes]:
    """Each distinct value as raw deflate blocks of its own, with one compressor per request:
    a full flush after each empties its history and aligns it to a byte, so each value's
    blocks stand alone wherever they are spliced."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS, _VALUES_MEM_LEVEL)
    return {v: compressor.compress(v) + compressor.flush(zlib.Z_FULL_FLUSH) for v in set(values)}


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

    def _values(self, token: str, extra: Mapping[str, Value] | None) -> list[bytes | Fragments]:
        values: dict[str, Value] = {TOKEN_PLACEHOLDER: token, **(extra or {})}
        missing = set(self.slots) - values.keys()
        if missing:
            raise KeyError(f"no value for {', '.join(sorted(missing))}")
        encoded = {slot: _encoded(value) for slot, value in values.items()}  # once per slot kind
        return [encoded[slot] for slot in self.slots]

    def personalise(self, token: str, extra: Mapping[str, Value] | None = None) -> bytes:
        """The member's feed: every placeholder replaced (the token, and `extra`'s)."""
        if self.token_only:  # the usual feed: one join, in C
            return token.encode().join(self.parts)
        values = self._values(token, extra)
        out = [self.parts[0]]
        for value, part in zip(values, self.parts[1:], strict=True):
            if isinstance(value, bytes):
                out += (value, part)
            else:
                out += [raw for raw, _ in _pieces(value)]
                out.append(part)
        return b"".join(out)

    def personalise_gzip(self, token: str, extra: Mapping[str, Value] | None = None) -> bytes:
        """`gzip.compress(self.personalise(...))`, without compressing the feed again."""
        values = self._values(token, extra)
        parts, deflated_parts = self.parts, self.deflated_parts
        at = [index for index, value in enumerate(values) if not isinstance(value, bytes)]
        flat = cast(list[bytes], values)  # with no fragment (`at` empty) every value is bytes
        if at:
            flat, parts, deflated_parts = _flattened(values, parts, deflated_parts, at)
        deflated = _deflate_values(flat)
        crc = zlib.crc32(parts[0])
        pieces = [deflated_parts[0]]
        for value, part, deflated_part in zip(flat, parts[1:], deflated_parts[1:], strict=True):
            crc = zlib.crc32(part, zlib.crc32(value, crc))
            pieces += (deflated[value], deflated_part)
        size = sum(map(len, parts)) + sum(map(len, flat))
        return _gzip_member(pieces, crc, size)


def _flattened(
    values: list[bytes | Fragments],
    parts: tuple[bytes, ...],
    deflated_parts: tuple[bytes, ...],
    at: list[int],
) -> tuple[list[bytes], tuple[bytes, ...], tuple[bytes, ...]]:
    """The same feed as plain values between parts: each fragment (at the indexes `at`) has
    its parts (deflated with its template) spliced in as parts, with empty values where two
    parts meet. Sliced, not looped: a feed has hundreds of token slots and one fragment."""
    flat_values: list[bytes] = []
    flat_parts: list[bytes] = []
    flat_deflated: list[bytes] = []
    start = 0
    for index in at:
        flat_values += cast(list[bytes], values[start:index])  # the fragments are at `at`
        flat_parts += parts[start : index + 1]
        flat_deflated += deflated_parts[start : index + 1]
        for filled in cast(Fragments, values[index]):
            template = filled.template
            flat_values.append(b"")
            flat_values += (v.encode() for v in filled.values)
            flat_parts += template.parts
            flat_deflated += template.deflated_parts
        flat_values.append(b"")
        start = index + 1
    flat_values += cast(list[bytes], values[start:])
    flat_parts += parts[start:]
    flat_deflated += deflated_parts[start:]
    return flat_values, tuple(flat_parts), tuple(flat_deflated)


def _gzip_member(pieces: list[bytes], crc: int, size: int) -> bytes:
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
    return b"".join((_GZIP_HEADER, *pieces, _FINAL_EMPTY_BLOCK, trailer))


@dataclass(frozen=True)
class Filled:
    """A small template (one item) with its values, put in a slot whole.

    Its parts were deflated once with the template, so a request deflates only the values
    (a date, an id), not the item's text.
    """

    template: FeedTemplate
    values: tuple[str, ...]  # one per slot of `template`


Fragments = tuple[Filled, ...]
Value = str | Fragments


def _encoded(value: Value) -> bytes | Fragments:
    return value.encode() if isinstance(value, str) else value


def _pieces(fragments: Fragments) -> list[tuple[bytes, bytes | None]]:
    """(raw, deflated or None) in order: each fragment's parts and values interleaved."""
    out: list[tuple[bytes, bytes | None]] = []
    for filled in fragments:
        template = filled.template
        out.append((template.parts[0], template.deflated_parts[0]))
        for value, part, deflated in zip(
            filled.values, template.parts[1:], template.deflated_parts[1:], strict=True
        ):
            out += ((value.encode(), None), (part, deflated))
    return out
