"""`kiosk doctor`'s checks of the machine under the kiosk: time-zone data, clock, printer drivers.

- The nightly restart timer says `OnCalendar=... Asia/Ho_Chi_Minh`: systemd reads that zone from the
  system's time-zone database (Debian package tzdata), not from Python's; without it the timer never fires.
- The clock: a machine whose clock battery is flat starts years in the past (TLS to the portal then fails
  and slips carry wrong dates); one that network time does not keep right drifts.
- Printer drivers: USB printers need pyusb and the libusb-1.0 library, serial printers pyserial. Without
  them a printer that is plugged in looks exactly like one that is absent, so they are checked first.
"""

from __future__ import annotations

import ctypes
import zoneinfo
from datetime import date, datetime, timedelta
from pathlib import Path

from kiosk.ops.doctor import CheckResult, fail, ok, warn
from kiosk.workdays.clock import VN_TZ

TIMER_ZONE = "Asia/Ho_Chi_Minh"
SYSTEM_ZONEINFO = Path("/usr/share/zoneinfo")
# No kiosk runs before this release was made: a clock earlier than this was reset (flat clock battery).
EARLIEST_PLAUSIBLE = date(2026, 12, 1)
_TIME_ERROR = 5  # adjtimex(2): the kernel's clock is not synchronised
_TIMEX_SIZE = 512  # larger than struct timex on every Linux architecture


def zone_problem(zoneinfo_dir: Path = SYSTEM_ZONEINFO) -> str | None:
    """Why systemd cannot use Asia/Ho_Chi_Minh from `zoneinfo_dir`, or None when it can."""
    zone_file = zoneinfo_dir / TIMER_ZONE
    try:
        with zone_file.open("rb") as fh:
            zone = zoneinfo.ZoneInfo.from_file(fh, key=TIMER_ZONE)
    except FileNotFoundError:
        return f"{zone_file} is missing"
    except (OSError, ValueError) as exc:
        return f"{zone_file} cannot be read ({type(exc).__name__})"
    offset = datetime(2026, 1, 1, tzinfo=zone).utcoffset()
    if offset != timedelta(hours=7):
        return f"{zone_file} gives UTC{offset} for Hanoi, not UTC+07:00"
    return None


def kernel_clock_synced() -> bool | None:
    """What the kernel says (adjtimex, as `timedatectl` asks it): True when network time keeps the clock
    right, False when not, None when it cannot be asked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        timex = ctypes.create_string_buffer(_TIMEX_SIZE)  # modes = 0: read only
        state = int(libc.adjtimex(timex))
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != _TIME_ERROR


def clock_problem(now: datetime, synced: bool | None) -> tuple[bool, str]:
    """(is it a failure, what to say) about the machine's clock."""
    local = now.astimezone(VN_TZ)
    shown = f"{local:%Y-%m-%d %H:%M} in Hanoi"
    if local.date() < EARLIEST_PLAUSIBLE:
        return True, f"the clock says {shown}, before this kiosk version existed: it was reset"
    if synced is False:
        return False, f"the clock says {shown} but network time does not keep it right"
    if synced is None:
        return False, f"the clock says {shown}; whether network time keeps it right is unknown"
    return False, f"{shown}, kept right by network time"


def printer_driver_problem(kind: str) -> str | None:
    """What is missing for the printer kind to work at all, or None (network and file printers need nothing)."""
    if kind == "usb":
        try:
            import usb.backend.libusb1
        except ImportError:
            return "pyusb is not installed (the python-escpos[usb] extra)"
        if usb.backend.libusb1.get_backend() is None:
            return "the libusb-1.0 library is missing (Debian package libusb-1.0-0)"
    if kind == "serial":
        try:
            import serial  # noqa: F401
        except ImportError:
            return "pyserial is not installed (the python-escpos[serial] extra)"
    return None


def check_timezone(zoneinfo_dir: Path = SYSTEM_ZONEINFO) -> CheckResult:
    problem = zone_problem(zoneinfo_dir)
    if problem is not None:
        return fail("timezone", f"the nightly restart at 03:30 in Hanoi cannot be scheduled: {problem}",
                    "sudo apt-get install --reinstall tzdata")
    return ok("timezone", f"{TIMER_ZONE} is in the system's time-zone database (nightly restart at 03:30)")


def check_system_clock(now: datetime | None = None, synced: bool | None = None, *, ask_kernel: bool = True
                       ) -> CheckResult:
    if ask_kernel and synced is None:
        synced = kernel_clock_synced()
    failed, detail = clock_problem(now or datetime.now(VN_TZ), synced)
    fix = "sudo timedatectl set-ntp true, then check timedatectl (see docs/DEPLOY.md, step 2)"
    if failed:
        return fail("clock", detail, fix)
    if synced is not True:
        return warn("clock", f"{detail}: {fix}")
    return ok("clock", detail)
