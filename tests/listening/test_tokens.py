"""Feed tokens: long enough, URL-safe, derived under the secret, never stored."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from auth.tokens import (
    TOKEN_LENGTH,
    derive_token,
    looks_like_token,
    lookup_hash,
    new_nonce,
    token_matches,
)


def test_tokens_carry_at_least_128_bits_and_are_url_safe() -> None:
    token = derive_token("secret-one", new_nonce())
    assert len(token) == TOKEN_LENGTH and TOKEN_LENGTH * 6 >= 128
    assert looks_like_token(token)


def test_the_same_nonce_gives_another_token_under_another_secret() -> None:
    nonce = new_nonce()
    assert derive_token("secret-one", nonce) != derive_token("secret-two", nonce)
    assert derive_token("secret-one", nonce) == derive_token("secret-one", nonce)


def test_nonces_never_repeat() -> None:
    assert len({new_nonce() for _ in range(1000)}) == 1000


def test_the_lookup_hash_is_not_the_token_and_the_check_is_exact() -> None:
    nonce = new_nonce()
    token = derive_token("s", nonce)
    assert token not in lookup_hash(token) and nonce not in token
    assert token_matches("s", nonce, token)
    assert not token_matches("s", nonce, token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_junk_is_not_a_token() -> None:
    for junk in ("", "short", "x" * 31, "x" * 33, "a" * 31 + "/", "../" + "a" * 29):
        assert not looks_like_token(junk)


# Known answers: HMAC-SHA256(secret, "feed-token:" + nonce), URL-safe base64, first 32
# characters. Changing the derivation changes every member's feed URL, so it is pinned.
KNOWN_TOKENS = [
    ("secret-one", "nonce-A", "rKCSLgQSgrxdxyjglDQYqJIERBcHFWM5"),
    (
        "test-secret-key-that-is-long-enough-0123456789",
        "kH3v_0xQ",
        "yasCv_omAmWmmSpN1RAfCygg9wwF26Cf",
    ),
    ("ключ", "ноnce", "q6SQirD7Rehp_AJvxVUmbusFLPoDtNqH"),
]


def independent_token(secret: str, nonce: str) -> str:
    """The documented derivation, written out here without the code under test."""
    mac = hmac.new(secret.encode("utf-8"), b"feed-token:" + nonce.encode("utf-8"), "sha256")
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii")[:32]


@pytest.mark.parametrize(("secret", "nonce", "token"), KNOWN_TOKENS)
def test_derive_token_gives_the_known_answers(secret: str, nonce: str, token: str) -> None:
    assert independent_token(secret, nonce) == token  # the table itself is right
    assert derive_token(secret, nonce) == token
    assert token_matches(secret, nonce, token)
    assert lookup_hash(token) == hashlib.sha256(token.encode("ascii")).hexdigest()


def test_derive_token_matches_the_documented_derivation_for_fresh_nonces() -> None:
    for _ in range(50):
        nonce = new_nonce()
        assert derive_token("s3cret", nonce) == independent_token("s3cret", nonce)


def test_token_matches_refuses_every_near_miss() -> None:
    secret, nonce, token = KNOWN_TOKENS[0]
    assert token_matches(secret, nonce, token)
    assert not token_matches(secret + "x", nonce, token)
    assert not token_matches(secret, nonce + "x", token)
    for i in range(len(token)):
        other = "A" if token[i] != "A" else "B"
        assert not token_matches(secret, nonce, token[:i] + other + token[i + 1 :])
    assert not token_matches(secret, nonce, token + "A")
    assert not token_matches(secret, nonce, "")


def test_nonces_carry_256_random_bits_in_url_safe_text() -> None:
    nonce = new_nonce()
    assert len(base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4))) == 32
    assert looks_like_token("A" * TOKEN_LENGTH) and looks_like_token("-_" * (TOKEN_LENGTH // 2))


def test_a_token_with_a_trailing_newline_is_not_token_shaped() -> None:
    assert looks_like_token("A" * 32)
    assert not looks_like_token("A" * 32 + "\n")
