"""Bearer secrets out of logs: feed and media tokens, sign-in and gift links, session ids.

Whoever holds one of these URLs can listen, sign in, redeem a gift or see a new member's
links, so an access log that keeps them is a copy of every member's keys. `redact` rewrites a
request line (or a Referer) before it is logged; public paths (the teaser feed and media,
notice audio, the cover) are left readable.

It reads the text as the router does: percent-escapes decoded (`/%66eeds/` is `/feeds/`, and
`%2F` a slash), letters in any case, slashes doubled; decoded control characters are written
back as escapes, so a request cannot forge a log line either.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_SECRET_PATHS = (
    (r"/+feeds/+(?!teaser\.xml)[^/\s?#]+/", "/feeds/[token]/"),
    (r"/+media/+(?!teaser/|notice/|cover\.png)[^/\s?#]+/", "/media/[token]/"),
    (r"/+account/+sign-in/+[^/\s?#]+", "/account/sign-in/[link]"),
    (r"/+gift/+(redeem|card)/+[^/\s?#]+", r"/gift/\1/[code]"),
    (r"/+gift/+claim/+[^/\s?#]+", "/gift/claim/[link]"),
    (r"([?&](?:session_id|token|code)=)[^&\s#\"]+", r"\1[redacted]"),
)
_PATTERNS = tuple((re.compile(p, re.IGNORECASE), r) for p, r in _SECRET_PATHS)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def redact(text: str) -> str:
    """`text` with every token-bearing part of a URL replaced by a placeholder."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", unquote(text))
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
