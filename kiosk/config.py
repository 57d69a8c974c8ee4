"""Kiosk configuration: one typed schema, layered.

Layers, later ones winning: built-in defaults → site profile (`config/sites/<site>.toml`) →
the machine's file (`/etc/kiosk/kiosk.toml`, or `--config FILE`) → environment variables
`KIOSK__<SECTION>__<KEY>`. Secrets never live here; they are in the keyring.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kiosk import paths

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")
ENV_PREFIX = "KIOSK__"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SiteSettings(_Section):
    id: str = Field(default="demo", description="short site id used in references and statistics",
                    pattern=r"^[a-z0-9-]{2,24}$")
    ref_prefix: str = Field(default="DEMO", pattern=r"^[A-Z0-9]{2,6}$",
                            description="opens the kiosk's local dossier references, e.g. BTX-K01-261126-0001")
    name: str = Field(default="Nhà sinh hoạt cộng đồng (bản trình diễn)", description="shown on screens and slips")
    address: str = Field(default="Hai Bà Trưng, Hà Nội", description="address of the community house")
    opening_hours: str = Field(default="Thứ Hai – Thứ Sáu: 8:00 – 17:00", description="shown on the attract screen")
    authority: str = Field(default="Ủy ban nhân dân phường Hai Bà Trưng",
                           description="receiving authority printed on slips (administrative units change: data)")
    collect_at: str = Field(default="Bộ phận Một cửa, Ủy ban nhân dân phường Hai Bà Trưng",
                            description="where residents collect results")
    hotline: str = Field(default="1900 0000", description="hotline printed on slips")


class KioskSettings(_Section):
    id: str = Field(default="K01", pattern=r"^[A-Z0-9]{2,8}$", description="kiosk id within the site")
    fullscreen: bool = Field(default=True, description="frameless full screen; --windowed overrides")
    touch_mode: bool = Field(default=True, description="hide the mouse cursor")
    default_language: Literal["vi", "en"] = Field(default="vi", description="language at the start of a session")
    tone_style: Literal["traditional", "modern"] = Field(default="traditional",
                                                         description="tone mark placement of the keyboard")


class IdleSettings(_Section):
    form_seconds: int = Field(default=90, ge=10, le=3600, description="idle time on form screens")
    menu_seconds: int = Field(default=45, ge=10, le=3600, description="idle time on menus")
    receipt_seconds: int = Field(default=30, ge=10, le=3600, description="idle time on the receipt screen")
    warning_seconds: int = Field(default=15, ge=3, le=120, description="warning shown before the reset")


class PortalSettings(_Section):
    base_url: str | None = Field(default=None, description="portal API base URL; none = offline demo")
    client_id: str = Field(default="kiosk-demo", description="OAuth2 client id (secret is in the keyring)")
    ca_bundle: str | None = Field(default=None, description="CA bundle file for the portal's TLS")
    lookup_url: str = Field(default="https://dichvucong.hanoi.gov.vn/tra-cuu-ho-so?ma={reference}",
                            description="URL in the slip's QR; {reference} is replaced")
    connect_timeout: float = Field(default=3.05, gt=0, le=60)
    read_timeout: float = Field(default=10.0, gt=0, le=120)
    sync_interval_seconds: int = Field(default=15, ge=1, le=3600)
    catalog_refresh_minutes: int = Field(default=60, ge=1, le=10080)


class OutboxSettings(_Section):
    path: str | None = Field(default=None, description="SQLite file; default: <data dir>/outbox.sqlite3")
    retention_days: int = Field(default=30, ge=0, le=3650,
                                description="personal data is purged this long after the portal confirmed")


class PrinterSettings(_Section):
    kind: Literal["none", "network", "usb", "serial", "file", "system", "pdf"] = Field(
        default="none", description="receipt printer transport")
    address: str = Field(default="", description="host:port, usb vid:pid, serial port, file path or queue name")
    paper_width_mm: Literal[58, 80] = Field(default=80, description="roll width")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)


class PaymentSettings(_Section):
    bank_bin: str | None = Field(default=None, pattern=r"^\d{6}$", description="NAPAS BIN of the fee account")
    account: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{1,19}$", description="fee account number")
    account_name: str | None = Field(default=None, description="account holder shown beside the VietQR code")


class CatalogSettings(_Section):
    path: str | None = Field(default=None, description="procedure directory; default: the bundled catalog")


class Settings(_Section):
    site: SiteSettings = Field(default_factory=SiteSettings)
    kiosk: KioskSettings = Field(default_factory=KioskSettings)
    idle: IdleSettings = Field(default_factory=IdleSettings)
    portal: PortalSettings = Field(default_factory=PortalSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    printer: PrinterSettings = Field(default_factory=PrinterSettings)
    payment: PaymentSettings = Field(default_factory=PaymentSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)

    def outbox_path(self) -> Path:
        return Path(self.outbox.path) if self.outbox.path else paths.data_dir() / "outbox.sqlite3"

    def procedures_path(self) -> Path:
        return Path(self.catalog.path) if self.catalog.path else paths.procedures_dir()


class ConfigError(Exception):
    """Invalid configuration: the message names the source, the key and what is allowed."""


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except PermissionError as exc:
        raise ConfigError(f"{path}: not readable (permission denied)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _env_layer(environ: dict[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name.count("__") != 2:
            continue
        _, section, key = name.split("__")
        layer.setdefault(section.lower(), {})[key.lower()] = value
    return layer


def site_profiles() -> dict[str, Path]:
    return {p.stem: p for p in sorted(paths.sites_dir().glob("*.toml"))}


def _describe(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        allowed = ""
        ctx = err.get("ctx") or {}
        if "expected" in ctx:
            allowed = f" (allowed: {ctx['expected']})"
        elif "pattern" in ctx:
            allowed = f" (must match {ctx['pattern']})"
        lines.append(f"{source}: [{key}] {err['msg']}{allowed}")
    return "\n".join(lines)


def load_settings(
    config_file: Path | None = None,
    site: str | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Build the settings from every layer; raise ConfigError naming the file and key on bad input."""
    env = dict(os.environ if environ is None else environ)
    layers: list[tuple[str, dict[str, Any]]] = []
    machine: dict[str, Any] = {}
    machine_source = ""
    if config_file is not None:
        machine, machine_source = _read_toml(config_file), str(config_file)
    elif "KIOSK_CONFIG" in env:
        path = Path(env["KIOSK_CONFIG"])
        machine, machine_source = _read_toml(path), str(path)
    elif SYSTEM_CONFIG.is_file():
        machine, machine_source = _read_toml(SYSTEM_CONFIG), str(SYSTEM_CONFIG)
    env_layer = _env_layer(env)
    site_name = site or env_layer.get("site", {}).get("profile") or machine.get("site", {}).get("profile")
    if site_name:
        profiles = site_profiles()
        if site_name not in profiles:
            raise ConfigError(
                f"unknown site '{site_name}' (allowed: {', '.join(profiles) or 'none installed'})"
            )
        layers.append((str(profiles[site_name]), _read_toml(profiles[site_name])))
    if machine:
        layers.append((machine_source, machine))
    if env_layer:
        layers.append(("environment", env_layer))
    merged: dict[str, Any] = {}
    for source, raw_layer in layers:
        layer = {k: ({kk: vv for kk, vv in v.items() if kk != "profile"} if k == "site" else v)
                 for k, v in raw_layer.items()}
        try:
            Settings.model_validate(_merge(merged, layer))
        except ValidationError as exc:
            raise ConfigError(_describe(exc, source)) from None
        merged = _merge(merged, layer)
    return Settings.model_validate(merged)
