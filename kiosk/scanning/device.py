"""Document scanners through SANE's command-line front end, `scanimage` (Debian package sane-utils).

A page is scanned into memory (PNM on standard output): no image ever lands in a file. Progress comes from
`--progress` on standard error; a failed scan becomes one of the typed errors below, read from the exit status
(scanimage exits with the SANE status code) and, for older versions, from its message.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

MAX_RAW_BYTES = 256 * 1024 * 1024  # one uncompressed A4 page in colour at 600 dpi is ~100 MB
LIST_TIMEOUT_S = 30.0
SCAN_TIMEOUT_S = 180.0
# After scanimage has printed why the page failed it closes the device; some backends hang there (SANE's
# test backend does now and then after a jam). Past this wait it is stopped: the page has failed anyway.
FAILURE_GRACE_S = 3.0
Progress = Callable[[float], None]


class ScanError(Exception):
    """A scan did not produce a page. `message_key` names the text the resident sees."""

    message_key = "scan.error.failed"


class NoScanner(ScanError):  # noqa: N818 - reads as the condition it reports
    message_key = "scan.error.no_scanner"


class PaperJammed(ScanError):  # noqa: N818 - reads as the condition it reports
    message_key = "scan.error.jammed"


class CoverOpen(ScanError):  # noqa: N818 - reads as the condition it reports
    message_key = "scan.error.cover_open"


class NoPaper(ScanError):  # noqa: N818 - reads as the condition it reports
    message_key = "scan.error.no_paper"


class ScannerBusy(ScanError):  # noqa: N818 - reads as the condition it reports
    message_key = "scan.error.busy"


class ScanCancelled(ScanError):  # noqa: N818 - reads as the condition it reports
    message_key = "scan.error.cancelled"


# SANE_Status codes (sane.h), which scanimage uses as its exit status, and the texts of sane_strstatus().
_BY_STATUS: dict[int, type[ScanError]] = {2: ScanCancelled, 3: ScannerBusy, 6: PaperJammed, 7: NoPaper,
                                          8: CoverOpen}
_BY_TEXT: tuple[tuple[str, type[ScanError]], ...] = (
    ("jammed", PaperJammed),
    ("cover is open", CoverOpen),
    ("out of documents", NoPaper),
    ("device busy", ScannerBusy),
    ("canceled", ScanCancelled),
    ("cancelled", ScanCancelled),
    ("no sane devices found", NoScanner),
    ("open of device", NoScanner),
    ("no such device", NoScanner),
)
_PROGRESS = re.compile(rb"Progress:\s*([0-9]+(?:\.[0-9]+)?)%")
# The lines scanimage prints when the scan failed (not its warnings, such as a rounded option value).
_FAILURE = re.compile(rb"scanimage: (?:sane_\w+: |open of device|no SANE devices found)")


def classify_failure(status: int, stderr: str) -> ScanError:
    """The typed error for a scanimage run that ended with `status` and printed `stderr`."""
    text = stderr.lower()
    for needle, kind in _BY_TEXT:
        if needle in text:
            return kind(_last_line(stderr))
    kind = _BY_STATUS.get(status, ScanError)
    return kind(_last_line(stderr) or f"scanimage exited with status {status}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("Progress:")]
    return lines[-1][:200] if lines else ""


@dataclass(frozen=True)
class ScannerDevice:
    name: str  # what SANE calls it, e.g. "test:0" or "epson2:libusb:001:004"
    vendor: str
    model: str
    kind: str

    @property
    def label(self) -> str:
        return f"{self.vendor} {self.model} ({self.name})"


@dataclass(frozen=True)
class ScanRequest:
    device: str
    resolution: int = 300  # dpi
    mode: str = "Gray"  # SANE's mode names: "Gray", "Color", "Lineart"
    extra: tuple[str, ...] = ()  # backend options, e.g. ("--source", "Automatic Document Feeder")


@dataclass(frozen=True)
class RawScan:
    """One page as the scanner gave it: PNM bytes, in memory only."""

    data: bytes
    resolution: int

    def __repr__(self) -> str:  # never the image in logs or tracebacks
        return f"RawScan({len(self.data)} bytes, {self.resolution} dpi)"


class Scanner(Protocol):
    def devices(self) -> list[ScannerDevice]: ...

    def scan(self, request: ScanRequest, progress: Progress | None = None,
             cancel: threading.Event | None = None) -> RawScan: ...


class SaneScanner:
    """Scanners through `scanimage`. `program` is its path (found on PATH when None); `env` adds environment
    variables such as SANE_CONFIG_DIR."""

    def __init__(self, program: str | None = None, env: Mapping[str, str] | None = None) -> None:
        self.program = program or shutil.which("scanimage")
        self._env = {**os.environ, **(env or {})}

    def available(self) -> bool:
        return self.program is not None and os.access(self.program, os.X_OK)

    def _program(self) -> str:
        if not self.available():
            raise NoScanner("scanimage (Debian package sane-utils) is not installed")
        assert self.program is not None
        return self.program

    def devices(self) -> list[ScannerDevice]:
        """The scanners SANE finds (`scanimage -f`), none when there are none."""
        try:
            done = subprocess.run(
                [self._program(), "-f", "%d\t%v\t%m\t%t%n"], capture_output=True, env=self._env,
                timeout=LIST_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise ScannerBusy("listing scanners took too long") from None
        found = []
        for line in done.stdout.decode("utf-8", "replace").splitlines():
            parts = line.split("\t")
            if len(parts) == 4 and parts[0]:
                found.append(ScannerDevice(*parts))
        return found

    def scan(self, request: ScanRequest, progress: Progress | None = None,
             cancel: threading.Event | None = None) -> RawScan:
        """One page into memory. Raises a ScanError subclass; `cancel` set stops the scan (ScanCancelled)."""
        args = [self._program(), "-d", request.device, "--format=pnm", "--progress",
                f"--resolution={int(request.resolution)}", f"--mode={request.mode}", *request.extra]
        try:
            process = subprocess.Popen(
                args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=self._env)
        except OSError as exc:
            raise NoScanner(f"scanimage cannot be started: {exc.strerror}") from None
        assert process.stdout is not None and process.stderr is not None
        errors = bytearray()
        stdout, stderr = process.stdout, process.stderr
        stopper = _Stopper(process, cancel)

        reader = threading.Thread(target=_read_errors, args=(stderr.fileno(), errors, progress, stopper),
                                  name="scan-progress", daemon=True)
        reader.start()
        data = bytearray()
        try:
            for chunk in iter(lambda: os.read(stdout.fileno(), 1 << 16), b""):
                data.extend(chunk)
                if len(data) > MAX_RAW_BYTES:
                    process.kill()
                    raise ScanError("the scanner sent more data than one page can hold")
            status = process.wait(timeout=SCAN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            status = process.wait()
        finally:
            stopper.done()
            reader.join(timeout=5)
            process.stdout.close()
            process.stderr.close()
        if stopper.cancelled:
            data.clear()
            raise ScanCancelled("the scan was cancelled")
        if stopper.timed_out:
            data.clear()
            raise ScannerBusy("the scanner did not finish the page in time")
        if status != 0 or not data:
            data.clear()
            error = classify_failure(status, errors.decode("utf-8", "replace"))
            log.info("scan failed on %s: %s (%s)", request.device, type(error).__name__, error)
            raise error
        if progress is not None:
            progress(1.0)
        return RawScan(bytes(data), int(request.resolution))


def _read_errors(fd: int, errors: bytearray, progress: Progress | None, stopper: _Stopper) -> None:
    """Collects scanimage's standard error: its progress goes to `progress`, a failure to `stopper`."""
    for chunk in iter(lambda: os.read(fd, 4096), b""):
        errors.extend(chunk)
        matches = _PROGRESS.findall(chunk)
        if matches and progress is not None:
            progress(min(100.0, float(matches[-1])) / 100)
        if _FAILURE.search(errors):
            stopper.failure_reported()


class _Stopper:
    """Stops scanimage when `cancel` is set, when the page takes longer than `deadline_s`, or when scanimage
    has reported a failure but is still running `grace_s` later."""

    def __init__(self, process: subprocess.Popen[bytes], cancel: threading.Event | None,
                 deadline_s: float = SCAN_TIMEOUT_S, grace_s: float = FAILURE_GRACE_S) -> None:
        self._process = process
        self._cancel = cancel or threading.Event()
        self._deadline_s = deadline_s
        self._grace_s = grace_s
        self._failed_at: float | None = None
        self._finished = threading.Event()
        self.cancelled = False
        self.timed_out = False
        self._thread = threading.Thread(target=self._watch, name="scan-watch", daemon=True)
        self._thread.start()

    def failure_reported(self) -> None:
        """scanimage has printed why the page failed: it has `grace_s` to exit on its own."""
        if self._failed_at is None:
            self._failed_at = time.monotonic()

    def _watch(self) -> None:
        ends = time.monotonic() + self._deadline_s
        while not self._finished.is_set():
            failed_at = self._failed_at
            if self._cancel.wait(0.05):
                self.cancelled = True
            elif time.monotonic() >= ends:
                self.timed_out = True
            elif failed_at is not None and time.monotonic() >= failed_at + self._grace_s:
                log.info("scanimage still running %.0f s after reporting a failure: stopped", self._grace_s)
            else:
                continue
            self._stop()
            return

    def _stop(self) -> None:
        """SIGTERM (scanimage then cancels the scan), and SIGKILL if it has not ended a second later."""
        if self._process.poll() is not None:
            return
        self._process.terminate()
        ends = time.monotonic() + 1.0
        while self._process.poll() is None:
            if time.monotonic() >= ends:
                self._process.kill()
                return
            time.sleep(0.02)

    def done(self) -> None:
        self._finished.set()
        self._thread.join(timeout=2)


def sane_test_config(directory: os.PathLike[str] | str, devices: int = 1) -> dict[str, str]:
    """Write a SANE configuration that enables only the `test` backend into `directory`; returns the
    environment that points SANE at it (for tests, `kiosk doctor --scan-test` and training)."""
    from pathlib import Path

    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    (path / "dll.conf").write_text("test\n", encoding="ascii")
    (path / "test.conf").write_text(f"number_of_devices {int(devices)}\n", encoding="ascii")
    return {"SANE_CONFIG_DIR": str(path)}


TEST_PAGE_OPTIONS: Sequence[str] = ("--test-picture", "Color pattern", "-x", "105", "-y", "148")  # A6, striped


def from_settings(program: str, sane_config_dir: str, device: str, resolution: int,
                  options: Sequence[str]) -> tuple[SaneScanner, ScanRequest]:
    """The scanner and the page request the technician's settings (`[scanning]`) describe."""
    env = {"SANE_CONFIG_DIR": sane_config_dir} if sane_config_dir else {}
    return SaneScanner(program or None, env), ScanRequest(device, resolution, "Gray", tuple(options))
