"""Signed, self-contained credentials: kiosks' access tokens and staff sessions.

Both are `payload.signature` with HMAC-SHA256 under the key in the database's `service_keys` table, so any
service process can check what another issued; nothing is kept in memory between requests. Secrets and
passwords are stored as scrypt hashes (the kiosk's PIN hashing, `kiosk.security.staff_auth`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from kiosk.security.staff_auth import check_pin, hash_pin

TOKEN_TTL_S = 3600
SESSION_TTL_S = 8 * 3600


def hash_secret(secret: str) -> str:
    return hash_pin(secret)


def check_secret(secret: str, stored: str) -> bool:
    try:
        return check_pin(secret, stored)
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
