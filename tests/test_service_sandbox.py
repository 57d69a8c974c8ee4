"""The kiosk still works inside kiosk.service's sandbox: started with the unit's system-call filter, address
families, read-only system, no capabilities and an unprivileged user (tests/service_sandbox.py builds them
without systemd), it reaches its first screen, tells the watchdog, delivers a queued dossier to the portal and
stops cleanly on SIGTERM. And the walls are real: the same sandbox refuses what the unit forbids."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.runtime import open_outbox
from kiosk.sandbox.server import SandboxServer
from kiosk.security.secrets import PORTAL_SECRET, set_secret
from kiosk.settings.config import Settings
from tests import portal_fixtures
from tests.test_sync import enqueue

sandbox = portal_fixtures.sandbox
sandbox_factory = portal_fixtures.sandbox_factory

REPO = Path(__file__).resolve().parents[1]
UNIT = REPO / "deploy" / "kiosk.service"
NOBODY = 65534


def _kiosk_uid() -> int:
    """The user `nobody`, standing for the kiosk user, when any user may run this Python; else uid 0 without any
    capability (a Python installed under /root, as on some build machines): every wall but User= still holds."""
    for executable in {Path(sys.executable), Path(sys.executable).resolve()}:
        for folder in executable.parents:
            if not folder.stat().st_mode & 0o001:
                return 0
    return NOBODY


KIOSK_UID = _kiosk_uid()


def _sandbox_possible() -> str | None:
    if os.geteuid() != 0:
        return "needs root (mount namespaces, dropping to another user)"
    for tool in ("unshare", "mount", "systemd-analyze"):
        if shutil.which(tool) is None:
            return f"needs {tool}"
    if ctypes.util.find_library("seccomp") is None:
        return "needs libseccomp (Debian package libseccomp2)"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --make-rprivate / && mount -o remount,bind,ro /"],
                           capture_output=True, check=False, timeout=30)
    if probe.returncode != 0:
        return f"mount namespaces do not work here: {probe.stderr.decode().strip()}"
    return None


pytestmark = [pytest.mark.slow, pytest.mark.skipif(_sandbox_possible() is not None,
                                                   reason=str(_sandbox_possible()))]


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The kiosk user's folder: data, keyring, home and runtime dir, owned by that user; in /run like the
    session's runtime folder (pytest's temporary folder is in /tmp, which the sandbox replaces)."""
    base = Path(tempfile.mkdtemp(prefix="kiosk-sandbox-", dir="/run"))
    base.chmod(0o755)
    for name in ("data", "keyring", "home", "runtime"):
        (base / name).mkdir(mode=0o700)
    monkeypatch.setenv("KIOSK_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("KIOSK_KEYRING_DIR", str(base / "keyring"))
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _sandboxed(command: list[str], writable: Path, env: dict[str, str], **popen: object) -> subprocess.Popen[str]:
    launcher = [sys.executable, "-m", "tests.service_sandbox", "--unit", str(UNIT), "--uid", str(KIOSK_UID),
                "--rw", str(writable), "--", *command]
    return subprocess.Popen(["unshare", "-m", *launcher], env=env, cwd=REPO, text=True,  # type: ignore[call-overload,no-any-return]
                            **popen)


def _hand_to_kiosk_user(base: Path) -> None:
    for path in [base, *base.rglob("*")]:
        os.chown(path, KIOSK_UID, KIOSK_UID, follow_symlinks=False)


PROBE = """
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
def attempt(name, action):
    try:
        action()
        print(name, "allowed")
    except OSError as exc:
        print(name, "refused", exc.errno)
def ptrace_traceme():
    if libc.ptrace(0, 0, None, None) != 0:
        raise OSError(ctypes.get_errno(), "ptrace")
attempt("write-system", lambda: open(sys.argv[1], "w").close())
attempt("write-data", lambda: open(sys.argv[2], "w").close())
attempt("packet-socket", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close())
attempt("inet-socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM).close())
attempt("become-root", lambda: os.setuid(0))
attempt("ptrace", ptrace_traceme)
attempt("list-home", lambda: os.listdir("/home"))
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print("capabilities", int(status["CapEff"], 16) | int(status["CapPrm"], 16) | int(status["CapBnd"], 16))
print("no-new-privileges", status["NoNewPrivs"].strip())
"""


def _probe(home: Path, *, sandboxed: bool) -> dict[str, str]:
    system_file = REPO / f".{home.name}-probe"
    command = [sys.executable, "-c", PROBE, str(system_file), str(home / "data" / "probe")]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    try:
        if sandboxed:
            with _sandboxed(command, home, env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
                out, err = child.communicate(timeout=120)
            assert child.returncode == 0, err
        else:
            out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    finally:
        system_file.unlink(missing_ok=True)
    return dict(line.split(" ", 1) for line in out.splitlines())


def test_the_sandbox_refuses_what_the_unit_forbids(home: Path) -> None:
    """Without this the test below would prove nothing: each wall is tried from inside, and from outside."""
    outside = _probe(home, sandboxed=False)
    assert outside["write-system"] == "allowed" and outside["ptrace"] == "allowed"
    _hand_to_kiosk_user(home)

    inside = _probe(home, sandboxed=True)

    assert inside["write-data"] == "allowed"  # ReadWritePaths=
    assert inside["inet-socket"] == "allowed"
    assert inside["write-system"] == "refused 30"  # EROFS: ProtectSystem=strict
    assert inside["packet-socket"] == "refused 97"  # EAFNOSUPPORT: RestrictAddressFamilies=
    if KIOSK_UID != 0:
        assert inside["become-root"] == "refused 1"  # EPERM: no privileges, @privileged filtered
    assert inside["capabilities"] == "0"  # CapabilityBoundingSet= (empty)
    assert inside["no-new-privileges"] == "1"
    assert inside["ptrace"] == "refused 1"  # EPERM: not in @system-service
    if outside["list-home"] == "allowed":
        assert inside["list-home"] == "refused 13"  # EACCES: InaccessiblePaths=


def _notifications(sock: socket.socket, wanted: set[str], kiosk: subprocess.Popen[str], limit_s: float) -> set[str]:
    seen: set[str] = set()
    give_up = time.monotonic() + limit_s
    while not wanted <= seen and kiosk.poll() is None and time.monotonic() < give_up:
        try:
            datagram = sock.recv(4096).decode("utf-8", "replace")
        except TimeoutError:
            continue
        seen |= {line for line in datagram.splitlines() if line in wanted}
    return seen


def test_the_kiosk_runs_inside_the_services_sandbox(home: Path, sandbox: SandboxServer) -> None:
    set_secret(PORTAL_SECRET, portal_fixtures.TEST_CLIENT_SECRET)
    outbox = open_outbox(Settings())
    dossier = enqueue(outbox, 1)
    outbox.close()
    notify_path = home / "runtime" / "notify.sock"
    _hand_to_kiosk_user(home)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO), HOME=str(home / "home"),
               XDG_RUNTIME_DIR=str(home / "runtime"), NOTIFY_SOCKET=str(notify_path), WATCHDOG_USEC="4000000",
               KIOSK__PORTAL__BASE_URL=sandbox.url, KIOSK__PORTAL__CLIENT_ID=portal_fixtures.TEST_CLIENT_ID)

    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        os.chown(notify_path, KIOSK_UID, KIOSK_UID)
        notify.settimeout(0.5)
        kiosk = _sandboxed([sys.executable, "-m", "kiosk", "run", "--windowed"], home, env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            seen = _notifications(notify, {"READY=1", "WATCHDOG=1"}, kiosk, limit_s=120)
            assert seen == {"READY=1", "WATCHDOG=1"}, kiosk.communicate(timeout=30)[1] if kiosk.poll() else seen
            delivered = False
            give_up = time.monotonic() + 60
            while not delivered and kiosk.poll() is None and time.monotonic() < give_up:
                status = subprocess.run([sys.executable, "-m", "kiosk", "status", "--json"], capture_output=True,
                                        text=True, timeout=60, check=False, cwd=REPO, env=env)
                delivered = '"accepted": 1' in status.stdout
                if not delivered:
                    time.sleep(0.5)
            assert kiosk.poll() is None, kiosk.communicate(timeout=30)[1]
            kiosk.send_signal(signal.SIGTERM)
            _, stderr = kiosk.communicate(timeout=60)
        finally:
            if kiosk.poll() is None:
                kiosk.kill()
                kiosk.communicate()

    assert kiosk.returncode == 0, stderr
    assert delivered, stderr
    for sign in ("Operation not permitted", "Read-only file system", "PermissionError", "Traceback"):
        assert sign not in stderr, stderr
    outbox = open_outbox(Settings())
    try:
        record = outbox.get(dossier)
        assert record is not None and record.status == "accepted"
    finally:
        outbox.close()


def test_cage_and_the_kiosk_start_inside_the_services_sandbox(home: Path) -> None:
    """As kiosk.service runs them: cage (headless backend here, no screen) with the kiosk on Wayland, both in
    the sandbox; cage refuses to run as root, hence the user namespace. The kiosk's first screen is up
    (READY=1) and its GUI thread pings the watchdog. (Stopping cage with SIGTERM trips an assertion in this cage
    build, in or out of the sandbox alike, so how it exits is not asserted.)"""
    missing = [tool for tool in ("cage", "Xwayland") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (Debian packages cage, xwayland)")
    notify_path = home / "runtime" / "notify.sock"
    log = home / "cage.log"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("QT_", "WAYLAND", "DISPLAY", "XDG_", "KIOSK", "PYTHON_KEYRING"))}
    env.update(HOME=str(home / "home"), XDG_RUNTIME_DIR=str(home / "runtime"), NOTIFY_SOCKET=str(notify_path),
               WATCHDOG_USEC="4000000", PYTHONPATH=str(REPO), KIOSK_DATA_DIR=str(home / "data"),
               KIOSK_KEYRING_DIR=str(home / "keyring"),
               **{k: v for k, v in (line.split("=", 1) for line in _unit_environment()) if k.startswith(
                   ("QT_", "WLR_", "PYTHON_KEYRING"))},
               WLR_BACKENDS="headless", WLR_RENDERER="pixman")
    kiosk_bin = Path(sys.executable).with_name("kiosk")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        _hand_to_kiosk_user(home)
        notify.settimeout(0.5)
        with log.open("wb") as out:
            cage = _sandboxed(["unshare", "--user", "--", "cage", "-d", "--", str(kiosk_bin), "run"], home, env,
                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            seen = _notifications(notify, {"READY=1", "WATCHDOG=1"}, cage, limit_s=120)
            alive = cage.poll() is None
        finally:
            if cage.poll() is None:
                os.killpg(cage.pid, signal.SIGTERM)
            cage.wait(timeout=60)
    output = log.read_text(encoding="utf-8", errors="replace")
    assert seen == {"READY=1", "WATCHDOG=1"}, output[-3000:]
    assert alive, output[-3000:]
    for sign in ("Operation not permitted", "Read-only file system", "Permission denied", "Traceback"):
        assert sign not in output, output[-3000:]


def _unit_environment() -> list[str]:
    return [line.split("=", 1)[1] for line in UNIT.read_text(encoding="utf-8").splitlines()
            if line.startswith("Environment=")]
