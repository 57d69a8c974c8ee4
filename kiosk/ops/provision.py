"""`kiosk provision`: make this machine a kiosk of a site, talking to its portal.

Writes the site profile, kiosk id and portal address to the machine file (/etc/kiosk/kiosk.toml, or
`--config-out`), keeps the other settings there, and puts every secret in the keyring: the portal's
client secret (read from standard input, never from the command line), the outbox key (created
once, never replaced: dossiers waiting in the outbox need it) and the staff and technician PINs.
Running it again is safe: it changes what it is given and keeps the rest.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from kiosk.security.staff_auth import Role

MACHINE_HEADER = (
    "Settings of this kiosk machine (see deploy/kiosk.toml.example for every setting).\n"
    "Written by `kiosk provision`; edit by hand as needed, then run `kiosk doctor`.\n"
    "Secrets are never written here: they are in the keyring."
)


class ProvisionError(Exception):
    """Provisioning stopped; the message says what to do. Nothing after the failing step was changed."""


@dataclass
class ProvisionRequest:
    site: str
    portal: str
    client_id: str
    config_out: Path
    kiosk_id: str | None = None
    staff_pin: str | None = None
    tech_pin: str | None = None


@dataclass
class ProvisionResult:
    config_out: Path
    done: list[str] = field(default_factory=list)


def read_secret(stdin: TextIO) -> str:
    """The client secret: one line from standard input, or typed at a hidden prompt on a terminal."""
    secret = getpass.getpass("Portal client secret (not shown): ") if stdin.isatty() else stdin.readline().strip()
    if not secret:
        raise ProvisionError("no client secret on standard input: printf '%s\\n' \"$secret\" | kiosk provision ...")
    return secret


def _machine_layer(request: ProvisionRequest) -> dict[str, Any]:
    from kiosk.settings.config import ConfigError, read_toml

    existing: dict[str, Any] = {}
    if request.config_out.exists():
        try:
            existing = read_toml(request.config_out)
        except ConfigError as exc:
            raise ProvisionError(f"the existing machine file cannot be read: {exc}") from None
    changes: dict[str, dict[str, Any]] = {
        "site": {"profile": request.site},
        "portal": {"base_url": request.portal, "client_id": request.client_id},
    }
    if request.kiosk_id:
        changes["kiosk"] = {"id": request.kiosk_id}
    merged = dict(existing)
    for section, values in changes.items():
        current = merged.get(section)
        merged[section] = {**(current if isinstance(current, dict) else {}), **values}
    return merged


def _validate(layer: dict[str, Any], target: Path) -> None:
    """Check the new machine file exactly as the kiosk will read it at start-up."""
    import tempfile

    from kiosk.settings.config import ConfigError, load_settings, write_toml

    with tempfile.TemporaryDirectory() as scratch:
        candidate = Path(scratch) / target.name
        write_toml(candidate, layer)
        try:
            load_settings(candidate, environ={})
        except ConfigError as exc:
            raise ProvisionError(str(exc).replace(str(candidate), str(target))) from None


def _check_writable(target: Path) -> None:
    directory = target.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    if not directory.is_dir() or not os.access(directory, os.W_OK) or (target.exists() and not os.access(target,
                                                                                                        os.W_OK)):
        raise ProvisionError(f"cannot write {target} (run it with sudo, or give --config-out)")


def _check_pins(request: ProvisionRequest, stdin: TextIO) -> None:
    """Refuse PINs that cannot be set before anything is stored."""
    from kiosk.security.secrets import get_secret
    from kiosk.security.staff_auth import SECRET_NAMES, PinError, check_new_pin

    for role, pin in (("staff", request.staff_pin), ("technician", request.tech_pin)):
        if pin is not None:
            try:
                check_new_pin(pin)
            except PinError as exc:
                raise ProvisionError(f"{role} PIN not set: {exc}") from None
    if request.staff_pin is not None and request.staff_pin == request.tech_pin:
        raise ProvisionError("the technician PIN must differ from the staff PIN")
    if request.staff_pin is None and not stdin.isatty() and get_secret(SECRET_NAMES["staff"]) is None:
        raise ProvisionError("no staff PIN is set yet: give --staff-pin (standard input carries the secret), "
                             "or run kiosk provision on a terminal to be asked")


def _set_pin(role: Role, pin: str | None, stdin: TextIO) -> str:
    from kiosk.security.secrets import SecretsError, get_secret
    from kiosk.security.staff_auth import PIN_MAX, PIN_MIN, SECRET_NAMES, PinError, StaffAuth

    label = role
    if pin is None:
        if get_secret(SECRET_NAMES[role]) is not None:
            return f"{label} PIN kept"
        if not stdin.isatty():
            if role == "technician":
                return "technician PIN not set (give --tech-pin to set one)"
            raise ProvisionError("no staff PIN is set yet: give --staff-pin (standard input carries the secret), "
                                 "or run kiosk provision on a terminal to be asked")
        pin = getpass.getpass(f"New {label} PIN ({PIN_MIN} to {PIN_MAX} digits, no pattern, not shown): ")
        if getpass.getpass(f"{label.capitalize()} PIN again: ") != pin:
            raise ProvisionError(f"the two {label} PINs differ; nothing was changed for the {label} PIN")
    try:
        StaffAuth().set_pin(role, pin)
    except PinError as exc:
        raise ProvisionError(f"{label} PIN not set: {exc}") from None
    except SecretsError as exc:
        raise ProvisionError(str(exc)) from None
    return f"{label} PIN set"


def provision(request: ProvisionRequest, stdin: TextIO) -> ProvisionResult:
    """Do every step in an order that leaves a usable machine if one fails: check everything, then the
    secrets, then the machine file last (so the kiosk never points at a portal it has no secret for)."""
    from kiosk.security.secrets import OUTBOX_KEY, PORTAL_SECRET, SecretsError, get_secret, outbox_key, set_secret
    from kiosk.settings.config import ConfigError, site_profiles, write_toml

    profiles = site_profiles()
    if request.site not in profiles:
        raise ProvisionError(f"unknown site '{request.site}' (allowed: {', '.join(profiles) or 'none installed'})")
    layer = _machine_layer(request)
    _validate(layer, request.config_out)
    _check_writable(request.config_out)
    try:
        _check_pins(request, stdin)
    except SecretsError as exc:
        raise ProvisionError(str(exc)) from None
    secret = read_secret(stdin)
    result = ProvisionResult(request.config_out)
    try:
        had_key = get_secret(OUTBOX_KEY) is not None
        outbox_key(create=True)
        result.done.append("outbox key kept" if had_key else "outbox key created in the keyring")
        set_secret(PORTAL_SECRET, secret)
        result.done.append("portal client secret stored in the keyring")
    except SecretsError as exc:
        raise ProvisionError(str(exc)) from None
    finally:
        del secret
    result.done.append(_set_pin("staff", request.staff_pin, stdin))
    result.done.append(_set_pin("technician", request.tech_pin, stdin))
    try:
        write_toml(request.config_out, layer, header=MACHINE_HEADER)
    except OSError as exc:
        raise ProvisionError(f"cannot write {request.config_out}: {exc.strerror} (run it with sudo, "
                             "or give --config-out)") from None
    except ConfigError as exc:  # pragma: no cover - validated above
        raise ProvisionError(str(exc)) from None
    result.done.append(f"site {request.site}, portal {request.portal}, client id {request.client_id} written to "
                       f"{request.config_out}")
    return result


# --- the command ----------------------------------------------------------------------------------


def register(sub: Any) -> None:
    from kiosk.settings.config import SYSTEM_CONFIG

    parser = sub.add_parser(
        "provision", help="set this machine's site, portal and secrets (client secret on standard input)",
        description="Set the site profile, the portal address and client id, and store the client secret "
                    "(read from standard input), the outbox key and the PINs in the keyring.")
    parser.add_argument("--site", required=True, help="site profile from config/sites/, e.g. bach-khoa")
    parser.add_argument("--portal", required=True, metavar="URL", help="portal API address (https://…)")
    parser.add_argument("--client-id", required=True, metavar="ID", help="this kiosk's client id at the portal")
    parser.add_argument("--kiosk-id", metavar="ID", help="this machine within the site, e.g. K02 (default K01)")
    parser.add_argument("--staff-pin", metavar="PIN",
                        help="staff PIN, 6 to 12 digits, not an easily guessed one "
                             "(prefer the prompt: a PIN here is kept in shell history)")
    parser.add_argument("--tech-pin", metavar="PIN", help="technician PIN (same caution)")
    parser.add_argument("--config-out", metavar="FILE", default=str(SYSTEM_CONFIG),
                        help=f"machine file to write (default {SYSTEM_CONFIG})")
    parser.set_defaults(func=cmd_provision)


def cmd_provision(args: argparse.Namespace) -> int:
    request = ProvisionRequest(site=args.site, portal=args.portal, client_id=args.client_id,
                               config_out=Path(args.config_out), kiosk_id=args.kiosk_id,
                               staff_pin=args.staff_pin, tech_pin=args.tech_pin)
    try:
        result = provision(request, sys.stdin)
    except ProvisionError as exc:
        print(f"kiosk provision: {exc}", file=sys.stderr)
        return 1
    for line in result.done:
        print(f"kiosk provision: {line}")
    print("kiosk provision: done; now run 'kiosk doctor'")
    return 0
