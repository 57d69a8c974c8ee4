"""Where the kiosk finds its bundled files and keeps its data."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "community-kiosk"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # kiosk/, this module being kiosk/files/paths.py


def _bundled_root() -> Path:
    # A source checkout (editable install) keeps config/ and assets/ beside the package;
    # a wheel carries them inside it.
    source_root = _PACKAGE_DIR.parent
    if (source_root / "config" / "procedures").is_dir():
        return source_root
    return _PACKAGE_DIR / "_bundled"


def bundled_config_dir() -> Path:
    return _bundled_root() / "config"


def assets_dir() -> Path:
    return _bundled_root() / "assets"


def procedures_dir() -> Path:
    return bundled_config_dir() / "procedures"


def sites_dir() -> Path:
    return bundled_config_dir() / "sites"


def data_dir() -> Path:
    """The kiosk's data directory: KIOSK_DATA_DIR, else the platform's user data dir."""
    override = os.environ.get("KIOSK_DATA_DIR")  # set on kiosks (deploy/kiosk.service)
    if override:
        path = Path(override)
    else:
        import platformdirs  # only without KIOSK_DATA_DIR: it costs milliseconds of start-up

        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_dir() -> Path:
    """Small state that must survive restarts but is not resident data (lockouts, stats)."""
    path = data_dir() / "state"
    path.mkdir(parents=True, exist_ok=True)
    return path
