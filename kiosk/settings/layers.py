"""The layers of the kiosk's settings, read and merged, without validating them (no pydantic).

`kiosk.settings.config.load_settings` validates each layer with the settings models. Start-up reads the same layers
here first, to paint the attract screen (site name, hours) before pydantic and the models are imported;
the validated settings replace these values a moment later (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.files import paths

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")
ENV_PREFIX = "KIOSK__"
OVERRIDE_NAME = "settings-override.toml"
# What staff may change from the console (kiosk.settings.editable builds its settings page from this); everything
# else belongs to the technician's machine file.
OVERRIDABLE: dict[str, tuple[str, ...]] = {
    "idle": ("form_seconds", "menu_seconds", "receipt_seconds", "warning_seconds", "console_seconds"),
    "kiosk": ("default_language",),
    "printer": ("kind", "address", "paper_width_mm"),
    "scanning": ("device", "resolution", "colour"),
}
OVERRIDE_HEADER = (
    "Changes made by ward staff in the kiosk's staff console. They win over /etc/kiosk/kiosk.toml.\n"
    "Delete this file to go back to the machine's settings."
)


Coerce = Callable[[str, str, str], Any]


class ConfigError(Exception):
    """Invalid configuration: the message names the source, the key and what is allowed."""


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file to read (start-up time)

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


def merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _as_text(section: str, key: str, value: str) -> Any:
    return value


def read_env_layer(
    environ: dict[str, str], coerce: Coerce = _as_text
) -> tuple[dict[str, Any], dict[tuple[str, str], str]]:
    """The environment as a layer, and for each (section, key) the variable it came from."""
    layer: dict[str, Any] = {}
    names: dict[tuple[str, str], str] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name.count("__") != 2:
            continue
        _, section, key = (part.lower() for part in name.split("__"))
        layer.setdefault(section, {})[key] = coerce(section, key, value)
        names[(section, key)] = name
    return layer, names


def site_profiles() -> dict[str, Path]:
    return {p.stem: p for p in sorted(paths.sites_dir().glob("*.toml"))}


def override_path() -> Path:
    """The staff's changes made in the console (idle times, language, printer), applied over the machine file."""
    return paths.data_dir() / OVERRIDE_NAME


def check_override(layer: dict[str, Any], source: str) -> None:
    for section, values in layer.items():
        keys = values.keys() if isinstance(values, dict) else [""]
        for key in keys:
            if key not in OVERRIDABLE.get(section, ()):
                allowed = ", ".join(f"{s}.{k}" for s, ks in OVERRIDABLE.items() for k in ks)
                raise ConfigError(f"{source}: [{section}.{key}] cannot be changed here (allowed: {allowed}); "
                                  "delete the file to go back to the machine's settings")


@dataclass
class Layers:
    """Every layer in the order they apply (later ones win), the environment apart."""

    layers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    env_layer: dict[str, Any] = field(default_factory=dict)
    env_names: dict[tuple[str, str], str] = field(default_factory=dict)
    site_name: str | None = None

    def merged(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for _, layer in [*self.layers, ("environment", self.env_layer)]:
            out = merge(out, layer)
        if self.site_name:
            out = merge(out, {"site": {"profile": self.site_name}})
        return out


def collect_layers(
    config_file: Path | None = None,
    site: str | None = None,
    environ: dict[str, str] | None = None,
    override_file: Path | None = None,
    coerce_env: Coerce = _as_text,
) -> Layers:
    """Read every layer (see `kiosk.settings.config.load_settings`); ConfigError names the file when one cannot be
    read."""
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
    env_layer, env_names = read_env_layer(env, coerce_env)
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
        check_override(override_layer, str(override))
        layers.append((str(override), override_layer))
    return Layers(layers, env_layer, env_names, str(site_name) if site_name else None)
