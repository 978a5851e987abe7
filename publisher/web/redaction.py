"""Bearer secrets out of logs: feed and media tokens, sign-in links, checkout session ids.

Whoever holds one of these URLs can listen, sign in or see a new member's links, so an
access log that keeps them is a copy of every member's keys. `redact` rewrites a request
line (or a Referer) before it is logged; public paths (the teaser feed and media, notice
audio, the cover) are left readable.
"""

from __future__ import annotations

import re

_PATTERNS = (
    (re.compile(r"/feeds/(?!teaser\.xml)[^/\s?#]+/"), "/feeds/[token]/"),
    (re.compile(r"/media/(?!teaser/|notice/|cover\.png)[^/\s?#]+/"), "/media/[token]/"),
    (re.compile(r"/account/sign-in/[^/\s?#]+"), "/account/sign-in/[link]"),
    (re.compile(r"([?&](?:session_id|token)=)[^&\s#\"]+"), r"\1[redacted]"),
)


def redact(text: str) -> str:
    """`text` with every token-bearing part of a URL replaced by a placeholder."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
