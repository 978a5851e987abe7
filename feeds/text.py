"""Producer text made safe for XML before feedgen sees it.

XML 1.0 forbids most control characters outright (lxml refuses them), so a title pasted
with a stray form feed or NUL would otherwise fail the whole feed. Escaping of `& < > " '`
is lxml's job; this module only removes what cannot be escaped at all.
https://www.w3.org/TR/xml/#charsets
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from feeds.model import PLACEHOLDERS

# Everything outside XML 1.0's Char production: C0 controls except tab, LF and CR; lone
# surrogates; U+FFFE and U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str | None) -> str:
    """`text` without XML-illegal characters and without any per-request placeholder."""
    cleaned = _ILLEGAL.sub("", text or "")
    # Removing one placeholder could join two halves into a new one, so repeat until stable.
    while any(p in cleaned for p in PLACEHOLDERS):
        for placeholder in PLACEHOLDERS:
            cleaned = cleaned.replace(placeholder, "")
    return cleaned


def one_line(text: str | None) -> str:
    """A title-like value: cleaned, with runs of whitespace (newlines too) squashed to one."""
    return " ".join(clean_text(text).split())


def for_member(name: str | None) -> str:
    """What stands for `MEMBER_NAME_PLACEHOLDER` in a member's feed title: ` (for Ann)`,
    escaped for XML text, or nothing for a member without a name."""
    cleaned = one_line(name)
    return f" (for {escape(cleaned)})" if cleaned else ""
