"""The two HLS playlists written from an episode's facts rather than stored: the
multivariant playlist that lists the renditions, and the subtitles playlist of its WebVTT
transcript (RFC 8216, sections 4.4.6 and 4.4.3).

Both name their files relatively, so one text serves every member: a player resolves
`<guid>.hls.720.m3u8` against the URL it fetched the multivariant playlist from, which
already carries that member's token.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIME = "application/vnd.apple.mpegurl"


@dataclass(frozen=True)
class Variant:
    """One rendition as the multivariant playlist names it."""

    uri: str
    bandwidth: int
    average_bandwidth: int
    codecs: str
    width: int
    height: int


def multivariant_playlist(
    variants: Sequence[Variant], subtitles_uri: str | None = None, language: str = "en"
) -> str:
    """The playlist a player opens first; highest rendition first, as Apple lists them."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    group = ""
    if subtitles_uri:
        lines.append(
            '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Transcript",DEFAULT=NO,'
            f'AUTOSELECT=YES,LANGUAGE="{_quoted(language)}",URI="{_quoted(subtitles_uri)}"'
        )
        group = ',SUBTITLES="subs"'
    for variant in sorted(variants, key=lambda v: v.height, reverse=True):
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={max(1, variant.bandwidth)},"
            f"AVERAGE-BANDWIDTH={max(1, variant.average_bandwidth)},"
            f'CODECS="{_quoted(variant.codecs)}",RESOLUTION={variant.width}x{variant.height}'
            f"{group}"
        )
        lines.append(variant.uri)
    return "\n".join(lines) + "\n"


def subtitles_playlist(duration: float, vtt_uri: str) -> str:
    """The whole WebVTT transcript as the one segment of a subtitles rendition."""
    return "\n".join(
        [
            "#EXTM3U",
            "#EXT-X-VERSION:7",
            f"#EXT-X-TARGETDURATION:{max(1, math.ceil(duration))}",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            f"#EXTINF:{duration:.3f},",
            vtt_uri,
            "#EXT-X-ENDLIST",
            "",
        ]
    )


def _quoted(value: str) -> str:
    """A quoted-string attribute may hold neither a double quote nor a line break."""
    return "".join(c for c in value if c not in '"\r\n')
