"""Feed tokens: long enough, URL-safe, derived under the secret, never stored."""

from __future__ import annotations

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
