"""Staff and technician PINs: scrypt hashes in the keyring, and a lockout that survives a restart.

A PIN is 4 to 12 digits. Its hash (`scrypt$n$r$p$salt$hash`, base64 parts) lives in the OS keyring
under `secrets.STAFF_PIN_HASH` or `secrets.TECH_PIN_HASH`; the PIN itself is never stored or logged.
Five wrong PINs in a row lock entry for five minutes. The lockout is kept in a small file under
`paths.state_dir()` and measured on the wall clock, so pulling the plug does not lift it; a clock
set back cannot stretch it beyond five minutes, and an unreadable lockout file counts as a lockout
(fail closed) rather than as a clean slate.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kiosk import paths, secrets
from kiosk.atomic import write_text_atomically
from kiosk.clock import Clock, SystemClock

log = logging.getLogger(__name__)

Role = Literal["staff", "technician"]
# The technician's PIN is checked first: it opens more, so it must never be shadowed.
ROLES: tuple[Role, ...] = ("technician", "staff")
SECRET_NAMES: dict[Role, str] = {"technician": secrets.TECH_PIN_HASH, "staff": secrets.STAFF_PIN_HASH}

MAX_FAILURES = 5
LOCKOUT_SECONDS = 300
PIN_MIN, PIN_MAX = 4, 12
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_MAX_N = 2**20  # a tampered hash must not make one check take minutes
STATE_FILE = "staff-entry.json"


class PinError(ValueError):
    """A PIN that cannot be set (wrong shape, or the same as the other role's)."""


@dataclass(frozen=True)
class Lockout:
    failures: int
    locked_until: float  # wall-clock seconds since the epoch; 0 when not locked


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _pin_bytes(pin: str) -> bytes:
    return pin.encode("utf-8")


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """The stored form of `pin`: scrypt with a random 16-byte salt."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(_pin_bytes(pin), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches `stored`; raises ValueError when `stored` is not a hash we wrote."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ValueError("not an scrypt PIN hash")
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        raise ValueError("PIN hash is corrupted") from None
    if not (2 <= n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 4 and salt and expected):
        raise ValueError("PIN hash has unusable parameters")
    digest = hashlib.scrypt(_pin_bytes(pin), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=2**27)
    return hmac.compare_digest(digest, expected)


def valid_pin_shape(pin: str) -> bool:
    return PIN_MIN <= len(pin) <= PIN_MAX and pin.isascii() and pin.isdigit()


class StaffAuth:
    """Checks PINs typed on the kiosk's PIN pad, and keeps the lockout."""

    def __init__(self, clock: Clock | None = None, state_path: Path | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self._state_path = state_path

    @property
    def state_path(self) -> Path:
        return self._state_path or paths.state_dir() / STATE_FILE

    # --- provisioning ---

    def set_pin(self, role: Role, pin: str) -> None:
        """Store the hash of `pin` for `role`. Raises PinError, or SecretsError when the keyring fails."""
        if role not in SECRET_NAMES:
            raise PinError(f"unknown role {role!r}")
        if not valid_pin_shape(pin):
            raise PinError(f"a PIN is {PIN_MIN} to {PIN_MAX} digits")
        other: Role = "staff" if role == "technician" else "technician"
        other_hash = secrets.get_secret(SECRET_NAMES[other])
        if other_hash is not None and self._matches(pin, other_hash, other):
            raise PinError(f"the {role} PIN must differ from the {other} PIN")
        secrets.set_secret(SECRET_NAMES[role], hash_pin(pin))
        log.info("%s PIN set", role)

    def provisioned(self) -> bool:
        """True when at least one PIN is stored (raises SecretsError when the keyring cannot be read)."""
        return any(secrets.get_secret(name) is not None for name in SECRET_NAMES.values())

    # --- checking ---

    def verify(self, pin: str) -> Role | None:
        """The role whose PIN this is, or None (wrong PIN, locked out, or nothing provisioned).

        A wrong PIN counts towards the lockout; a PIN typed while locked out is not even checked.
        Raises SecretsError when the keyring cannot be read.
        """
        if self.locked_for() > 0:
            return None
        stored = {role: secrets.get_secret(SECRET_NAMES[role]) for role in ROLES}
        if all(value is None for value in stored.values()):
            return None
        found: Role | None = None
        for role in ROLES:  # every stored hash is computed, so the time taken does not tell which matched
            value = stored[role]
            if value is not None and self._matches(pin, value, role) and found is None:
                found = role
        if found is not None:
            self._write(Lockout(0, 0.0))
            log.info("staff entry: %s authenticated", found)
            return found
        self._record_failure()
        return None

    def _matches(self, pin: str, stored: str, role: Role) -> bool:
        try:
            return check_pin(pin, stored)
        except ValueError:
            log.error("the %s PIN hash in the keyring is corrupted; run 'kiosk provision' to set it again", role)
            return False

    # --- lockout ---

    def lockout(self) -> Lockout:
        return self._read()

    def failures(self) -> int:
        return self._read().failures

    def locked_for(self) -> float:
        """Seconds until PINs are accepted again (0 when entry is open)."""
        state = self._read()
        return max(0.0, state.locked_until - self._now())

    def _record_failure(self) -> None:
        state = self._read()
        failures = state.failures + 1
        if failures >= MAX_FAILURES:
            self._write(Lockout(0, self._now() + LOCKOUT_SECONDS))
            log.warning("staff entry locked for %d minutes after %d wrong PINs", LOCKOUT_SECONDS // 60, failures)
        else:
            self._write(Lockout(failures, 0.0))
            log.warning("wrong staff PIN (%d of %d before the lockout)", failures, MAX_FAILURES)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _read(self) -> Lockout:
        now = self._now()
        try:
            raw = json.loads(self.state_path.read_text("utf-8"))
            failures = int(raw["failures"])
            locked_until = float(raw["locked_until"])
            if failures < 0 or locked_until < 0:
                raise ValueError("negative")
        except FileNotFoundError:
            return Lockout(0, 0.0)
        except (OSError, ValueError, TypeError, KeyError):
            log.warning("the staff lockout file is unreadable; entry is locked for %d minutes",
                        LOCKOUT_SECONDS // 60)
            state = Lockout(0, now + LOCKOUT_SECONDS)
            with contextlib.suppress(OSError):  # still locked for this process even if it cannot be written
                self._write(state)
            return state
        if locked_until > now + LOCKOUT_SECONDS:  # the clock was set back: never longer than one lockout
            locked_until = now + LOCKOUT_SECONDS
            self._write(Lockout(failures, locked_until))
        return Lockout(failures, locked_until)

    def _write(self, state: Lockout) -> None:
        write_text_atomically(self.state_path,
                              json.dumps({"failures": state.failures, "locked_until": state.locked_until}))
