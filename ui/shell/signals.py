"""SIGTERM (`systemctl stop`, a shutdown) ends the kiosk like a normal close, with exit status 0.

Python runs a signal handler only when the interpreter gets control, and Qt's event loop may sleep in C++
for a long time; the signal's wake-up byte, written to a socket Qt watches, brings control back at once.
The normal close then follows: the sync round in progress is cut and its dossier released to the queue,
and the outbox is closed.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Callable
from types import FrameType

from PySide6.QtCore import QCoreApplication, QSocketNotifier

log = logging.getLogger(__name__)


def quit_on_sigterm(app: QCoreApplication) -> Callable[[], None]:
    """Make SIGTERM quit `app`'s event loop; returns what undoes it."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno())

    def handle(signum: int, frame: FrameType | None) -> None:
        log.info("SIGTERM received: stopping")
        # exit(), not quit(): Qt 6's quit() first asks every window to close, and a locked-down kiosk
        # window refuses, which would leave the kiosk running until systemd kills it.
        app.exit(0)

    previous = signal.signal(signal.SIGTERM, handle)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def drain() -> None:
        with contextlib.suppress(BlockingIOError):
            reader.recv(64)  # the Python-level handler runs as soon as this slot returns to Python

    notifier.activated.connect(drain)

    def undo() -> None:
        notifier.setEnabled(False)
        notifier.deleteLater()
        signal.signal(signal.SIGTERM, previous)
        signal.set_wakeup_fd(previous_fd)
        reader.close()
        writer.close()

    return undo
