"""Signed, self-contained credentials: kiosks' access tokens and staff sessions.

Both are `payload.signature` with HMAC-SHA256 under the key in the database's `service_keys` table, so any
service process can check what another issued; nothing is kept in memory between requests. Staff passwords
are stored as scrypt hashes (the kiosk's PIN hashing), kiosk secrets (long and random) as salted SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from kiosk.security.staff_auth import check_pin, hash_pin

TOKEN_TTL_S = 3600
SESSION_TTL_S = 8 * 3600


KIOSK_SECRET_MIN = 16


def hash_password(password: str) -> str:
    """Staff passwords are chosen by people: scrypt, slow on purpose."""
    return hash_pin(password)


def check_password(password: str, stored: str) -> bool:
    try:
        return check_pin(password, stored)
    except ValueError:
        return False


def hash_kiosk_secret(secret: str) -> str:
    """Kiosk secrets are long random strings, so a salted SHA-256 is enough and a token costs no CPU to speak
    of: a fleet restarting together asks for a thousand tokens at once."""
    if len(secret) < KIOSK_SECRET_MIN:
        raise ValueError(f"a kiosk secret has at least {KIOSK_SECRET_MIN} characters (make it random)")
    salt = secrets.token_bytes(16)
    return f"sha256${_b64(salt)}${_b64(hashlib.sha256(salt + secret.encode()).digest())}"


def check_kiosk_secret(secret: str, stored: str) -> bool:
    kind, _, rest = stored.partition("$")
    salt, _, digest = rest.partition("$")
    if kind != "sha256" or not salt or not digest:
        return False
    try:
        expected = _unb64(digest)
        return hmac.compare_digest(hashlib.sha256(_unb64(salt) + secret.encode()).digest(), expected)
    except ValueError:
        return False


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, purpose: str, claims: dict[str, Any], ttl_s: int, now: float | None = None) -> str:
    body = dict(claims, purpose=purpose, exp=int((now or time.time()) + ttl_s))
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def verify(key: bytes, purpose: str, token: str, now: float | None = None) -> dict[str, Any] | None:
    """The claims of a token this service signed for `purpose` and that has not expired, else None."""
    payload, _, mac = token.partition(".")
    try:
        expected = hmac.new(key, payload.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        claims = json.loads(_unb64(payload))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(claims, dict) or claims.get("purpose") != purpose:
        return None
    if not isinstance(claims.get("exp"), int) or claims["exp"] < (now or time.time()):
        return None
    return claims


@dataclass(frozen=True)
class Staff:
    username: str
    role: str  # "city" sees every kiosk; "ward" the kiosks of `ward`
    ward: str | None
    display_name: str

    def sees(self, kiosk_ward: str) -> bool:
        return self.role == "city" or kiosk_ward == self.ward


def csrf_token(key: bytes, session: str) -> str:
    """The value forms must echo: tied to the session cookie, so another site cannot forge it."""
    return _b64(hmac.new(key, f"csrf:{session}".encode(), hashlib.sha256).digest())
