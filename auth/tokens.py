"""Feed tokens: what a member's private URLs carry, and how the service recognises them.

The database keeps two things per token: a random nonce and a lookup hash. The token a
member sees is HMAC-SHA256(server secret, nonce), so a copy of the database alone cannot
produce a working feed URL, and a leaked URL cannot be turned back into the nonce. Lookups
go by the SHA-256 of the presented token (an equality match on a hash, which reveals
nothing through timing), then the derivation is re-checked in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

# 32 URL-safe base64 characters carry 192 bits, above the 128 a feed token needs.
TOKEN_LENGTH = 32
_TOKEN_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


def new_nonce() -> str:
    """A fresh random input for one token (256 bits from `secrets`)."""
    return secrets.token_urlsafe(32)


def derive_token(secret: str, nonce: str) -> str:
    """The member-visible token for a nonce under this server's secret."""
    digest = hmac.new(secret.encode(), b"feed-token:" + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_LENGTH]


def lookup_hash(token: str) -> str:
    """What the database indexes a token by."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(candidate: str) -> bool:
    """Cheap shape check, so junk never reaches the database."""
    return bool(_TOKEN_SHAPE.fullmatch(candidate))


def token_matches(secret: str, nonce: str, presented: str) -> bool:
    """Constant-time check that `presented` is the token this nonce derives."""
    return hmac.compare_digest(derive_token(secret, nonce), presented)
