"""A real display server for end-to-end runs of the kiosk as it is deployed.

`Desktop` starts Xvfb at a given size, a private D-Bus session with the accessibility bus (AT-SPI), and
drives the screen the way a resident does: pointer clicks and key presses through xdotool, screenshots of
the root window through ImageMagick. It finds widgets the way a screen reader does, over AT-SPI
(`atspi_tree.py`, run with the system Python that has Debian's python3-pyatspi), so a test taps "the button
named attract.start" at the place it is really drawn, in the real full-screen window.

`KioskMachine` is a provisioned kiosk in a private home: the data and keyring directories that kiosk.service
sets, the machine file written by `kiosk provision`, and `kiosk run` started full screen, as the unit does.

Debian packages: xvfb, xdotool, x11-utils, imagemagick, dbus, at-spi2-core, python3-pyatspi
(`.ci/run` installs them; `missing_packages()` names what is missing here).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from PIL import Image

HERE = Path(__file__).resolve().parent
ATSPI_TREE = HERE / "atspi_tree.py"
SYSTEM_PYTHON = "/usr/bin/python3"
AT_SPI_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
APP_NAME = "community-kiosk"
# A person looks before tapping; the kiosk ignores taps just after a screen change (`kiosk.tap_guard_ms`).
TAP_PAUSE_S = 0.5

# What each end-to-end run needs, by the Debian package that brings it.
TOOLS = {
    "Xvfb": "xvfb",
    "xdotool": "xdotool",
    "xwininfo": "x11-utils",
    "xmodmap": "x11-xserver-utils",
    "import": "imagemagick",
    "dbus-daemon": "dbus",
}


def missing_packages() -> list[str]:
    """The Debian packages an end-to-end run needs that this machine lacks."""
    missing = [package for tool, package in TOOLS.items() if shutil.which(tool) is None]
    if not Path(AT_SPI_LAUNCHER).exists():
        missing.append("at-spi2-core")
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True, check=False) \
        if Path(SYSTEM_PYTHON).exists() else None
    if probe is None or probe.returncode != 0:
        missing.append("python3-pyatspi")
    return missing


class DesktopError(AssertionError):
    """The screen did not show what the run waited for; the message says what was on it."""


@dataclass(frozen=True)
class Widget:
    """One widget on screen, as AT-SPI reports it (desktop coordinates)."""

    id: str
    role: str
    name: str
    x: int
    y: int
    w: int
    h: int
    checked: bool = False
    focused: bool = False

    @property
    def object_name(self) -> str:
        return self.id.rsplit(".", 1)[-1]

    def named(self, name: str) -> bool:
        """Its Qt objectName is `name` (AT-SPI gives the dotted path of objectNames from the application)."""
        return self.id == name or self.id.endswith("." + name)

    @property
    def centre(self) -> tuple[int, int]:
        return self.x + self.w // 2, self.y + self.h // 2


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DesktopError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _inside(point: tuple[int, int], box: Widget) -> bool:
    return box.x <= point[0] < box.x + box.w and box.y <= point[1] < box.y + box.h


def colour_count(image: Image.Image, limit: int = 1 << 16) -> int:
    colours = image.convert("RGB").getcolors(limit)
    return limit if colours is None else len(colours)


def has_text(image: Image.Image) -> bool:
    """Something is written there: dark strokes on a light ground, or light on dark."""
    grey = image.convert("L")
    low, high = cast("tuple[int, int]", grey.getextrema())
    return high - low >= 100 and colour_count(image) >= 4


class Desktop:
    """Xvfb, a D-Bus session with the accessibility bus, xdotool and ImageMagick; see the module docstring."""

    def __init__(self, width: int, height: int, workdir: Path) -> None:
        self.width, self.height = width, height
        self.workdir = workdir
        self.display = ""
        self.env: dict[str, str] = {}
        self._procs: list[subprocess.Popen[bytes]] = []
        self._logs: list[BinaryIO] = []
        self._mapped: set[str] = set()

    def _log(self, name: str) -> BinaryIO:
        handle = (self.workdir / name).open("wb")
        self._logs.append(handle)
        return handle

    def __enter__(self) -> Desktop:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(args, start_new_session=True, **kwargs)
        self._procs.append(proc)
        return proc

    def _start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        read_fd, write_fd = os.pipe()
        try:
            self._spawn(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{self.width}x{self.height}x24",
                         "-nolisten", "tcp", "-noreset"], pass_fds=(write_fd,),
                        stdout=subprocess.DEVNULL, stderr=self._log("xvfb.log"))
            os.close(write_fd)
            write_fd = -1
            with os.fdopen(read_fd, "rb") as reader:
                read_fd = -1
                number = reader.readline().strip().decode()
        finally:
            for fd in (read_fd, write_fd):
                if fd >= 0:
                    os.close(fd)
        if not number.isdigit():
            raise DesktopError("Xvfb did not start (see xvfb.log)")
        self.display = f":{number}"
        runtime_dir = self.workdir / "runtime"
        runtime_dir.mkdir(mode=0o700, exist_ok=True)
        base = {key: value for key, value in os.environ.items()
                if not key.startswith(("QT_", "WAYLAND", "DBUS_", "XDG_", "KIOSK", "PYTHON_KEYRING"))}
        base.update(DISPLAY=self.display, XDG_RUNTIME_DIR=str(runtime_dir), NO_AT_BRIDGE="0")
        bus = self._spawn(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=base)
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        if not address:
            raise DesktopError("the D-Bus session bus did not start")
        base["DBUS_SESSION_BUS_ADDRESS"] = address
        self._spawn([AT_SPI_LAUNCHER, "--launch-immediately"], env=base,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.env = base

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self._procs):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs.clear()
        for handle in self._logs:
            handle.close()
        self._logs.clear()

    def run(self, *args: str, timeout: float = 30) -> str:
        done = subprocess.run(list(args), env=self.env, capture_output=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise DesktopError(f"{args[0]} failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout.decode(errors="replace")

    # --- what is on screen ---

    def screenshot(self, path: Path) -> Image.Image:
        """The whole screen, as a person in front of it sees it (ImageMagick's `import -window root`)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.run("import", "-window", "root", str(path))
        with Image.open(path) as image:
            return image.copy()

    def mapped_windows(self, pid: int) -> list[tuple[int, int, int, int]]:
        """(x, y, width, height) of each viewable top-level window of process `pid`."""
        try:
            ids = self.run("xdotool", "search", "--onlyvisible", "--pid", str(pid)).split()
        except DesktopError:
            return []  # xdotool exits 1 when nothing matches
        boxes = []
        for window in ids:
            try:
                info = self.run("xwininfo", "-id", window)
            except DesktopError:
                continue  # destroyed since the search
            fields = dict(line.strip().split(":", 1) for line in info.splitlines() if ":" in line)
            if "IsViewable" not in fields.get("Map State", ""):
                continue
            boxes.append((int(fields["Absolute upper-left X"]), int(fields["Absolute upper-left Y"]),
                          int(fields["Width"]), int(fields["Height"])))
        return boxes

    def wait_for_window(self, pid: int, box: tuple[int, int, int, int], timeout: float = 30) -> list[
            tuple[int, int, int, int]]:
        """The viewable windows of `pid`, once one of them is `box`; what there is when `timeout` runs out."""
        with contextlib.suppress(DesktopError):
            wait_until(lambda: box in self.mapped_windows(pid), timeout, "the window to be mapped", 0.05)
        return self.mapped_windows(pid)

    def widgets(self) -> list[Widget]:
        """The kiosk's widgets on screen, from its accessibility tree."""
        done = subprocess.run([SYSTEM_PYTHON, str(ATSPI_TREE), APP_NAME], env=self.env, capture_output=True,
                              timeout=60, check=False)
        if done.returncode != 0:
            return []  # the application is not on the accessibility bus (yet)
        return [Widget(**item) for item in json.loads(done.stdout or b"[]")]

    def find(self, name: str) -> Widget | None:
        return next((w for w in self.widgets() if w.named(name) and w.w > 0 and w.h > 0), None)

    def wait_for(self, name: str, timeout: float = 30) -> Widget:
        found: Widget = wait_until(lambda: self.find(name), timeout, f"{name!r} on screen")
        return found

    def visible_names(self) -> list[str]:
        return [w.object_name for w in self.widgets() if w.w > 0]

    # --- what a resident does ---

    def tap(self, name: str, timeout: float = 30) -> Widget:
        """Click the middle of the widget named `name` with the pointer, once it is on screen, scrolling the
        areas it sits in (mouse wheel over them) until it is in view. Fails if the on-screen keyboard covers it."""
        widget = self.wait_for(name, timeout)
        for _ in range(80):
            widgets = self.widgets()
            widget = next((w for w in widgets if w.named(name) and w.w > 0), widget)
            hidden_in = self._clipping_viewport(widget, widgets)
            if hidden_in is None:
                break
            below = widget.centre[1] > hidden_in.y + hidden_in.h
            x, y = hidden_in.centre
            # No --sync here: it waits for a pointer motion that does not come when the pointer is there already.
            self.run("xdotool", "mousemove", str(x), str(y), "click", "5" if below else "4")
        else:
            raise DesktopError(f"{name!r} could not be scrolled into view")
        keyboard = next((w for w in self.widgets() if w.named("osk") and w.w > 0), None)
        x, y = widget.centre
        time.sleep(TAP_PAUSE_S)
        if keyboard is not None and _inside((x, y), keyboard):
            raise DesktopError(f"{name!r} is covered by the on-screen keyboard")
        self.run("xdotool", "mousemove", str(x), str(y), "click", "1")
        return widget

    @staticmethod
    def _clipping_viewport(widget: Widget, widgets: list[Widget]) -> Widget | None:
        """The innermost scroll area holding `widget` whose visible part does not hold its centre."""
        viewports = [w for w in widgets if w.object_name == "qt_scrollarea_viewport" and w.w > 0
                     and widget.id.startswith(w.id + ".")]
        for viewport in sorted(viewports, key=lambda w: len(w.id), reverse=True):
            if not _inside(widget.centre, viewport):
                return viewport
        return None

    def type_text(self, text: str, delay_ms: int = 90) -> None:
        """Type as a person types (a key every `delay_ms`); a scanner types with a delay of a few ms."""
        self._map_keys(text)
        self.run("xdotool", "type", "--delay", str(delay_ms), "--", text, timeout=60 + len(text) * delay_ms / 1000)

    def _map_keys(self, text: str) -> None:
        """Put the letters of `text` that the keyboard map lacks (ế, ồ, đ …) on spare keys first. xdotool would
        otherwise remap a key for each such letter as it types, and letters typed during a remap get lost."""
        wanted = sorted({char for char in text if ord(char) > 0x7E} - self._mapped)
        if not wanted:
            return
        spare = [int(line.split()[1]) for line in self.run("xmodmap", "-pke").splitlines()
                 if line.startswith("keycode") and line.rstrip().endswith("=")]
        if len(spare) < len(wanted):
            raise DesktopError("not enough spare keys in the keyboard map")
        expressions: list[str] = []
        for code, char in zip(spare, wanted, strict=False):
            expressions += ["-e", f"keycode {code} = U{ord(char):04X}"]
        self.run("xmodmap", *expressions)
        self._mapped.update(wanted)
        time.sleep(0.5)  # the kiosk reads the new map when X tells it (MappingNotify)

    def key(self, *names: str) -> None:
        self.run("xdotool", "key", "--delay", "60", *names)


def kiosk_command() -> Path:
    """The `kiosk` script of this environment, which kiosk.service runs."""
    return Path(sys.executable).with_name("kiosk")


class KioskMachine:
    """A provisioned kiosk in a private home, started with `kiosk run` (full screen) on a `Desktop`."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.data_dir = home / "var-lib-kiosk" / "data"
        self.keyring_dir = home / "var-lib-kiosk" / "keyring"
        self.config_file = home / "etc-kiosk" / "kiosk.toml"
        self.env = dict(env)
        self.env.update(
            HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
            XDG_STATE_HOME=str(home / ".local/state"), XDG_CACHE_HOME=str(home / ".cache"),
            # As deploy/kiosk.service sets them.
            KIOSK_DATA_DIR=str(self.data_dir), KIOSK_KEYRING_DIR=str(self.keyring_dir),
            PYTHON_KEYRING_BACKEND="kiosk.keystore.LocalFileKeyring",
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = home / "kiosk.log"

    def provision(self, site: str, portal_url: str, client_id: str, client_secret: str,
                  pins: tuple[str, str] = ("482916", "730584")) -> None:
        """`kiosk provision` as a technician runs it (the secret on standard input; staff, technician PINs)."""
        done = subprocess.run(
            [str(kiosk_command()), "provision", "--site", site, "--portal", portal_url, "--client-id", client_id,
             "--config-out", str(self.config_file), "--staff-pin", pins[0], "--tech-pin", pins[1]],
            input=(client_secret + "\n").encode(), env=self.env, capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            raise DesktopError(f"kiosk provision failed: {done.stderr.decode(errors='replace')}")

    def start(self, **settings: str) -> subprocess.Popen[bytes]:
        """`kiosk run --config FILE`, full screen, with `settings` as KIOSK__SECTION__KEY overrides."""
        env = dict(self.env, QT_QPA_PLATFORM="xcb", QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", **settings)
        with self.log.open("ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen([str(kiosk_command()), "run", "--config", str(self.config_file)],
                                         env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self.proc

    def stop(self) -> int | None:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        return proc.returncode

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def artifacts_dir(default: Path) -> Path:
    """Where screenshots go: $E2E_ARTIFACTS, else `default` (the repository's artifacts/e2e)."""
    chosen = os.environ.get("E2E_ARTIFACTS")
    return Path(chosen) if chosen else default
