"""Encryption of special-category free text at rest, with rotatable keys.

A thin layer over ``cryptography``'s MultiFernet: the first key encrypts, every key
decrypts, and ``rotate`` re-encrypts a token under the first key.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "fernet:"


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def _cipher(keys: Sequence[str]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plain: str, keys: Sequence[str]) -> str:
    return PREFIX + _cipher(keys).encrypt(plain.encode()).decode()


def decrypt(stored: str, keys: Sequence[str]) -> str:
    if not stored.startswith(PREFIX):
        raise DecryptionError("The stored value is not encrypted.")
    try:
        return _cipher(keys).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise DecryptionError("No configured key decrypts this value.") from None


def rotate(stored: str, keys: Sequence[str]) -> str:
    return PREFIX + _cipher(keys).rotate(stored[len(PREFIX) :].encode()).decode()
