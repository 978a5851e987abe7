"""The IAB Podcast Measurement Technical Guidelines (v2.2) as plain functions.

https://iabtechlab.com/standards/podcast-measurement-guidelines/ : a download is a GET
for at least the first minute of audio (1-byte probes and HEAD never count), by a client
that is not a known bot, counted once per client IP address, user agent and episode in
24 hours. Range requests of one client are added together towards the minute.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import timedelta

DEDUP_WINDOW = timedelta(hours=24)
MINUTE = 60.0
_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def requested_bytes(method: str, range_header: str | None, size: int) -> int:
    """How many bytes the request asked for: 0 for HEAD, the ranges' total, or the file."""
    if method != "GET":
        return 0
    if not range_header:
        return size
    unit, _, specs = range_header.partition("=")
    if unit.strip().lower() != "bytes":
        return size  # an unknown unit is ignored by the server, which sends the whole file
    total = 0
    for spec in specs.split(","):
        total += _one_range(spec, size)
    return min(total, size)


def _one_range(spec: str, size: int) -> int:
    match = _RANGE.match(spec)
    if match is None:
        return 0
    first, last = match.groups()
    if first == "" and last == "":
        return 0
    if first == "":  # suffix: the last N bytes
        return min(int(last), size)
    start = int(first)
    if start >= size:
        return 0
    end = min(int(last), size - 1) if last else size - 1
    return max(0, end - start + 1)


def minimum_bytes(size: int, duration: float, bitrate: int | None) -> int:
    """The bytes up to the end of the first minute of audio (the whole file if shorter).

    The stored file starts with its tags (cover art can be hundreds of kilobytes), so the
    minute is counted from the end: everything but the audio after the first minute.
    """
    if duration <= MINUTE or size <= 0:
        return max(size, 1)
    per_second = (bitrate / 8) if bitrate else size / duration
    after_first_minute = int((duration - MINUTE) * per_second)
    return max(1, min(size, size - after_first_minute))


def network_of(address: str) -> str:
    """The client's network as the shared-link rule counts it: IPv4 /24, IPv6 /48."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
