"""Text from members, made safe for the producer's terminal and spreadsheet.

Member addresses come from Stripe Checkout, where anyone types anything: an address holding
escape sequences could rewrite the producer's terminal, and a CSV cell starting with `=`,
`+`, `-` or `@` is a formula to Excel, LibreOffice and Google Sheets
(https://owasp.org/www-community/attacks/CSV_Injection).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def printable(text: Any) -> str:
    """`text` with control characters (ESC, CR, …) shown as escapes instead of obeyed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a leading formula character gets a `'` before it."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def moment(value: datetime | str | None) -> str:
    """A time as every command prints one, `2026-12-09 09:00 UTC`; `-` when there is none."""
    if value is None or value == "":
        return "-"
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{when:%Y-%m-%d %H:%M} UTC"
