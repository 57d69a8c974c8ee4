"""Checking a catalog or settings version the fleet service sends, before anything of it is used.

A version is applied whole or not at all: one invalid procedure or setting refuses the version, and the
reason goes back to the service (which halts the rollout). Only the idle times may be set remotely.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from kiosk.catalog import Catalog, CatalogError
from kiosk.catalog.loader import parse_procedure
from kiosk.settings.config import IdleSettings

# Settings the fleet service (and the portal's apply_settings command) may change.
REMOTE_SETTINGS = frozenset({"idle.form_seconds", "idle.menu_seconds", "idle.receipt_seconds",
                             "idle.warning_seconds"})
MAX_REASON = 300


class VersionRefusedError(ValueError):
    """The version is not valid; str() is the reason for the service (no personal data)."""


def check_settings(content: dict[str, Any], current: dict[str, Any]) -> dict[str, int]:
    """The idle times to apply (`{field: seconds}`) over the `current` ones; raises VersionRefusedError."""
    unknown = sorted(key for key in content if key not in REMOTE_SETTINGS)
    if unknown:
        raise VersionRefusedError(f"settings that cannot be changed remotely: {', '.join(unknown)}"[:MAX_REASON])
    changes = {key.split(".", 1)[1]: value for key, value in content.items()}
    try:
        IdleSettings.model_validate(current | changes)
    except ValidationError as exc:
        wrong = "; ".join(f"idle.{e['loc'][0]}: {e['msg']}" for e in exc.errors() if e["loc"])
        raise VersionRefusedError(wrong[:MAX_REASON]) from None
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in changes.values()):
        raise VersionRefusedError("idle times must be whole seconds")
    return changes


def check_catalog(content: dict[str, Any], version: str) -> Catalog:
    """The catalog to use; raises VersionRefusedError when it is empty or any procedure is invalid."""
    procedures = content.get("procedures")
    if not isinstance(procedures, list) or not procedures:
        raise VersionRefusedError("the catalog has no procedures")
    try:
        parsed = [parse_procedure(p, f"fleet catalog {version}") for p in procedures]
    except CatalogError as exc:
        raise VersionRefusedError(f"invalid catalog: {exc}"[:MAX_REASON]) from None
    codes = [p.code for p in parsed]
    if len(set(codes)) != len(codes):
        raise VersionRefusedError("the catalog lists a procedure twice")
    return Catalog(parsed, version=version)
