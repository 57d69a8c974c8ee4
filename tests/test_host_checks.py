"""`kiosk doctor` on the machine under the kiosk: the time zone the nightly timer needs, the clock, and a
printer driver that is missing told apart from a printer that is absent."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.ops.doctor import Outcome, check_printer
from kiosk.ops.host_checks import (
    SYSTEM_ZONEINFO,
    TIMER_ZONE,
    check_system_clock,
    check_timezone,
    kernel_clock_synced,
)
from kiosk.settings.config import PrinterSettings, Settings

REPO = Path(__file__).resolve().parents[1]


def test_the_timer_zone_is_found_in_the_system_database() -> None:
    if not (SYSTEM_ZONEINFO / TIMER_ZONE).is_file():
        pytest.skip("this machine has no tzdata")
    result = check_timezone()
    assert result.outcome is Outcome.OK, result.line()
    assert "03:30" in result.detail


def test_a_missing_zone_fails_with_the_package_to_install(tmp_path: Path) -> None:
    result = check_timezone(tmp_path)
    assert result.outcome is Outcome.FAIL
    assert str(tmp_path / "Asia" / "Ho_Chi_Minh") in result.detail and "missing" in result.detail
    assert "tzdata" in result.fix


def test_a_zone_file_with_the_wrong_offset_fails(tmp_path: Path) -> None:
    utc = SYSTEM_ZONEINFO / "UTC"
    if not utc.is_file():
        pytest.skip("this machine has no tzdata")
    (tmp_path / "Asia").mkdir()
    shutil.copyfile(utc, tmp_path / "Asia" / "Ho_Chi_Minh")
    result = check_timezone(tmp_path)
    assert result.outcome is Outcome.FAIL and "not UTC+07:00" in result.detail


def test_a_clock_reset_to_the_past_fails() -> None:
    result = check_system_clock(datetime(2000, 1, 1, 0, 5, tzinfo=UTC), synced=True)
    assert result.outcome is Outcome.FAIL
    assert "2000-01-01 07:05 in Hanoi" in result.detail and "reset" in result.detail
    assert "timedatectl set-ntp true" in result.fix


def test_a_clock_without_network_time_warns_and_a_kept_one_passes() -> None:
    now = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    drifting = check_system_clock(now, synced=False, ask_kernel=False)
    assert drifting.outcome is Outcome.WARN and "timedatectl set-ntp true" in drifting.detail
    unknown = check_system_clock(now, synced=None, ask_kernel=False)
    assert unknown.outcome is Outcome.WARN and "unknown" in unknown.detail
    kept = check_system_clock(now, synced=True)
    assert kept.outcome is Outcome.OK and "2026-12-06 09:00 in Hanoi" in kept.detail


def test_the_kernel_is_asked_about_the_clock() -> None:
    synced = kernel_clock_synced()
    assert synced in (True, False, None)
    result = check_system_clock(synced=synced)
    assert result.outcome is (Outcome.OK if synced else Outcome.WARN)


# --- printer drivers --------------------------------------------------------------------------------

USB = PrinterSettings(kind="usb", address="0416:5011")


def _printer_line(printer: PrinterSettings, *, block: str = "", hide: str = "") -> str:
    """`check_printer` in a fresh interpreter, with one Python module made unimportable (as if not installed)
    or one shared library hidden by an empty file mounted over it (as if its Debian package were missing)."""
    script = (f"import sys\nsys.modules[{block!r}] = None\n" if block else "") + (
        "from kiosk.settings.config import PrinterSettings, Settings\n"
        "from kiosk.ops.doctor import check_printer\n"
        f"print(check_printer(Settings(printer=PrinterSettings(kind={printer.kind!r}, "
        f"address={printer.address!r}))).line())\n")
    command = [sys.executable, "-c", script]
    if hide:
        command = ["unshare", "-m", "sh", "-c", f'mount --bind /dev/null "{hide}" && exec "$@"', "sh", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_usb_without_pyusb_is_a_missing_driver_not_an_absent_printer() -> None:
    line = _printer_line(USB, block="usb")
    assert line.startswith("FAIL printer")
    assert "printer driver missing: pyusb is not installed" in line
    assert "deploy/install.sh" in line
    assert "absent" not in line


def test_serial_without_pyserial_is_a_missing_driver() -> None:
    line = _printer_line(PrinterSettings(kind="serial", address="/dev/ttyUSB7@9600"), block="serial")
    assert "printer driver missing: pyserial is not installed" in line


def _libusb() -> str:
    name = ctypes.util.find_library("usb-1.0")
    candidates = [Path(d) / (name or "libusb-1.0.so.0") for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                                                                  "/lib", "/usr/lib")]
    found = next((str(c) for c in candidates if c.is_file()), None)
    if name is None or found is None or os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs libusb-1.0 installed, root and unshare to hide it")
    return found


def test_usb_without_libusb_is_a_missing_driver() -> None:
    line = _printer_line(USB, hide=_libusb())
    assert "printer driver missing: the libusb-1.0 library is missing (Debian package libusb-1.0-0)" in line


@pytest.mark.parametrize("printer", [USB, PrinterSettings(kind="serial", address="/nonexistent/ttyUSB9")])
def test_with_the_driver_installed_an_absent_printer_is_called_absent(printer: PrinterSettings) -> None:
    pytest.importorskip("usb.backend.libusb1" if printer.kind == "usb" else "serial")
    result = check_printer(Settings(printer=printer))
    assert result.outcome is Outcome.FAIL
    assert "not reachable (the driver is installed: the device is absent, off or unplugged)" in result.detail
    assert "driver missing" not in result.detail
