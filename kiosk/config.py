"""Kiosk configuration: one typed schema, layered.

Layers, later ones winning: built-in defaults → site profile (`config/sites/<site>.toml`) →
the machine's file (`/etc/kiosk/kiosk.toml`, or `--config FILE`, or KIOSK_CONFIG) → the staff's
changes from the console (`<data dir>/settings-override.toml`: idle times, default language,
printer only) → environment variables `KIOSK__<SECTION>__<KEY>`. Secrets never live here; they
are in the keyring (`kiosk provision`).
"""

from __future__ import annotations

import ipaddress
import json
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo

from kiosk import paths

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")
ENV_PREFIX = "KIOSK__"
OVERRIDE_NAME = "settings-override.toml"
# What staff may change from the console; everything else belongs to the technician's machine file.
OVERRIDABLE: dict[str, tuple[str, ...]] = {
    "idle": ("form_seconds", "menu_seconds", "receipt_seconds", "warning_seconds", "console_seconds"),
    "kiosk": ("default_language",),
    "printer": ("kind", "address", "paper_width_mm"),
}
OVERRIDE_HEADER = (
    "Changes made by ward staff in the kiosk's staff console. They win over /etc/kiosk/kiosk.toml.\n"
    "Delete this file to go back to the machine's settings."
)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SiteSettings(_Section):
    """The community house: who it is, where, when it is open and which authority receives its dossiers."""

    profile: str | None = Field(default=None, description="site profile from config/sites/ these settings start "
                                "from (machine file, --site or KIOSK__SITE__PROFILE)")
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
    """This machine within the site."""

    id: str = Field(default="K01", pattern=r"^[A-Z0-9]{2,8}$", description="kiosk id within the site")
    fullscreen: bool = Field(default=True, description="frameless full screen; --windowed overrides")
    touch_mode: bool = Field(default=True, description="hide the mouse cursor")
    default_language: Literal["vi", "en"] = Field(default="vi", description="language at the start of a session")
    tone_style: Literal["traditional", "modern"] = Field(default="traditional",
                                                         description="tone mark placement of the keyboard")


class IdleSettings(_Section):
    """How long the kiosk waits for a resident (or staff) before clearing the screen."""

    form_seconds: int = Field(default=90, ge=10, le=3600, description="idle time on form screens")
    menu_seconds: int = Field(default=45, ge=10, le=3600, description="idle time on menus")
    receipt_seconds: int = Field(default=30, ge=10, le=3600, description="idle time on the receipt screen")
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
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
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

    def outbox_path(self) -> Path:
        return Path(self.outbox.path) if self.outbox.path else paths.data_dir() / "outbox.sqlite3"

    def procedures_path(self) -> Path:
        return Path(self.catalog.path) if self.catalog.path else paths.procedures_dir()


class ConfigError(Exception):
    """Invalid configuration: the message names the source, the key and what is allowed."""


# --- reading the layers ---------------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except PermissionError as exc:
        raise ConfigError(f"{path}: not readable (permission denied); the kiosk user must be able to read it "
                          "(chmod 644)") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: is a directory, not a configuration file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a dict; ConfigError (naming the file) when it is missing, unreadable or not TOML."""
    return _read_toml(path)


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


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


def _env_layer(environ: dict[str, str]) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
    """The environment as a layer, and for each (section, key) the variable it came from."""
    layer: dict[str, Any] = {}
    names: dict[tuple[str, str], str] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name.count("__") != 2:
            continue
        _, section, key = (part.lower() for part in name.split("__"))
        layer.setdefault(section, {})[key] = _coerce_env(section, key, value)
        names[(section, key)] = name
    return layer, names


def site_profiles() -> dict[str, Path]:
    return {p.stem: p for p in sorted(paths.sites_dir().glob("*.toml"))}


def override_path() -> Path:
    """The staff's changes made in the console (idle times, language, printer), applied over the machine file."""
    return paths.data_dir() / OVERRIDE_NAME


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


def _check_override(layer: dict[str, Any], source: str) -> None:
    for section, values in layer.items():
        keys = values.keys() if isinstance(values, dict) else [""]
        for key in keys:
            if key not in OVERRIDABLE.get(section, ()):
                allowed = ", ".join(f"{s}.{k}" for s, ks in OVERRIDABLE.items() for k in ks)
                raise ConfigError(f"{source}: [{section}.{key}] cannot be changed here (allowed: {allowed}); "
                                  "delete the file to go back to the machine's settings")


# --- the loader -----------------------------------------------------------------------------------


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
    env = dict(os.environ if environ is None else environ)
    layers: list[tuple[str, dict[str, Any]]] = []
    machine: dict[str, Any] = {}
    machine_source = ""
    if config_file is not None:
        machine, machine_source = _read_toml(config_file), str(config_file)
    elif env.get("KIOSK_CONFIG"):
        path = Path(env["KIOSK_CONFIG"])
        machine, machine_source = _read_toml(path), str(path)
    elif SYSTEM_CONFIG.is_file():
        machine, machine_source = _read_toml(SYSTEM_CONFIG), str(SYSTEM_CONFIG)
    env_layer, env_names = _env_layer(env)
    site_name, site_source = site, "--site"
    if not site_name and env_layer.get("site", {}).get("profile"):
        site_name, site_source = env_layer["site"]["profile"], f"environment variable {ENV_PREFIX}SITE__PROFILE"
    if not site_name and isinstance(machine.get("site"), dict) and machine["site"].get("profile"):
        site_name, site_source = machine["site"]["profile"], machine_source
    if site_name:
        site_name = str(site_name)
        profiles = site_profiles()
        if site_name not in profiles:
            raise ConfigError(
                f"{site_source}: [site.profile] unknown site '{site_name}' "
                f"(allowed: {', '.join(profiles) or 'none installed'})"
            )
        layers.append((str(profiles[site_name]), _read_toml(profiles[site_name])))
    if machine:
        layers.append((machine_source, machine))
    override = override_file or override_path()
    if override.exists():
        override_layer = _read_toml(override)
        _check_override(override_layer, str(override))
        layers.append((str(override), override_layer))
    merged: dict[str, Any] = {}
    for source, layer in [*layers, ("environment", env_layer)]:
        if not layer:
            continue
        try:
            Settings.model_validate(_merge(merged, layer))
        except ValidationError as exc:
            raise ConfigError(_describe(exc, source, env_names if source == "environment" else None)) from None
        merged = _merge(merged, layer)
    if site_name:
        merged = _merge(merged, {"site": {"profile": site_name}})  # the profile actually used
    return Settings.model_validate(merged)


# --- writing: staff overrides, provisioning, the published schema ---------------------------------


def save_overrides(settings: Settings, changes: dict[str, dict[str, Any]], path: Path | None = None) -> Settings:
    """Validate `changes` on top of `settings`, add them to the override file and return the new settings.

    Only keys in OVERRIDABLE may change; raises ConfigError (and writes nothing) otherwise or when a
    value is not allowed.
    """
    target = path or override_path()
    _check_override(changes, "staff console")
    try:
        updated = Settings.model_validate(_merge(settings.model_dump(), changes))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, "staff console")) from None
    existing = _read_toml(target) if target.exists() else {}
    write_toml(target, _merge(existing, changes), header=OVERRIDE_HEADER)
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dump_toml(data, header))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def settings_schema() -> dict[str, Any]:
    """The JSON schema of the settings (published as config/schema/settings.schema.json)."""
    schema = Settings.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Community-house kiosk settings"
    return schema


def schema_text() -> str:
    return json.dumps(settings_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
