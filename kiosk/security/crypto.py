"""Authenticated encryption (AES-256-GCM) of personal data kept on disk."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"
_NONCE = 12


class DecryptionError(Exception):
    """The data was not sealed with this key, or has been altered."""


class Sealer:
    """Seals bytes with a random nonce; `associated` binds a ciphertext to its row."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("key must be 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated: bytes = b"") -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, associated)

    def open(self, sealed: bytes, associated: bytes = b"") -> bytes:
        if len(sealed) < 1 + _NONCE + 16 or sealed[:1] != _VERSION:
            raise DecryptionError("not a sealed value")
        nonce = sealed[1 : 1 + _NONCE]
        try:
            return self._aead.decrypt(nonce, sealed[1 + _NONCE :], associated)
        except InvalidTag:
            raise DecryptionError("wrong key or altered data") from None
