"""What the attract screen shows before the settings are validated: read from the raw setting layers.

The kiosk paints its attract screen before pydantic, the settings models, the catalog and the outbox are
loaded (docs/PERFORMANCE.md). The few values that screen needs are taken from the same layers
`kiosk.settings.config.load_settings` reads, without validation; a missing or odd value is left empty. The validated
settings replace them a moment later, and a layer that does not validate stops start-up as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.settings.layers import collect_layers

if TYPE_CHECKING:
    from kiosk.settings.config import Settings


@dataclass(frozen=True)
class BootInfo:
    site_name: str = ""
    opening_hours: str = ""
    lookup_url: str = ""  # the portal's dossier lookup page (the attract screen's QR), `{reference}` and all
    language: str = "vi"
    fullscreen: bool = True

    @classmethod
    def read(cls, config_file: Path | None = None, site: str | None = None) -> BootInfo:
        """Best effort from the raw layers: odd values are left empty (the validation that follows reports them);
        ConfigError when a layer cannot be read at all."""
        merged = collect_layers(config_file, site).merged()
        return cls(
            site_name=_text(merged, "site", "name"),
            opening_hours=_text(merged, "site", "opening_hours"),
            language="en" if _text(merged, "kiosk", "default_language") == "en" else "vi",
            fullscreen=str(_section(merged, "kiosk").get("fullscreen", True)).lower() not in ("false", "0", "no"),
            # no lookup_url: encoding the QR is left until after the first paint
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> BootInfo:
        return cls(
            site_name=settings.site.name,
            opening_hours=settings.site.opening_hours,
            lookup_url=settings.portal.lookup_url,
            language=settings.kiosk.default_language,
            fullscreen=settings.kiosk.fullscreen,
        )


def _section(merged: dict[str, Any], name: str) -> dict[str, Any]:
    value = merged.get(name)
    return value if isinstance(value, dict) else {}


def _text(merged: dict[str, Any], section: str, key: str) -> str:
    value = _section(merged, section).get(key)
    return value if isinstance(value, str) else ""
