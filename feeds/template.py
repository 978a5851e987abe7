"""Personalising a rendered feed per request by substitution, plain or gzipped.

A rendered feed is split once at `TOKEN_PLACEHOLDER`; a member's copy is the parts joined
with their token, with no XML work. For gzip, each part is deflated once with a full flush
(which empties the compressor's history, so no part refers back into its neighbour); a
request deflates only its token and splices the pieces into one valid gzip member
(RFC 1951 blocks may be concatenated; RFC 1952 gives the header and trailer).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from feeds.model import TOKEN_PLACEHOLDER

_PLACEHOLDER = TOKEN_PLACEHOLDER.encode()
# ID1 ID2, CM=deflate, no flags, MTIME=0, XFL=0, OS=unknown.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # a last, empty block with fixed Huffman codes


def _deflate_flushed(data: bytes, level: int = 6) -> bytes:
    """Raw deflate blocks for `data`, byte-aligned and independent of anything around them."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


@dataclass(frozen=True)
class FeedTemplate:
    """A rendered feed ready to be personalised many times."""

    parts: tuple[bytes, ...]
    deflated_parts: tuple[bytes, ...]

    @classmethod
    def from_body(cls, body: bytes) -> FeedTemplate:
        parts = tuple(body.split(_PLACEHOLDER))
        return cls(parts=parts, deflated_parts=tuple(_deflate_flushed(p) for p in parts))

    @property
    def personal(self) -> bool:
        """Whether the feed carries a token at all (the teaser and notices may not)."""
        return len(self.parts) > 1

    def personalise(self, token: str) -> bytes:
        """The member's feed: the placeholder replaced by their token everywhere."""
        return token.encode().join(self.parts)

    def personalise_gzip(self, token: str) -> bytes:
        """`gzip.compress(self.personalise(token))`, without compressing the feed again."""
        raw = token.encode()
        deflated_token = _deflate_flushed(raw) if self.personal else b""
        crc = 0
        for index, part in enumerate(self.parts):
            if index:
                crc = zlib.crc32(raw, crc)
            crc = zlib.crc32(part, crc)
        size = sum(map(len, self.parts)) + len(raw) * (len(self.parts) - 1)
        body = deflated_token.join(self.deflated_parts)
        trailer = struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
        return b"".join((_GZIP_HEADER, body, _FINAL_EMPTY_BLOCK, trailer))
