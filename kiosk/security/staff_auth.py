"""Staff and technician PINs: scrypt hashes in the keyring, and a lockout that survives a restart.

A PIN is 6 to 12 digits and not an easily guessed one (one digit repeated, a run such as 234567, a short
pattern repeated such as 121212, or a common PIN). Its hash (`scrypt$n$r$p$salt$hash`, base64 parts) lives in
the OS keyring under `secrets.STAFF_PIN_HASH` or `secrets.TECH_PIN_HASH`; the PIN itself is never stored or
logged.

Four wrong PINs are free; the fifth locks entry for 1 minute, and every wrong PIN after it for longer
(5 minutes, 30 minutes, then 2 hours each time). The count of wrong PINs only goes back to zero when a right PIN is
typed, so waiting out a lockout buys one more guess, not five. The count and the lockout are kept in a small
file under `paths.state_dir()` and measured on the wall clock, so pulling the plug does not lift them; a
clock set back cannot stretch a lockout beyond its step, and an unreadable lockout file counts as a lockout
(fail closed) rather than as a clean slate. When the file cannot be written (a full disk), the count is kept
in memory: PINs are still checked and wrong ones still lock, without an error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import itertools
import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kiosk.files import paths
from kiosk.files.atomic import write_text_atomically
from kiosk.security import keyfile, secrets
from kiosk.workdays.clock import Clock, SystemClock

log = logging.getLogger(__name__)

Role = Literal["staff", "technician"]
# The technician's PIN is checked first: it opens more, so it must never be shadowed.
ROLES: tuple[Role, ...] = ("technician", "staff")
SECRET_NAMES: dict[Role, str] = {"technician": secrets.TECH_PIN_HASH, "staff": secrets.STAFF_PIN_HASH}

MAX_FAILURES = 5  # the wrong PIN that brings the first lockout
LOCKOUT_STEPS = (60, 300, 1800, 7200)  # seconds locked after wrong PIN number 5, 6, 7 and from 8 on
PIN_MIN, PIN_MAX = 6, 12
# Well-known PINs that no rule below catches (lists of leaked PINs put these near the top).
COMMON_PINS = frozenset({
    "112233", "123321", "102030", "159753", "147258", "258369", "159357", "753951", "147852", "963852",
    "852456", "654123", "321654", "789456", "456789", "100200", "520520", "131420", "998877", "778899",
    "112358", "314159", "271828", "200000", "100000", "999000", "696969", "123654", "147369", "110110",
})
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


def weak_pin_reason(pin: str) -> str | None:
    """Why `pin` is too easy to guess (for the technician setting it), or None when it will do."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if len(set(pin)) == 1:
        return "one digit repeated"
    if steps in ({1}, {9}):
        return "a run of consecutive digits"
    for period in (2, 3):
        if len(pin) % period == 0 and pin == pin[:period] * (len(pin) // period):
            return "a short pattern repeated"
    if pin in COMMON_PINS or pin[::-1] in COMMON_PINS:
        return "a commonly used PIN"
    if len(set(pin)) <= 2:
        return "only two different digits"
    return None


def check_new_pin(pin: str) -> None:
    """Raise PinError unless `pin` may be set as a staff or technician PIN."""
    if not valid_pin_shape(pin):
        raise PinError(f"a PIN is {PIN_MIN} to {PIN_MAX} digits")
    reason = weak_pin_reason(pin)
    if reason is not None:
        raise PinError(f"this PIN is too easy to guess ({reason}); choose {PIN_MIN} or more digits without a pattern")


def lockout_seconds(failures: int) -> int:
    """How long entry stays locked after the wrong PIN number `failures` (0 while the free tries last)."""
    if failures < MAX_FAILURES:
        return 0
    return LOCKOUT_STEPS[min(failures - MAX_FAILURES, len(LOCKOUT_STEPS) - 1)]


class StaffAuth:
    """Checks PINs typed on the kiosk's PIN pad, and keeps the lockout."""

    def __init__(self, clock: Clock | None = None, state_path: Path | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self._state_path = state_path
        self._unsaved: Lockout | None = None  # the state this process could not write (full disk)

    @property
    def state_path(self) -> Path:
        return self._state_path or paths.state_dir() / STATE_FILE

    # --- provisioning ---

    def set_pin(self, role: Role, pin: str) -> None:
        """Store the hash of `pin` for `role`. Raises PinError, or SecretsError when the keyring fails."""
        if role not in SECRET_NAMES:
            raise PinError(f"unknown role {role!r}")
        check_new_pin(pin)
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

    def tries_left(self) -> int:
        """Wrong PINs that can still be typed before entry locks (at least 1 when entry is open)."""
        return max(1, MAX_FAILURES - self.failures())

    def _record_failure(self) -> None:
        failures = self._read().failures + 1
        seconds = lockout_seconds(failures)
        self._write(Lockout(failures, self._now() + seconds if seconds else 0.0))
        if seconds:
            log.warning("staff entry locked for %d minute(s) after %d wrong PINs", seconds // 60, failures)
        else:
            log.warning("wrong staff PIN (%d of %d before the lockout)", failures, MAX_FAILURES)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _read(self) -> Lockout:
        if self._unsaved is not None:
            return self._clamped(self._unsaved)
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
            failures = MAX_FAILURES + 1
            log.warning("the staff lockout file is unreadable; entry is locked for %d minutes",
                        lockout_seconds(failures) // 60)
            state = Lockout(failures, now + lockout_seconds(failures))
            self._write(state)
            return state
        return self._clamped(Lockout(failures, locked_until))

    def _clamped(self, state: Lockout) -> Lockout:
        """A clock set back cannot make a lockout longer than its step."""
        longest = self._now() + lockout_seconds(max(state.failures, MAX_FAILURES))
        if state.locked_until > longest:
            state = Lockout(state.failures, longest)
            self._write(state)
        return state

    def _write(self, state: Lockout) -> None:
        """Keep `state`; on a full or read-only disk it is kept in memory for this process, and never raises."""
        try:
            write_text_atomically(self.state_path,
                                  json.dumps({"failures": state.failures, "locked_until": state.locked_until}))
        except OSError as exc:
            if self._unsaved is None:
                log.error("the staff lockout cannot be saved (%s); it is kept in memory until it can",
                          type(exc).__name__)
            self._unsaved = state
            return
        self._unsaved = None


# --- what the console lets a technician set -----------------------------------------------------------

PRINTER_OUTPUT_DIR = "printer"  # the one folder under the data dir a file or PDF printer may write into
PRINTER_PORTS = range(9100, 9110)  # raw printing (JetDirect) ports
_DEVICE = re.compile(r"/dev/usb/lp[0-9]{1,2}")
_SERIAL = re.compile(r"/dev/tty(USB|ACM|S)[0-9]{1,2}(@[0-9]{3,7})?")
_QUEUE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_USB_ID = re.compile(r"[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}")


def printer_target_refusal(kind: str, address: str) -> str | None:  # noqa: C901 (one branch per printer kind and address form)
    """Why the staff console may not send receipts to this printer (None when it may).

    Only technicians change the printer, and only to a printer: a raw port of a machine on the private
    LAN, a USB or serial printer device, a CUPS queue name, or a file in the data dir's `printer` folder
    (a dry run). Never a host on the Internet or this machine, never another file of the kiosk (the outbox,
    the secrets file, the settings).
    """
    address = address.strip()
    if kind == "none" or (kind in ("system", "pdf") and not address):  # no printer, or the system's defaults
        return None
    if not address:
        return f"a {kind} printer needs an address"
    if kind == "network":
        host, sep, port = address.rpartition(":")
        if not sep or "]" in port:
            host, port = address, "9100"
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return "give the printer's IP address on the local network (e.g. 192.168.1.50:9100)"
        if not ip.is_private or ip.is_loopback or ip.is_unspecified or ip.is_link_local:
            return f"{ip} is not a printer on the local network"
        if not port.isdigit() or int(port) not in PRINTER_PORTS:
            return f"a network printer listens on a port from {PRINTER_PORTS[0]} to {PRINTER_PORTS[-1]}"
        return None
    if kind == "usb":
        return None if _USB_ID.fullmatch(address) else "give the USB printer as vendor:product (e.g. 0416:5011)"
    if kind == "serial":
        return None if _SERIAL.fullmatch(address) else "give a serial port such as /dev/ttyUSB0@9600"
    if kind == "system":
        return None if _QUEUE.fullmatch(address) else "give the name of a CUPS print queue"
    if kind == "file" and _DEVICE.fullmatch(address):
        return None
    if kind in ("file", "pdf"):
        allowed = (paths.data_dir() / PRINTER_OUTPUT_DIR).resolve()
        target = Path(address).resolve()
        secrets_file = keyfile.path().resolve()
        if target == secrets_file or secrets_file.parent in (target, *target.parents):
            return "not the secrets file"
        if target == allowed or allowed in target.parents:
            return None
        return f"a {kind} printer writes only under {allowed} (or to /dev/usb/lp0)"
    return f"unknown printer kind {kind!r}"
