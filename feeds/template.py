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

from feeds.model import MEMBER_NAME_PLACEHOLDER, PLACEHOLDERS, TOKEN_PLACEHOLDER

_SPLIT = re.compile(b"(" + b"|".join(re.escape(p.encode()) for p in PLACEHOLDERS) + b")")
# ID1 ID2, CM=deflate, no flags, MTIME=0, XFL=0, OS=unknown.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a last, empty block with fixed Huffman codes


def _deflate_flushed(data: bytes, level: int = 6) -> bytes:
    """Raw deflate blocks for `data`, byte-aligned and independent of anything around them."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


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

    def _values(self, token: str, extra: Mapping[str, str] | None) -> list[bytes]:
        values = {TOKEN_PLACEHOLDER: token, **(extra or {})}
        missing = set(self.slots) - values.keys()
        if missing:
            raise KeyError(f"no value for {', '.join(sorted(missing))}")
        return [values[slot].encode() for slot in self.slots]

    def personalise(self, token: str, extra: Mapping[str, str] | None = None) -> bytes:
        """The member's feed: every placeholder replaced (the token, and `extra`'s)."""
        if self.token_only:  # the usual feed: one join, in C
            return token.encode().join(self.parts)
        values = self._values(token, extra)
        out = [self.parts[0]]
        for value, part in zip(values, self.parts[1:], strict=True):
            out += (value, part)
        return b"".join(out)

    def personalise_gzip(self, token: str, extra: Mapping[str, str] | None = None) -> bytes:
        """`gzip.compress(self.personalise(...))`, without compressing the feed again."""
        values = self._values(token, extra)
        deflated = {value: _deflate_flushed(value) for value in set(values)}
        crc = zlib.crc32(self.parts[0])
        pieces = [self.deflated_parts[0]]
        for value, part, deflated_part in zip(
            values, self.parts[1:], self.deflated_parts[1:], strict=True
        ):
            crc = zlib.crc32(part, zlib.crc32(value, crc))
            pieces += (deflated[value], deflated_part)
        size = sum(map(len, self.parts)) + sum(map(len, values))
        trailer = struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
        return b"".join((_GZIP_HEADER, *pieces, _FINAL_EMPTY_BLOCK, trailer))
