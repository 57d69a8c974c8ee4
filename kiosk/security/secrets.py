"""Secrets in the OS keyring: the outbox key, the portal client secret, the staff PIN hash.

Nothing secret is kept in configuration files. A missing or corrupted keyring entry stops start-up
with a message for the technician; the kiosk never falls back to storing personal data in plaintext.

Sealed to the machine: when `KIOSK_CREDENTIALS_DIR` names a folder (deploy/kiosk.service) and
`systemd-creds` is installed, the outbox key and the portal secret are not kept in the keyring at all but
encrypted with `systemd-creds encrypt` (to the TPM2 when the machine has one, else to the host key in
/var/lib/systemd/credential.secret) as `<name>.cred` files in that folder. The service gets them decrypted
from systemd (`LoadCredentialEncrypted=`, in `$CREDENTIALS_DIRECTORY`); a tool run by root decrypts the file
itself. A copy of the disk's kiosk folders taken to another machine opens neither. Without that folder or
without `systemd-creds`, they stay in the keyring (the secrets file, readable by the kiosk user only):
docs/SECURITY.md says what that does and does not protect.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import shutil
import subprocess
from pathlib import Path

from kiosk.security import keyfile

log = logging.getLogger(__name__)

SERVICE = "community-kiosk"
OUTBOX_KEY = "outbox-key"
PORTAL_SECRET = "portal-client-secret"
STAFF_PIN_HASH = "staff-pin-hash"
TECH_PIN_HASH = "technician-pin-hash"


SEALED = (OUTBOX_KEY, PORTAL_SECRET)  # what is sealed to the machine when it can be
_SEAL_TIMEOUT_S = 30


class SecretsError(Exception):
    """The keyring cannot give what the kiosk needs; the message tells the technician what to do."""


def sealing_dir() -> Path | None:
    """Where sealed credentials live (`KIOSK_CREDENTIALS_DIR`), or None when sealing is not configured."""
    configured = os.environ.get("KIOSK_CREDENTIALS_DIR", "").strip()
    return Path(configured) if configured else None


def can_seal() -> bool:
    return sealing_dir() is not None and shutil.which("systemd-creds") is not None


def _run_creds(*args: str, data: bytes = b"") -> bytes:
    try:
        done = subprocess.run(["systemd-creds", *args], input=data, capture_output=True, check=False,
                              timeout=_SEAL_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SecretsError(f"systemd-creds cannot run ({type(exc).__name__})") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
        raise SecretsError(f"systemd-creds {args[0]}: {reason[0][:200]}")
    return done.stdout


def _sealed(name: str) -> str | None:
    """The value systemd handed to the service, else the sealed file opened here; None when neither exists."""
    handed = os.environ.get("CREDENTIALS_DIRECTORY")
    if handed and (Path(handed) / name).is_file():
        return (Path(handed) / name).read_text("utf-8")
    folder = sealing_dir()
    sealed_file = folder / f"{name}.cred" if folder is not None else None
    if sealed_file is None or not sealed_file.is_file():
        return None
    try:
        return _run_creds("decrypt", f"--name={name}", str(sealed_file), "-").decode("utf-8")
    except SecretsError as exc:
        raise SecretsError(f"the sealed {name} cannot be opened on this machine ({exc}); it was sealed to "
                           "another machine's TPM2 or host key. See docs/SECURITY.md") from None


def _seal(name: str, value: str) -> Path:
    folder = sealing_dir()
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{name}.cred"
    _run_creds("encrypt", "--with-key=auto", f"--name={name}", "-", str(target), data=value.encode("utf-8"))
    return target


def _get(name: str) -> str | None:
    if name in SEALED:
        sealed = _sealed(name)
        if sealed is not None:
            return sealed
    if keyfile.configured():  # as on every kiosk: read the file without importing keyring (start-up time)
        try:
            return keyfile.get(SERVICE, name)
        except keyfile.KeyFileError:
            raise SecretsError(
                "the keyring cannot be read (KeyringError); run 'kiosk doctor' and 'kiosk provision'"
            ) from None
    import keyring
    import keyring.errors

    try:
        return keyring.get_password(SERVICE, name)
    except keyring.errors.KeyringError as exc:
        raise SecretsError(
            f"the keyring cannot be read ({type(exc).__name__}); run 'kiosk doctor' and 'kiosk provision'"
        ) from None


def _set(name: str, value: str) -> None:
    import keyring
    import keyring.errors

    if name in SEALED and can_seal():
        target = _seal(name, value)
        try:  # no copy in clear is left behind in the keyring
            keyring.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            raise SecretsError(f"the keyring cannot drop the unsealed {name} ({type(exc).__name__})") from None
        log.info("%s sealed to this machine in %s", name, target)
        return
    try:
        keyring.set_password(SERVICE, name, value)
    except keyring.errors.KeyringError as exc:
        raise SecretsError(
            f"the keyring cannot store secrets ({type(exc).__name__}); install a keyring backend "
            "(see docs/DEPLOY.md) and run 'kiosk provision'"
        ) from None


def get_secret(name: str) -> str | None:
    return _get(name)


def set_secret(name: str, value: str) -> None:
    _set(name, value)


def outbox_key(create: bool = False) -> bytes:
    """The 256-bit key that encrypts personal data in the outbox."""
    stored = _get(OUTBOX_KEY)
    if stored is None:
        if not create:
            raise SecretsError("no outbox key in the keyring; run 'kiosk provision' on this machine")
        key = os.urandom(32)
        _set(OUTBOX_KEY, base64.b64encode(key).decode("ascii"))
        log.info("created a new outbox key in the keyring")
        return key
    try:
        key = base64.b64decode(stored.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise SecretsError(
            "the outbox key in the keyring is corrupted; stored dossiers cannot be read. "
            "Call the technician: restore the key from the site's backup, or re-provision after sync."
        )
    return key
