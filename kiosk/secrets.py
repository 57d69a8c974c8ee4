"""Secrets in the OS keyring: the outbox key, the portal client secret, the staff PIN hash.

Nothing secret is kept in configuration files. A missing or corrupted keyring entry stops start-up
with a message for the technician; the kiosk never falls back to storing personal data in plaintext.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os

from kiosk import keyfile

log = logging.getLogger(__name__)

SERVICE = "community-kiosk"
OUTBOX_KEY = "outbox-key"
PORTAL_SECRET = "portal-client-secret"
STAFF_PIN_HASH = "staff-pin-hash"
TECH_PIN_HASH = "technician-pin-hash"


class SecretsError(Exception):
    """The keyring cannot give what the kiosk needs; the message tells the technician what to do."""


def _get(name: str) -> str | None:
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
