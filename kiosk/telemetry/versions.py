"""Checking a catalog or settings version the fleet service sends, before anything of it is used.

A version is applied whole or not at all: one invalid procedure or setting refuses the version, and the
reason goes back to the service (which halts the rollout). Only the idle times may be set remotely
(`REMOTE_SETTINGS`), through the same schema and `changed_settings` as every other change of the settings.
"""

from __future__ import annotations

from typing import Any

from kiosk.catalog import Catalog, CatalogError
from kiosk.catalog.loader import parse_procedure
from kiosk.settings.config import ConfigError, Settings, changed_settings, remote_changes

MAX_REASON = 300


class VersionRefusedError(ValueError):
    """The version is not valid; str() is the reason for the service (no personal data)."""


def check_settings(content: dict[str, Any], settings: Settings, version: str) -> Settings:
    """`settings` with the version's changes, validated by the settings schema like any other change (the
    staff console's, the portal's); raises VersionRefusedError. `settings` itself never changes."""
    sections, refused = remote_changes(content)
    if refused:
        raise VersionRefusedError(f"settings that cannot be changed remotely: {', '.join(sorted(refused))}"
                                  [:MAX_REASON])
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in content.values()):
        raise VersionRefusedError("idle times must be whole seconds")
    try:
        return changed_settings(settings, sections, f"fleet settings {version}")
    except ConfigError as exc:
        raise VersionRefusedError(str(exc)[:MAX_REASON]) from None


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
