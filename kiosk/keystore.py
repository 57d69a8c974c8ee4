"""A keyring backend for machines without a desktop secret service.

A kiosk running under `cage` has no GNOME Keyring or KWallet. This backend keeps secrets in a
file only its user can read (mode 0600), in a directory separate from the data directory, so a
copy of the outbox alone does not reveal personal data. Select it with
`PYTHON_KEYRING_BACKEND=kiosk.keystore.LocalFileKeyring`; `KIOSK_KEYRING_DIR` sets the directory.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import platformdirs
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from kiosk.paths import APP_NAME


class LocalFileKeyring(KeyringBackend):
    priority = 0.1  # only when chosen explicitly or nothing better exists

    @property
    def path(self) -> Path:
        base = os.environ.get("KIOSK_KEYRING_DIR") or platformdirs.user_config_dir(APP_NAME, appauthor=False)
        return Path(base) / "secrets.json"

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise KeyringError(f"secrets file unreadable: {type(exc).__name__}") from None
        if not isinstance(data, dict):
            raise KeyringError("secrets file is corrupted")
        return data

    def _save(self, data: dict[str, dict[str, str]]) -> None:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secrets-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if username not in data.get(service, {}):
            raise PasswordDeleteError("no such secret")
        del data[service][username]
        self._save(data)
