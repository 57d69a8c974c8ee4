"""The sd_notify client talks to a real unix datagram socket, as systemd's would."""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.ops import watchdog

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs unix sockets")


def _receive(sock: socket.socket) -> list[str]:
    messages = []
    sock.settimeout(0)
    while True:
        try:
            messages.append(sock.recv(4096).decode("utf-8"))
        except BlockingIOError:
            return messages


@pytest.fixture
def systemd_socket(monkeypatch: pytest.MonkeyPatch) -> Iterator[socket.socket]:
    """A bound datagram socket standing in for systemd's, announced in NOTIFY_SOCKET."""
    # A short directory: unix socket paths are limited to about 107 bytes.
    with tempfile.TemporaryDirectory(prefix="notify-", dir="/tmp") as tmp:
        path = Path(tmp) / "notify.sock"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(str(path))
            monkeypatch.setenv("NOTIFY_SOCKET", str(path))
            monkeypatch.delenv("WATCHDOG_USEC", raising=False)
            monkeypatch.delenv("WATCHDOG_PID", raising=False)
            yield sock


def test_notifications_arrive_as_datagrams(systemd_socket: socket.socket) -> None:
    assert watchdog.ready() is True
    assert watchdog.watchdog_ping() is True
    assert watchdog.status("Máy in hết giấy\n(printer out of paper)") is True
    assert watchdog.stopping() is True

    assert _receive(systemd_socket) == [
        "READY=1",
        "WATCHDOG=1",
        "STATUS=Máy in hết giấy (printer out of paper)",
        "STOPPING=1",
    ]


def test_abstract_namespace_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"kiosk-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)

        assert watchdog.watchdog_ping() is True
        assert watchdog.notify("READY=1\nSTATUS=ready") is True

        assert _receive(sock) == ["WATCHDOG=1", "READY=1\nSTATUS=ready"]


def test_everything_is_a_no_op_outside_systemd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")

    assert watchdog.ready() is False
    assert watchdog.watchdog_ping() is False
    assert watchdog.status("ok") is False
    assert watchdog.stopping() is False
    assert watchdog.watchdog_interval() is None


def test_a_vanished_socket_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(watchdog, "_last_error", None)
    monkeypatch.setenv("NOTIFY_SOCKET", "/nonexistent/notify.sock")

    assert watchdog.watchdog_ping() is False
    assert watchdog.watchdog_ping() is False

    failures = [r for r in caplog.records if "notification failed" in r.getMessage()]
    assert len(failures) == 1, "a repeated failure is logged once, not on every ping"


def test_watchdog_interval_from_environment(
    systemd_socket: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert watchdog.watchdog_interval() is None

    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert watchdog.watchdog_interval() == 30.0

    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog.watchdog_interval() == 30.0

    # Under cage, systemd names the compositor (our parent) in WATCHDOG_PID.
    monkeypatch.setenv("WATCHDOG_PID", str(os.getppid()))
    assert watchdog.watchdog_interval() == 30.0


@pytest.mark.parametrize(
    ("usec", "pid"),
    [("0", None), ("-5", None), ("soon", None), ("30000000", "not-a-pid"), ("30000000", "OTHER")],
)
def test_watchdog_interval_none_when_not_meant_for_us(
    systemd_socket: socket.socket, monkeypatch: pytest.MonkeyPatch, usec: str, pid: str | None
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", usec)
    if pid == "OTHER":
        # A pid that is neither ours nor our parent's: a watchdog meant for another process.
        pid = str(max(os.getpid(), os.getppid()) + 1)
    if pid is not None:
        monkeypatch.setenv("WATCHDOG_PID", pid)

    assert watchdog.watchdog_interval() is None
