"""The secrets file behind `kiosk.keystore.LocalFileKeyring`, without the `keyring` package.

Kept apart so the kiosk's start-up can read its outbox key straight from the file when that backend is
the one configured (as on every kiosk, see deploy/kiosk.service): importing `keyring` scans the
installed packages' entry points and costs tens of milliseconds and several megabytes before the first
paint. The file is JSON `{service: {name: secret}}`, mode 0600, in a directory apart from the data dir.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from kiosk.files.atomic import write_text_atomically
from kiosk.files.paths import APP_NAME

BACKEND_NAME = "kiosk.keystore.LocalFileKeyring"  # the stable name kiosks are configured with (kiosk/keystore.py)
BACKEND_NAMES = (BACKEND_NAME, "kiosk.security.keystore.LocalFileKeyring")


class KeyFileError(Exception):
    """The secrets file exists but cannot be read or written."""


class MissingSecretError(KeyError):
    """No such secret in the file."""


def configured() -> bool:
    """True when the keyring backend chosen for this process is the local file."""
    return os.environ.get("PYTHON_KEYRING_BACKEND", "").strip() in BACKEND_NAMES


def path() -> Path:
    base = os.environ.get("KIOSK_KEYRING_DIR")  # set on kiosks (deploy/kiosk.service)
    if not base:
        import platformdirs

        base = platformdirs.user_config_dir(APP_NAME, appauthor=False)
    return Path(base) / "secrets.json"


def load() -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path().read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"secrets file unreadable: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise KeyFileError("secrets file is corrupted")
    return data


def save(data: dict[str, dict[str, str]]) -> None:
    try:
        write_text_atomically(path(), json.dumps(data), mode=0o600, dir_mode=0o700)
    except OSError as exc:
        raise KeyFileError(f"secrets file cannot be written: {type(exc).__name__}") from None


def get(service: str, name: str) -> str | None:
    return load().get(service, {}).get(name)


def put(service: str, name: str, secret: str) -> None:
    data = load()
    data.setdefault(service, {})[name] = secret
    save(data)


def delete(service: str, name: str) -> None:
    data = load()
    if name not in data.get(service, {}):
        raise MissingSecretError(name)
    del data[service][name]
    save(data)
