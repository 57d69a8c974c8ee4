"""`kiosk doctor`: check everything a kiosk needs, one line per check, each failure with its fix.

Checks: configuration, display, the Qt platform plugin's system libraries, fonts covering Vietnamese, disk
space, keyring backend and the secrets in it, procedure catalog, the site's facts (placeholders FAIL, values
still to confirm WARN), the public-holiday data, the time zone and clock (kiosk.ops.host_checks), printer driver,
printer and paper, portal TLS, authentication and clock skew.
The exit status is 1 when any check FAILs; a WARN is reported but does not fail. Nothing here
imports Qt: the font check reads the font's character map itself.

Longer than most modules on purpose: one function per check, in the order they run.
"""

from __future__ import annotations

import argparse
import email.utils
import logging
import os
import shutil
import struct
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.files import paths
from kiosk.workdays.clock import VN_TZ

if TYPE_CHECKING:
    from kiosk.settings.config import Settings

log = logging.getLogger(__name__)

MIN_FREE_BYTES = 500 * 1024 * 1024
MAX_CLOCK_SKEW_S = 120.0
PORTAL_TIMEOUT_S = 5.0
PRINTER_TIMEOUT_S = 3.0
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")


class Outcome(StrEnum):
    OK = "OK"
    FAIL = "FAIL"
    SKIP = "SKIP"
    WARN = "WARN"  # works, but something must be confirmed before residents rely on it; not a failure


@dataclass(frozen=True)
class CheckResult:
    name: str
    outcome: Outcome
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = " ".join(f"{self.outcome.value:<4} {self.name:<12} {self.detail}".split("\n"))
        if self.outcome is Outcome.FAIL and self.fix:
            text += f" — fix: {self.fix}"
        return text


def ok(name: str, detail: str) -> CheckResult:
    return CheckResult(name, Outcome.OK, detail)


def fail(name: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(name, Outcome.FAIL, detail, fix)


def skip(name: str, detail: str) -> CheckResult:
    return CheckResult(name, Outcome.SKIP, detail)


def warn(name: str, detail: str) -> CheckResult:
    return CheckResult(name, Outcome.WARN, detail)


# --- fonts: a small reader of the TrueType character map ------------------------------------------


def vietnamese_letters() -> str:
    """Every letter of Vietnamese, both cases, with every tone mark (precomposed, as typed and shown)."""
    bases = ["a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u", "u\u031b", "y"]
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    letters = {unicodedata.normalize("NFC", base + tone) for base in bases for tone in tones}
    letters |= set("bcdfghjklmnpqrstvwxzđ")
    letters |= {ch.upper() for ch in letters}
    return "".join(sorted(letters))


def font_codepoints(path: Path) -> set[int]:
    """Code points the font maps to a real glyph (cmap formats 4 and 12). Raises ValueError if unreadable."""
    data = path.read_bytes()
    try:
        num_tables = struct.unpack_from(">H", data, 4)[0]
        cmap_offset = None
        for index in range(num_tables):
            tag, _, offset, _ = struct.unpack_from(">4sIII", data, 12 + 16 * index)
            if tag == b"cmap":
                cmap_offset = offset
        if cmap_offset is None:
            raise ValueError("no cmap table")
        _, count = struct.unpack_from(">HH", data, cmap_offset)
        points: set[int] = set()
        for index in range(count):
            platform, encoding, offset = struct.unpack_from(">HHI", data, cmap_offset + 4 + 8 * index)
            if (platform, encoding) not in ((3, 1), (3, 10), (0, 3), (0, 4)):
                continue
            sub = cmap_offset + offset
            fmt = struct.unpack_from(">H", data, sub)[0]
            if fmt == 4:
                points |= _format4(data, sub)
            elif fmt == 12:
                points |= _format12(data, sub)
        return points
    except struct.error as exc:
        raise ValueError(f"truncated font file: {exc}") from None


def _format4(data: bytes, sub: int) -> set[int]:
    seg_count = struct.unpack_from(">H", data, sub + 6)[0] // 2
    ends = struct.unpack_from(f">{seg_count}H", data, sub + 14)
    starts_at = sub + 16 + 2 * seg_count
    starts = struct.unpack_from(f">{seg_count}H", data, starts_at)
    deltas = struct.unpack_from(f">{seg_count}h", data, starts_at + 2 * seg_count)
    range_offsets_at = starts_at + 4 * seg_count
    range_offsets = struct.unpack_from(f">{seg_count}H", data, range_offsets_at)
    points: set[int] = set()
    for i in range(seg_count):
        start, end = starts[i], ends[i]
        if start == 0xFFFF:
            continue
        for code in range(start, end + 1):
            if range_offsets[i] == 0:
                glyph = (code + deltas[i]) & 0xFFFF
            else:
                at = range_offsets_at + 2 * i + range_offsets[i] + 2 * (code - start)
                glyph = struct.unpack_from(">H", data, at)[0]
                if glyph:
                    glyph = (glyph + deltas[i]) & 0xFFFF
            if glyph:
                points.add(code)
    return points


def _format12(data: bytes, sub: int) -> set[int]:
    groups = struct.unpack_from(">I", data, sub + 12)[0]
    points: set[int] = set()
    for i in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, sub + 16 + 12 * i)
        points.update(code for code in range(start, end + 1) if glyph + code - start)
    return points


def check_fonts(font_dir: Path | None = None) -> CheckResult:
    directory = font_dir or paths.assets_dir() / "fonts"
    needed = vietnamese_letters()
    for name in FONTS:
        path = directory / name
        try:
            covered = font_codepoints(path)
        except (OSError, ValueError) as exc:
            return fail("fonts", f"{path} cannot be read ({exc})", "reinstall the kiosk (deploy/install.sh): "
                        "the bundled fonts are missing or damaged")
        missing = [ch for ch in needed if ord(ch) not in covered]
        if missing:
            return fail("fonts", f"{name} lacks {len(missing)} Vietnamese letters ({''.join(missing[:12])}…)",
                        "restore the bundled DejaVu fonts from the release (deploy/install.sh)")
    return ok("fonts", f"{', '.join(FONTS)} cover all {len(needed)} Vietnamese letters")


# --- the machine ----------------------------------------------------------------------------------


def check_display(environ: dict[str, str] | None = None, dri: Path = Path("/dev/dri")) -> CheckResult:
    env = os.environ if environ is None else environ
    if env.get("QT_QPA_PLATFORM") == "offscreen":
        return skip("display", "headless run (QT_QPA_PLATFORM=offscreen)")
    if env.get("WAYLAND_DISPLAY") or env.get("DISPLAY"):
        return ok("display", f"session display {env.get('WAYLAND_DISPLAY') or env.get('DISPLAY')}")
    cards = sorted(dri.glob("card*")) if dri.is_dir() else []
    if cards:
        return ok("display", f"no session here (SSH), but {cards[0]} exists for cage to draw on")
    return fail("display", "no display and no graphics device (/dev/dri/card*)",
                "connect the screen and check the graphics driver (ls /dev/dri); on a VM enable a virtual GPU")


# Libraries Qt's platform plugins need that a minimal Debian lacks, by the package that brings each.
QT_LIBRARY_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}


def qt_platform(env: dict[str, str] | os._Environ[str]) -> str:
    """The platform plugin Qt will load: QT_QPA_PLATFORM, else Wayland in a Wayland session, else xcb."""
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0]
    if chosen:
        return chosen
    return "wayland" if env.get("WAYLAND_DISPLAY") else "xcb"


def qt_plugins_dir() -> Path | None:
    """PySide6's Qt plugin directory, found without importing it: the core never imports Qt."""
    import importlib.util

    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins"


def check_qt_platform(environ: dict[str, str] | None = None, plugins: Path | None = None,
                      ldd: str = "ldd") -> CheckResult:
    """Can Qt load the platform plugin it will use? `ldd` lists the shared libraries the plugin (and Qt's
    library for that platform) cannot find; each is named with the Debian package to install."""
    import subprocess

    env = os.environ if environ is None else environ
    platform = qt_platform(env)
    if platform in ("offscreen", "minimal"):
        return skip("qt platform", f"{platform}: draws nowhere, needs no system library")
    plugins = plugins or qt_plugins_dir()
    if plugins is None:
        return fail("qt platform", "PySide6 is not installed", "reinstall the kiosk (deploy/install.sh)")
    names = {"wayland": ("libqwayland.so", "libqwayland-generic.so", "libqwayland-egl.so")}.get(
        platform, (f"libq{platform}.so",))
    plugin = next((plugins / "platforms" / name for name in names if (plugins / "platforms" / name).exists()), None)
    if plugin is None:
        return fail("qt platform", f"Qt has no '{platform}' platform plugin in {plugins / 'platforms'}",
                    "set QT_QPA_PLATFORM to wayland (under cage) or xcb (under X11)")
    qt_lib = plugins.parent / "lib"
    libraries = [plugin, *sorted(qt_lib.glob("libQt6XcbQpa.so*" if platform == "xcb" else "libQt6Wayland*.so*"))]
    missing: list[str] = []
    for library in libraries:
        try:
            done = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=20, check=False,
                                  env={**os.environ, "LD_LIBRARY_PATH": str(qt_lib)})
        except (OSError, subprocess.TimeoutExpired) as exc:
            return skip("qt platform", f"cannot list the libraries of {plugin.name} ({type(exc).__name__})")
        for line in done.stdout.splitlines():
            name, _, where = line.strip().partition(" => ")
            if where.strip() == "not found" and name not in missing:
                missing.append(name)
    if missing:
        packages = sorted({QT_LIBRARY_PACKAGES.get(name, name) for name in missing})
        return fail("qt platform", f"Qt's {platform} plugin cannot load: missing {', '.join(missing)}",
                    f"sudo apt-get install {' '.join(packages)}")
    return ok("qt platform", f"{platform} plugin and its libraries load ({plugin.name})")


def check_disk(directory: Path | None = None, minimum: int = MIN_FREE_BYTES) -> CheckResult:
    target = directory or paths.data_dir()
    usage = shutil.disk_usage(target)
    free = f"{usage.free / 1024 ** 3:.1f} GB free of {usage.total / 1024 ** 3:.1f} GB at {target}"
    if usage.free < minimum:
        return fail("disk", free, "free space: sudo journalctl --vacuum-size=200M; remove old releases in "
                    "/opt/community-kiosk; check that dossiers are being sent (they wait on disk)")
    return ok("disk", free)


def check_keyring() -> CheckResult:
    import keyring
    import keyring.errors

    from kiosk.security.secrets import SERVICE

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    fix = ("set PYTHON_KEYRING_BACKEND=kiosk.keystore.LocalFileKeyring and "
           "KIOSK_KEYRING_DIR=/var/lib/kiosk/keyring "
           "(docs/DEPLOY.md), and make that directory writable by the kiosk user")
    probe = "doctor-probe"
    try:
        keyring.set_password(SERVICE, probe, "ok")
        answer = keyring.get_password(SERVICE, probe)
        keyring.delete_password(SERVICE, probe)
    except (keyring.errors.KeyringError, OSError, RuntimeError) as exc:
        return fail("keyring", f"{name} cannot store secrets ({type(exc).__name__}: {exc})", fix)
    if answer != "ok":
        return fail("keyring", f"{name} does not give back what was stored", fix)
    return ok("keyring", f"{name} stores and returns secrets")


def check_outbox_key(settings: Settings | None) -> CheckResult:
    from kiosk.security.secrets import SecretsError, outbox_key

    try:
        outbox_key(create=False)
    except SecretsError as exc:
        stored = settings is not None and settings.outbox_path().exists()
        detail = str(exc) + (" — the outbox already holds dossiers that need it" if stored else "")
        fix = ("restore the keyring from the site's backup (/var/lib/kiosk/keyring)" if stored
               else "run 'kiosk provision' to create it")
        return fail("outbox-key", detail, fix)
    return ok("outbox-key", "present and 256 bits long")


def check_staff_pin() -> CheckResult:
    from kiosk.security.secrets import STAFF_PIN_HASH, SecretsError, get_secret

    try:
        present = get_secret(STAFF_PIN_HASH) is not None
    except SecretsError as exc:
        return fail("staff-pin", str(exc), "fix the keyring first (see the keyring line)")
    if not present:
        return fail("staff-pin", "no staff PIN is set: staff cannot open the console",
                    "run 'kiosk provision' (it asks for the PIN)")
    return ok("staff-pin", "set")


# --- the configuration and what it names ----------------------------------------------------------


def check_config(config_file: Path | None, site: str | None) -> tuple[CheckResult, Settings | None]:
    from kiosk.settings.config import SYSTEM_CONFIG, ConfigError, load_settings

    try:
        settings = load_settings(config_file, site=site)
    except ConfigError as exc:
        return fail("config", str(exc).replace("\n", "; "),
                    "correct the file and key named (see deploy/kiosk.toml.example), or run 'kiosk provision'"), None
    source = config_file or (Path(os.environ["KIOSK_CONFIG"]) if os.environ.get("KIOSK_CONFIG") else None)
    if source is None and SYSTEM_CONFIG.is_file():
        source = SYSTEM_CONFIG
    where = str(source) if source else "built-in defaults (no machine file)"
    profile = settings.site.profile or "none"
    return ok("config", f"valid: {where}, site profile {profile}, site id {settings.site.id}, "
                        f"kiosk {settings.kiosk.id}"), settings


def check_catalog(settings: Settings) -> CheckResult:
    from kiosk.catalog import CatalogError, load_catalog

    directory = settings.procedures_path()
    try:
        catalog = load_catalog(directory)
    except CatalogError as exc:
        first = exc.problems[0] if exc.problems else "invalid"
        return fail("catalog", f"{len(exc.problems)} problem(s) in {directory}: {first}",
                    f"run 'kiosk catalog check {directory}' and correct the files named")
    return ok("catalog", f"{len(catalog)} procedures (version {catalog.version}) from {directory}")


def check_printer(settings: Settings) -> CheckResult:
    from kiosk.printing import printer_transport

    printer = settings.printer
    if printer.kind == "none":
        return skip("printer", "no receipt printer configured (printer.kind = \"none\"): slips are only shown")
    try:
        transport = printer_transport(printer)
    except ValueError as exc:
        return fail("printer", str(exc), "correct [printer] address in the machine file")
    if transport is None:
        if shutil.which("lpstat") is None:
            return fail("printer", f"{printer.kind} printing needs CUPS, which is not installed",
                        "sudo apt install cups, then add the printer queue")
        return skip("printer", f"{printer.kind} printing through CUPS queue {printer.address!r}: check with lpstat -p")
    where = f"{printer.kind} printer {printer.address}"
    from kiosk.ops.host_checks import printer_driver_problem

    missing = printer_driver_problem(printer.kind)
    if missing is not None:
        return fail("printer", f"{where}: printer driver missing: {missing}",
                    "install the kiosk again with deploy/install.sh (it installs the printer drivers)")
    state = transport.query_status(PRINTER_TIMEOUT_S)
    if state.value == "ready":
        return ok("printer", f"{where}: ready, paper loaded")
    if state.value == "paper_low":
        return ok("printer", f"{where}: ready, paper low — put a new roll in soon")
    if state.value == "unknown":
        return ok("printer", f"{where}: reachable, does not report paper state")
    if state.value == "paper_out":
        return fail("printer", f"{where}: out of paper", "load a new thermal roll and close the cover")
    fixes = {
        "network": "check the printer is on and cabled, its IP address (print its self-test page) and port 9100",
        "usb": "check the cable and power; lsusb must list the printer; see the udev rule in docs/DEPLOY.md",
        "serial": "check the cable, power and the serial port name",
        "file": "check the device path exists (ls -l /dev/usb/lp*) and the kiosk user may write it",
    }
    absent = " (the driver is installed: the device is absent, off or unplugged)" if printer.kind in (
        "usb", "serial") else ""
    return fail("printer", f"{where}: not reachable{absent}", fixes.get(printer.kind, "check the printer"))


def check_scanner(settings: Settings) -> list[CheckResult]:
    """The document scanner: which scanners SANE finds, and a test scan (in memory) on the configured one."""
    from kiosk.scanning.device import ScanError, from_settings
    from kiosk.scanning.images import Colour, ImageError, process

    scanning = settings.scanning
    scanner, request = from_settings(scanning.program, scanning.sane_config_dir, scanning.device,
                                     scanning.resolution, scanning.options)
    if not scanner.available():
        if not scanning.enabled:
            return [skip("scanner", "no document scanner configured ([scanning] device is empty): residents "
                                    "bring their papers")]
        return [fail("scanner", "scanimage is not installed", "sudo apt install sane-utils")]
    try:
        found = scanner.devices()
    except ScanError as exc:
        return [fail("scanner", f"listing scanners failed: {exc}", "check the scanner's cable and power")]
    listing = ", ".join(device.label for device in found) or "none"
    if not scanning.enabled:
        return [skip("scanner", f"scanners found: {listing}; none configured: set [scanning] device to one of "
                                "these names to let residents scan their papers")]
    results = [ok("scanner.list", f"scanners found: {listing}")]
    if scanning.device not in {device.name for device in found}:
        results.append(fail("scanner.device", f"{scanning.device} is not among the scanners found",
                            "check the cable and power (sane-find-scanner lists USB scanners), then set [scanning] "
                            "device to one of the names above"))
        return results
    try:
        page = process(scanner.scan(request), Colour(scanning.colour), scanning.resolution)
    except (ScanError, ImageError) as exc:
        fixes = {"scan.error.jammed": "take the jammed paper out", "scan.error.cover_open": "close the lid",
                 "scan.error.busy": "wait for the scanner, or restart it",
                 "scan.error.no_paper": "put a sheet into the feeder"}
        results.append(fail("scanner.test", f"test scan on {scanning.device} failed: {type(exc).__name__}: {exc}",
                            fixes.get(exc.message_key, "restart the scanner and check its cable")))
        return results
    results.append(ok("scanner.test", f"test scan on {scanning.device}: {page.image.width}×{page.image.height} "
                                      f"pixels at {page.dpi} dpi"))
    page.image.close()
    return results


# --- the site's facts and the holiday calendar ---------------------------------------------------

# Values that only a sample or an unfinished profile carries; never printed for residents.
PLACEHOLDERS = ("1900 0000", "bản trình diễn", "xxx", "todo", "example", "ví dụ")
REQUIRED_SITE_VALUES = ("name", "ward", "authority", "service_point", "collect_at")
DEMO_SITE = "demo"
# From this month on, next year's holiday file is needed too (slips then carry dates in it).
NEXT_YEAR_FROM_MONTH = 11


def check_site(settings: Settings) -> CheckResult:
    """FAIL on placeholders, empty required values and values typed in unverified; WARN on values the ward
    still has to confirm (the kiosk then sends residents to the staff instead of showing them)."""
    from kiosk.settings.config import SITE_FACTS

    site = settings.site
    if site.id == DEMO_SITE:
        return warn("site", "the demonstration site: its values are samples, never for a kiosk residents use "
                    "(choose a site profile: kiosk provision --site SITE)")
    fix = ("correct [site] in config/sites/<site>.toml or the machine file: give the real value with its source in "
           "[site.facts.<name>] (status = \"verified\"), or leave it empty with status = \"to_confirm\"")
    problems: list[str] = []
    for name in dict.fromkeys((*REQUIRED_SITE_VALUES, *SITE_FACTS)):
        value = str(getattr(site, name, ""))
        fact = site.fact(name)
        if any(mark in value.lower() for mark in PLACEHOLDERS):
            problems.append(f"{name} is a placeholder ({value!r})")
        elif not value.strip() and name in REQUIRED_SITE_VALUES:
            problems.append(f"{name} is empty")
        elif value.strip() and name in SITE_FACTS and (fact is None or fact.status == "unverified"):
            problems.append(f"{name} has no verified source")
        elif fact is not None and fact.status == "verified" and not (fact.source and fact.checked):
            problems.append(f"{name} is marked verified without a source and a date")
    if problems:
        return fail("site", f"{site.id}: " + "; ".join(problems), fix)
    to_confirm = [name for name in SITE_FACTS if (fact := site.fact(name)) is not None
                  and fact.status == "to_confirm"]
    if to_confirm:
        return warn("site", f"{site.id}: to confirm with the ward before go-live: {', '.join(to_confirm)} "
                    "(the kiosk tells residents to ask the staff meanwhile)")
    return ok("site", f"{site.id}: every value residents read has a verified source")


def check_holidays(today: date, directory: Path | None = None) -> CheckResult:
    """The holiday data for this year (and next year from November): WARN when missing or provisional, since
    expected dates then skip weekends only or follow the usual pattern."""
    from kiosk.workdays.holidays import HolidayDataError, holidays_dir, load_years

    where = directory or holidays_dir()
    try:
        years = load_years(where)
    except HolidayDataError as exc:
        return fail("holidays", str(exc), f"correct the file named in {where}")
    needed = [today.year] + ([today.year + 1] if today.month >= NEXT_YEAR_FROM_MONTH else [])
    missing = [year for year in needed if year not in years]
    if missing:
        names = ", ".join(f"{year}.toml" for year in missing)
        return warn("holidays", f"no public holidays for {', '.join(map(str, missing))}: expected dates there "
                    f"skip weekends only — add {names} to {where} from the government's notices")
    unsure = []
    for year in needed:
        days, items = len(years[year].provisional_from(today)), len(years[year].pending_from(today))
        if days or items:
            unsure.append(f"{year}: {days} provisional day(s) off, {items} open item(s) ([[pending]] in {year}.toml)")
    if unsure:
        return warn("holidays", "; ".join(unsure) + " — replace them with the days of the government's notice")
    return ok("holidays", f"public holidays of {', '.join(map(str, needed))} known")


# --- the portal -----------------------------------------------------------------------------------


def clock_skew(date_header: str | None, now: datetime) -> float | None:
    """Seconds the portal's clock is ahead of ours, from an HTTP Date header; None without a usable one."""
    if not date_header:
        return None
    try:
        theirs = email.utils.parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if theirs.tzinfo is None:
        return None
    return (theirs - now).total_seconds()


def check_clock(date_header: str | None, now: datetime) -> CheckResult:
    skew = clock_skew(date_header, now)
    if skew is None:
        return skip("portal.clock", "the portal sent no Date header")
    if abs(skew) > MAX_CLOCK_SKEW_S:
        return fail("portal.clock", f"this machine's clock is {abs(skew):.0f} s {'behind' if skew > 0 else 'ahead of'}"
                    " the portal's", "turn on network time: sudo timedatectl set-ntp true (then check timedatectl)")
    return ok("portal.clock", f"within {abs(skew):.0f} s of the portal's clock")


def check_portal(settings: Settings, secret_reader: Callable[[], str | None] | None = None) -> list[CheckResult]:
    import requests

    from kiosk.portal.client import PortalClient
    from kiosk.portal.errors import PortalAuthError, PortalError, PortalRejected, PortalUnavailable

    portal = settings.portal
    if portal.base_url is None:
        return [skip("portal", "no portal configured (offline demo): run 'kiosk provision --portal URL'")]
    url = portal.base_url
    verify: str | bool = portal.ca_bundle or True
    results: list[CheckResult] = []
    try:
        with requests.Session() as session:
            session.trust_env = False
            answer = session.get(url + "/", timeout=PORTAL_TIMEOUT_S, verify=verify, allow_redirects=False)
            answer.close()
    except requests.exceptions.SSLError as exc:
        reason = "certificate not trusted" if "CERTIFICATE_VERIFY_FAILED" in str(exc) else "TLS handshake failed"
        return [fail("portal.tls", f"{url}: {reason}",
                     "check the date and time (timedatectl), the address, and if the portal uses its own CA set "
                     "portal.ca_bundle to its certificate file"),
                skip("portal.auth", "not tried: no trusted connection"),
                skip("portal.clock", "not tried: no trusted connection")]
    except requests.exceptions.RequestException as exc:
        kind = "timed out" if isinstance(exc, requests.exceptions.Timeout) else "cannot connect"
        return [fail("portal.tls", f"{url}: {kind}",
                     "check portal.base_url (kiosk provision --portal URL), the network cable or Wi-Fi, and that "
                     "the portal is up (curl -I URL)"),
                skip("portal.auth", "not tried: portal unreachable"),
                skip("portal.clock", "not tried: portal unreachable")]
    if url.startswith("https://"):
        results.append(ok("portal.tls", f"{url}: certificate trusted"))
    else:
        results.append(ok("portal.tls", f"{url}: plain http to this machine (sandbox only)"))

    def read_secret() -> str | None:
        from kiosk.security.secrets import PORTAL_SECRET, get_secret

        return get_secret(PORTAL_SECRET)

    try:
        secret = (secret_reader or read_secret)()
    except Exception as exc:  # a broken keyring: reported on its own line
        secret = None
        log.info("portal secret unreadable: %s", type(exc).__name__)
    if not secret:
        results.append(fail("portal.auth", "no client secret in the keyring",
                            "run 'kiosk provision' and give the secret on standard input"))
    else:
        client = PortalClient.for_portal(portal, lambda: secret, max_retries=0, timeout_cap=PORTAL_TIMEOUT_S,
                                         sleep=lambda _s: None)
        try:
            client.fetch_token()
            results.append(ok("portal.auth", f"client id {portal.client_id} accepted"))
        except PortalAuthError:
            results.append(fail("portal.auth", f"the portal refused client id {portal.client_id!r} or its secret",
                                "check the client id with the portal operator and enter the secret again: "
                                "kiosk provision (secret on standard input)"))
        except PortalRejected as exc:
            results.append(fail("portal.auth", f"{url} answered HTTP {exc.status} to the token request: "
                                "not the portal's API address",
                                "check portal.base_url: it is the API address the operator gave, e.g. ending in /api"))
        except PortalUnavailable as exc:
            results.append(fail("portal.auth", f"token request failed: {exc.reason}",
                                "check the network and try again; if it persists, call the portal operator"))
        except PortalError as exc:
            results.append(fail("portal.auth", f"unexpected answer: {exc.reason}",
                                "check portal.base_url; call the portal operator"))
        finally:
            client.close()
    results.append(check_clock(answer.headers.get("Date"), datetime.now(UTC)))
    return results


# --- all of it ------------------------------------------------------------------------------------


def run_checks(config_file: Path | None = None, site: str | None = None) -> list[CheckResult]:
    config_result, settings = check_config(config_file, site)
    results = [config_result, check_display(), check_qt_platform(), check_fonts(), check_disk(), check_keyring(),
               check_outbox_key(settings), check_staff_pin()]
    if settings is None:
        for name in ("catalog", "printer", "portal"):
            results.append(skip(name, "not checked: the configuration is invalid (see the config line)"))
        return results
    results.append(check_catalog(settings))
    results.append(check_site(settings))
    results.append(check_holidays(datetime.now(UTC).astimezone(VN_TZ).date()))
    from kiosk.ops.host_checks import check_system_clock, check_timezone

    results.extend((check_timezone(), check_system_clock()))
    results.append(check_printer(settings))
    results.extend(check_scanner(settings))
    results.extend(check_portal(settings))
    return results


def report(results: Iterable[CheckResult]) -> tuple[str, int]:
    """The lines to print and the exit status (1 on any FAIL)."""
    results = list(results)
    lines = [r.line() for r in results]
    failed = sum(r.outcome is Outcome.FAIL for r in results)
    warned = sum(r.outcome is Outcome.WARN for r in results)
    if warned:
        lines.append(f"{warned} warning(s): see the WARN lines before residents rely on this kiosk")
    lines.append(f"{failed} problem(s) to fix" if failed else "all checks passed")
    return "\n".join(lines), 1 if failed else 0


# --- the command ----------------------------------------------------------------------------------


def register(sub: Any) -> None:
    parser = sub.add_parser("doctor", help="check this kiosk and say what to fix (exit 1 on any problem)")
    parser.add_argument("--config", metavar="FILE", help="machine file (default /etc/kiosk/kiosk.toml)")
    parser.add_argument("--site", help="site profile from config/sites/")
    parser.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    logging.getLogger().setLevel(logging.ERROR)  # the lines below are the report; library chatter is not
    text, status = report(run_checks(Path(args.config) if args.config else None, args.site))
    print(text)
    return status
