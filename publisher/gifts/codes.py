"""Gift codes: 80 random bits a person can read out and type, stored only as a hash.

Sixteen characters of Crockford's base32 (no I, L, O or U to misread), shown in four groups
(`GIFT-7K2M-…`); typing is forgiving: case, spaces, dashes and the look-alikes O/0 and I/L/1
all normalise to the same code.
"""

from __future__ import annotations

import hashlib
import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_LENGTH = 16  # 16 characters x 5 bits = 80 bits
PREFIX = "GIFT"


def new_code() -> str:
    """A fresh code, formatted for reading: GIFT-XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join([PREFIX, *(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))])


def normalise(typed: str) -> str | None:
    """The code's 16 characters from however it was typed, or None if it cannot be one."""
    cleaned = "".join(typed.upper().split()).replace("-", "")
    cleaned = cleaned.removeprefix(PREFIX).translate(_LOOK_ALIKES)
    if len(cleaned) != CODE_LENGTH or any(c not in _ALPHABET for c in cleaned):
        return None
    return cleaned


def code_hash(typed: str) -> str | None:
    """What is stored and looked up: SHA-256 of the normalised code (80 random bits)."""
    code = normalise(typed)
    return None if code is None else hashlib.sha256(code.encode()).hexdigest()
