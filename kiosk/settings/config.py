"""Kiosk configuration: one typed schema, layered.

Layers, later ones winning: built-in defaults → site profile (`config/sites/<site>.toml`) →
the machine's file (`/etc/kiosk/kiosk.toml`, or `--config FILE`, or KIOSK_CONFIG) → the staff's
changes from the console (`<data dir>/settings-override.toml`: idle times, default language,
printer only) → environment variables `KIOSK__<SECTION>__<KEY>`. Secrets never live here; they
are in the keyring (`kiosk provision`).

Longer than most modules on purpose: the whole settings schema in one place, so a reader and `kiosk config schema`
see every setting together.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo

from kiosk.files import paths
from kiosk.files.atomic import write_text_atomically
from kiosk.settings.layers import (
    ENV_PREFIX,
    OVERRIDABLE,
    OVERRIDE_HEADER,
    OVERRIDE_NAME,
    SYSTEM_CONFIG,
    ConfigError,
    check_override,
    collect_layers,
    merge,
    override_path,
    read_toml,
    site_profiles,
)

# Names other modules take from here, the layer constants and readers included.
__all__ = [
    "OVERRIDABLE", "OVERRIDE_NAME", "SYSTEM_CONFIG", "ConfigError", "Settings", "changed_settings", "dump_toml",
    "is_loopback",
    "load_settings", "read_toml", "save_overrides", "schema_text", "site_profiles", "write_toml",
]


def is_loopback(host: str) -> bool:
    """The only hosts plain http may go to (the sandbox portal on this machine)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


FactStatus = Literal["verified", "to_confirm", "unverified"]


class SiteFact(_Section):
    """Where one value of a site profile comes from: a value residents read must be checked, and say so."""

    status: FactStatus = Field(description="verified: found in the source on the date checked; to_confirm: not "
                               "found in public sources, the ward must confirm it (the kiosk shows no guess); "
                               "unverified: typed in without a check (never on a kiosk residents use)")
    source: str = Field(default="", description="document, article or public page the value comes from")
    checked: date | None = Field(default=None, description="when the value was last checked against the source")
    note: str = Field(default="", description="what is uncertain and who can confirm it")


# Values of the site profile that residents read, each expected to have a [site.facts.<name>] entry.
SITE_FACTS = ("address", "ward", "authority", "service_point", "service_point_address", "collect_at",
              "opening_hours", "hotline", "support_line")


class SiteSettings(_Section):
    """The community house: who it is, where, when it is open and which authority receives its dossiers.

    Every value a resident reads carries its source in `facts`; a value that could not be verified is left
    empty and marked `to_confirm`, and screens and slips then send the resident to the staff instead.
    """

    profile: str | None = Field(default=None, description="site profile from config/sites/ these settings start "
                                "from (machine file, --site or KIOSK__SITE__PROFILE)")
    id: str = Field(default="demo", description="short site id used in references and statistics",
                    pattern=r"^[a-z0-9-]{2,24}$")
    ref_prefix: str = Field(default="DEMO", pattern=r"^[A-Z0-9]{2,6}$",
                            description="opens the kiosk's local dossier references, e.g. BTX-K01-261126-0001")
    name: str = Field(default="Nhà sinh hoạt cộng đồng (bản trình diễn)", description="shown on screens and slips")
    address: str = Field(default="Hai Bà Trưng, Hà Nội", description="street address of the community house")
    opening_hours: str = Field(default="Thứ Hai – Thứ Sáu: 8:00 – 17:00", description="shown on the attract screen")
    ward: str = Field(default="phường Hai Bà Trưng",
                      description="the ward (since 1 July 2025) whose service point receives this house's dossiers")
    authority: str = Field(default="Ủy ban nhân dân phường Hai Bà Trưng",
                           description="receiving authority printed on slips (administrative units change: data)")
    service_point: str = Field(default="Trung tâm Phục vụ hành chính công phường Hai Bà Trưng",
                               description="the ward's own name for its one-stop service point, used in every text "
                               "that sends residents there")
    service_point_address: str = Field(default="", description="street address of the service point; empty until "
                                       "verified")
    collect_at: str = Field(default="Trung tâm Phục vụ hành chính công phường Hai Bà Trưng",
                            description="where residents collect results")
    hotline: str = Field(default="1900 0000", description="the ward's hotline; printed only when verified")
    support_line: str = Field(default="", description="a city-wide support line, printed when verified and the "
                              "ward's own hotline is not")
    facts: dict[str, SiteFact] = Field(default_factory=dict, description="source, check date and status of each "
                                       "value residents read (address, ward, hotline …)")

    def fact(self, name: str) -> SiteFact | None:
        return self.facts.get(name)

    def verified(self, name: str) -> str:
        """The value of `name` when its source is recorded as verified, else "" (screens then send the
        resident to the staff rather than show a guess or a placeholder)."""
        fact = self.facts.get(name)
        value = getattr(self, name, "")
        if fact is None or fact.status != "verified" or not isinstance(value, str):
            return ""
        return value


class KioskSettings(_Section):
    """This machine within the site."""

    id: str = Field(default="K01", pattern=r"^[A-Z0-9]{2,8}$", description="kiosk id within the site")
    fullscreen: bool = Field(default=True, description="frameless full screen; --windowed overrides")
    touch_mode: bool = Field(default=True, description="hide the mouse cursor")
    default_language: Literal["vi", "en"] = Field(default="vi", description="language at the start of a session")
    tone_style: Literal["traditional", "modern"] = Field(default="traditional",
                                                         description="tone mark placement of the keyboard")
    tap_guard_ms: int = Field(default=350, ge=0, le=2000,
                              description="taps ignored this long after the screen changes, so that a double "
                                          "tap does not act on the next screen too")
    speech_engine: str = Field(
        default="auto", min_length=1, max_length=300,
        description="read-aloud engine: auto (spd-say, else espeak-ng, found on PATH), none (no read-aloud "
                    "button), or the path of spd-say or espeak-ng")


class IdleSettings(_Section):
    """How long the kiosk waits for a resident (or staff) before clearing the screen."""

    form_seconds: int = Field(default=90, ge=10, le=3600, description="idle time on form screens")
    menu_seconds: int = Field(default=45, ge=10, le=3600, description="idle time on menus")
    receipt_seconds: int = Field(default=90, ge=10, le=3600,
                                 description="idle time on the receipt screen (time to read the next steps)")
    warning_seconds: int = Field(default=15, ge=3, le=120, description="warning shown before the reset")
    console_seconds: int = Field(default=120, ge=30, le=3600,
                                 description="idle time of the staff console before it returns to the kiosk")


class PortalSettings(_Section):
    """The online-service portal that receives dossiers (the client secret is in the keyring)."""

    base_url: str | None = Field(default=None, description="portal API base URL; none = offline demo")
    client_id: str = Field(default="kiosk-demo", description="OAuth2 client id (secret is in the keyring)")
    ca_bundle: str | None = Field(default=None, description="CA bundle file for the portal's TLS")
    lookup_url: str = Field(default="https://dichvucong.hanoi.gov.vn/tra-cuu-ho-so?ma={reference}",
                            description="URL in the slip's QR; {reference} is replaced")
    connect_timeout: float = Field(default=3.05, gt=0, le=60, description="seconds to open a connection")
    read_timeout: float = Field(default=10.0, gt=0, le=120, description="seconds to wait for an answer")
    sync_interval_seconds: int = Field(default=15, ge=1, le=3600,
                                       description="seconds between attempts to send queued dossiers")
    catalog_refresh_minutes: int = Field(default=60, ge=1, le=10080,
                                         description="minutes between checks for a new procedure catalog")

    @field_validator("base_url")
    @classmethod
    def _portal_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be a full https:// address, e.g. https://portal.example.gov.vn/api")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError("plain http is allowed only to this machine (the sandbox); use https")
        return value.rstrip("/")

    @field_validator("lookup_url")
    @classmethod
    def _lookup_url(cls, value: str) -> str:
        if not value.startswith("https://") or "{reference}" not in value:
            raise ValueError("must start with https:// and contain {reference}")
        return value


class OutboxSettings(_Section):
    """The local store of submitted dossiers."""

    path: str | None = Field(default=None, description="SQLite file; default: <data dir>/outbox.sqlite3")
    retention_days: int = Field(default=30, ge=0, le=3650,
                                description="personal data is purged this long after the portal confirmed")


class PrinterSettings(_Section):
    """The receipt printer."""

    kind: Literal["none", "network", "usb", "serial", "file", "system", "pdf"] = Field(
        default="none", description="receipt printer transport")
    address: str = Field(default="", description="host:port, usb vid:pid, serial port, file path or queue name")
    paper_width_mm: Literal[58, 80] = Field(default=80, description="roll width")
    timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="seconds a print job may take")
    qr_level: Literal["M", "Q"] = Field(default="M", description="QR error correction on paper; Q for faded rolls")


class PaymentSettings(_Section):
    """The account for paying fees by bank transfer (VietQR); none = pay at the counter."""

    bank_bin: str | None = Field(default=None, pattern=r"^\d{6}$", description="NAPAS BIN of the fee account")
    account: str | None = Field(default=None, pattern=r"^[0-9A-Za-z]{1,19}$", description="fee account number")
    account_name: str | None = Field(default=None, description="account holder shown beside the VietQR code")


class CatalogSettings(_Section):
    """Where the procedure definitions come from."""

    path: str | None = Field(default=None, description="procedure directory; default: the bundled catalog")


class FleetSettings(_Section):
    """The city's fleet service, which receives the kiosk's health and usage figures (no personal data)."""

    base_url: str | None = Field(default=None, description="fleet service base URL; none = no fleet reporting")
    client_id: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9._:\-]*$",
                           description="this kiosk's id at the fleet service (secret in the keyring); "
                                       "empty = <site id>-<kiosk id>")
    heartbeat_seconds: int = Field(default=30, ge=1, le=3600, description="seconds between reports")
    usage_minutes: int = Field(default=10, ge=1, le=1440, description="minutes between usage figures")

    @field_validator("base_url")
    @classmethod
    def _fleet_url(cls, value: str | None) -> str | None:
        return PortalSettings(base_url=value).base_url  # the portal's rule: https, or http to this machine
class ScanningSettings(_Section):
    """The document scanner for the resident's papers (SANE); no device = no scanning step."""

    device: str = Field(default="", max_length=200,
                        description="SANE device name as `kiosk doctor` lists it (e.g. epson2:libusb:001:004); "
                                    "empty: the kiosk does not scan papers")
    resolution: int = Field(default=200, ge=200, le=300, description="dpi of the scanned papers (200-300)")
    colour: Literal["grey", "bw"] = Field(default="grey", description="grey or black-and-white pages")
    program: str = Field(default="", max_length=300, description="path of scanimage; empty: found on PATH")
    sane_config_dir: str = Field(default="", max_length=300,
                                 description="SANE_CONFIG_DIR for scanimage (training with SANE's test backend); "
                                             "empty: the system's /etc/sane.d")
    options: list[str] = Field(default_factory=list, max_length=20,
                               description="extra scanimage options, e.g. [\"--source\", \"ADF Front\"]")

    @property
    def enabled(self) -> bool:
        return bool(self.device)


class Settings(_Section):
    """Every setting of the kiosk. Layers: defaults, site profile, machine file, staff overrides, environment."""

    site: SiteSettings = Field(default_factory=SiteSettings)
    kiosk: KioskSettings = Field(default_factory=KioskSettings)
    idle: IdleSettings = Field(default_factory=IdleSettings)
    portal: PortalSettings = Field(default_factory=PortalSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    printer: PrinterSettings = Field(default_factory=PrinterSettings)
    payment: PaymentSettings = Field(default_factory=PaymentSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    fleet: FleetSettings = Field(default_factory=FleetSettings)
    scanning: ScanningSettings = Field(default_factory=ScanningSettings)

    def outbox_path(self) -> Path:
        return Path(self.outbox.path) if self.outbox.path else paths.data_dir() / "outbox.sqlite3"

    def procedures_path(self) -> Path:
        return Path(self.catalog.path) if self.catalog.path else paths.procedures_dir()


# --- reading the layers (kiosk.settings.layers): environment values typed by the models ---------------


def _field(section: str, key: str) -> FieldInfo | None:
    section_info = Settings.model_fields.get(section)
    model = section_info.annotation if section_info is not None else None
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    return model.model_fields.get(key)


def _coerce_env(section: str, key: str, value: str) -> Any:
    """Environment values are text: an empty value of an optional setting means 'none', and a number
    chosen from a fixed list (paper_width_mm) is read as a number."""
    info = _field(section, key)
    if info is None:
        return value
    args = get_args(info.annotation)
    if value == "" and type(None) in args:
        return None
    if get_origin(info.annotation) is Literal and all(isinstance(a, int) for a in args):
        try:
            return int(value)
        except ValueError:
            return value
    return value


# --- describing what is wrong ---------------------------------------------------------------------


def _allowed(info: FieldInfo) -> str:
    """What a setting accepts, in words a technician can act on."""
    annotation = info.annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in args)
    base = args[0] if args and get_origin(annotation) is not Literal else annotation
    bounds: dict[str, Any] = {}
    for meta in info.metadata:
        for name in ("ge", "gt", "le", "pattern"):
            if getattr(meta, name, None) is not None:
                bounds[name] = getattr(meta, name)
    kind = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}.get(
        base if isinstance(base, type) else str, "text")
    if "ge" in bounds and "le" in bounds:
        kind += f" from {bounds['ge']} to {bounds['le']}"
    elif "gt" in bounds and "le" in bounds:
        kind += f" above {bounds['gt']} and up to {bounds['le']}"
    pattern = bounds.get("pattern")
    if pattern:
        kind += f" matching {pattern}"
    if type(None) in get_args(annotation):
        kind += " (or leave it out)"
    return kind


def _describe(exc: ValidationError, source: str, env_names: dict[tuple[str, str], str] | None = None) -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        key = ".".join(loc)
        where = source
        if env_names is not None and len(loc) == 2 and loc in env_names:
            where = f"environment variable {env_names[loc]}"
        elif env_names is not None and len(loc) == 1:
            where = f"environment variables {ENV_PREFIX}{loc[0].upper()}__*"
        if err["type"] == "extra_forbidden":
            if len(loc) == 1:
                known = ", ".join(Settings.model_fields)
                lines.append(f"{where}: [{key}] is not a section of the settings (allowed: {known})")
                continue
            section = Settings.model_fields.get(loc[0])
            model = section.annotation if section is not None else None
            known = ", ".join(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else ""
            hint = ""
            if any(word in loc[-1] for word in ("secret", "password", "pin", "key")):
                hint = "; secrets are never written in configuration: 'kiosk provision' keeps them in the keyring"
            lines.append(f"{where}: [{key}] is not a setting (allowed in [{loc[0]}]: {known}){hint}")
            continue
        info = _field(loc[0], loc[1]) if len(loc) == 2 else None
        allowed = f"; allowed: {_allowed(info)}" if info is not None else ""
        given = err.get("input")
        got = f" (got {given!r:.60})" if isinstance(given, str | int | float | bool) else ""
        lines.append(f"{where}: [{key}] {err['msg']}{got}{allowed}")
    return "\n".join(lines)


# --- the loader -----------------------------------------------------------------------------------


def rehearsal_settings(settings: Settings, scratch: Path) -> Settings:
    """`settings` for a rehearsal (`kiosk tour`) in the directory `scratch`: its own outbox there, no portal,
    no printer; the site, catalog, language and texts stay those of this machine."""
    return settings.model_copy(update={
        "outbox": settings.outbox.model_copy(update={"path": str(scratch / "outbox.sqlite3")}),
        "portal": settings.portal.model_copy(update={"base_url": None}),
        "printer": settings.printer.model_copy(update={"kind": "none", "address": ""}),
    })


def load_settings(
    config_file: Path | None = None,
    site: str | None = None,
    environ: dict[str, str] | None = None,
    override_file: Path | None = None,
) -> Settings:
    """Build the settings from every layer; raise ConfigError naming the file and key on bad input.

    Layers, later ones winning: defaults → site profile → machine file (`config_file`, else
    KIOSK_CONFIG, else /etc/kiosk/kiosk.toml if present) → staff overrides (`override_file`, default
    `<data dir>/settings-override.toml`, written by the staff console) → KIOSK__SECTION__KEY variables.
    """
    found = collect_layers(config_file, site, environ, override_file, coerce_env=_coerce_env)
    layers, env_layer, env_names, site_name = found.layers, found.env_layer, found.env_names, found.site_name
    merged: dict[str, Any] = {}
    for source, layer in [*layers, ("environment", env_layer)]:
        if not layer:
            continue
        try:
            Settings.model_validate(merge(merged, layer))
        except ValidationError as exc:
            raise ConfigError(_describe(exc, source, env_names if source == "environment" else None)) from None
        merged = merge(merged, layer)
    if site_name:
        merged = merge(merged, {"site": {"profile": site_name}})  # the profile actually used
    return Settings.model_validate(merged)


# --- writing: staff overrides, provisioning, the published schema ---------------------------------


# Settings the portal's `apply_settings` command and the fleet service's settings versions may change.
REMOTE_SETTINGS = frozenset({"idle.form_seconds", "idle.menu_seconds", "idle.receipt_seconds",
                             "idle.warning_seconds"})


def remote_changes(changes: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Remote changes (`{"idle.form_seconds": 120}`) as sections for `changed_settings`, and the keys that
    may not be changed remotely (left out)."""
    sections: dict[str, dict[str, Any]] = {}
    refused: list[str] = []
    for key, value in changes.items():
        if key not in REMOTE_SETTINGS:
            refused.append(key)
            continue
        section, name = key.split(".", 1)
        sections.setdefault(section, {})[name] = value
    return sections, refused


def changed_settings(settings: Settings, changes: dict[str, dict[str, Any]], source: str) -> Settings:
    """`settings` with `changes` applied, validated by the same schema whoever asks (staff console, portal
    command): only keys in OVERRIDABLE may change, each within the schema's bounds. Raises ConfigError naming
    `source` otherwise; `settings` itself never changes."""
    check_override(changes, source)
    try:
        return Settings.model_validate(merge(settings.model_dump(), changes))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None


def save_overrides(settings: Settings, changes: dict[str, dict[str, Any]], path: Path | None = None) -> Settings:
    """Validate `changes` on top of `settings`, add them to the override file and return the new settings.

    Only keys in OVERRIDABLE may change; raises ConfigError (and writes nothing) otherwise or when a
    value is not allowed.
    """
    target = path or override_path()
    updated = changed_settings(settings, changes, "staff console")
    existing = read_toml(target) if target.exists() else {}
    write_toml(target, merge(existing, changes), header=OVERRIDE_HEADER)
    return updated


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (same escapes), and keeps Vietnamese readable.
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dump_toml(data: dict[str, Any], header: str = "") -> str:
    """TOML for `{section: {key: scalar}}`; None values are left out (TOML has no null)."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for section, values in data.items():
        if not isinstance(values, dict):
            raise TypeError("only [section] tables of scalar values are written")
        if lines:
            lines.append("")
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items() if value is not None)
    return "\n".join(lines) + "\n"


def write_toml(path: Path, data: dict[str, Any], header: str = "", mode: int = 0o644) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of it."""
    write_text_atomically(path, dump_toml(data, header), mode)


def settings_schema() -> dict[str, Any]:
    """The JSON schema of the settings (published as config/schema/settings.schema.json)."""
    schema = Settings.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Community-house kiosk settings"
    return schema


def schema_text() -> str:
    return json.dumps(settings_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
