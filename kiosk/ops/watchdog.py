"""A tiny systemd notification client (sd_notify protocol), without extra dependencies.

systemd passes the address of its notification socket in NOTIFY_SOCKET; the service tells it
when it is ready (READY=1), that it is still alive (WATCHDOG=1), a one-line status (STATUS=...)
and that it is stopping (STOPPING=1). Outside systemd every call is a no-op returning False, so
the kiosk runs the same on a developer's machine.

The UI layer calls `watchdog_ping()` from a timer on the GUI thread every `watchdog_interval() / 2`
seconds: when the GUI thread freezes, the pings stop and systemd restarts the kiosk.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)
_last_error: str | None = None


def _address() -> str | None:
    raw = os.environ.get("NOTIFY_SOCKET", "")
    if raw.startswith("@"):
        # Abstract namespace: the name starts with a NUL byte instead of '@'.
        return "\0" + raw[1:]
    if raw.startswith("/"):
        return raw
    return None


def notify(state: str) -> bool:
    """Send one notification such as "READY=1"; True when systemd's socket took the datagram.

    Never raises: a kiosk must keep serving residents even when the notification fails.
    """
    address = _address()
    family = getattr(socket, "AF_UNIX", None)
    if address is None or family is None:
        return False
    try:
        with socket.socket(family, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(state.encode("utf-8"), address)
    except OSError as exc:
        _report_failure(str(exc))
        return False
    _report_failure(None)
    return True


def _report_failure(error: str | None) -> None:
    # Pings repeat every few seconds: log a failure when it starts or changes, not every time.
    global _last_error
    if error is not None and error != _last_error:
        log.warning("systemd notification failed: %s", error)
    elif error is None and _last_error is not None:
        log.info("systemd notifications work again")
    _last_error = error


def ready() -> bool:
    """Tell systemd that start-up has finished (needed by `Type=notify` units)."""
    return notify("READY=1")


def watchdog_ping() -> bool:
    """Tell systemd the GUI thread is alive; call at least every `watchdog_interval()` seconds."""
    return notify("WATCHDOG=1")


def stopping() -> bool:
    """Tell systemd that an orderly shutdown has begun."""
    return notify("STOPPING=1")


def status(text: str) -> bool:
    """Show a one-line status in `systemctl status kiosk`; no personal data, ever."""
    one_line = " ".join(text.split())
    return notify(f"STATUS={one_line}")


def watchdog_interval() -> float | None:
    """The watchdog timeout in seconds, or None when no watchdog is expected from this process.

    From WATCHDOG_USEC. When WATCHDOG_PID is set it must name this process or its parent:
    under the cage compositor, systemd's main process is cage (whose pid systemd puts in
    WATCHDOG_PID) and the kiosk is cage's direct child, which pings with `NotifyAccess=all`.
    """
    if _address() is None:
        return None
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    pid_text = os.environ.get("WATCHDOG_PID")
    if pid_text:
        try:
            pid = int(pid_text)
        except ValueError:
            return None
        if pid not in (os.getpid(), os.getppid()):
            return None
    return usec / 1_000_000
