"""A keyring backend for machines without a desktop secret service.

A kiosk running under `cage` has no GNOME Keyring or KWallet. This backend keeps secrets in a
file only its user can read (mode 0600), in a directory separate from the data directory, so a
copy of the outbox alone does not reveal personal data. Select it with
`PYTHON_KEYRING_BACKEND=kiosk.keystore.LocalFileKeyring`; `KIOSK_KEYRING_DIR` sets the directory.
"""

from __future__ import annotations

from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from kiosk.security import keyfile


class LocalFileKeyring(KeyringBackend):
    """The `keyring` face of `kiosk.security.keyfile` (which start-up uses directly, without importing keyring)."""

    priority = 0.1  # only when chosen explicitly or nothing better exists

    @property
    def path(self) -> Path:
        return keyfile.path()

    def get_password(self, service: str, username: str) -> str | None:
        try:
            return keyfile.get(service, username)
        except keyfile.KeyFileError as exc:
            raise KeyringError(str(exc)) from None

    def set_password(self, service: str, username: str, password: str) -> None:
        try:
            keyfile.put(service, username, password)
        except keyfile.KeyFileError as exc:
            raise KeyringError(str(exc)) from None

    def delete_password(self, service: str, username: str) -> None:
        try:
            keyfile.delete(service, username)
        except keyfile.MissingSecretError:
            raise PasswordDeleteError("no such secret") from None
        except keyfile.KeyFileError as exc:
            raise KeyringError(str(exc)) from None
