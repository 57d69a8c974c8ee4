"""Starting the Qt side: the application object, fonts, theme, logging of Qt messages, the window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from kiosk.ops import collector, watchdog
from kiosk.settings.boot import BootInfo
from ui.common.theme import apply_theme, load_fonts
from ui.common.timers import named_timer
from ui.shell.first_paint import AfterFirstPaint
from ui.shell.lockdown import show_full_screen
from ui.shell.signals import quit_on_sigterm
from ui.shell.window import KioskWindow

if TYPE_CHECKING:
    from kiosk.runtime import Runtime
    from ui.shell.recovery import Recovery

log = logging.getLogger(__name__)
# After `ready`: the garbage collector's pause ends (kiosk.ops.collector).
SETTLE_GC_MS = 500
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


# Messages of the offscreen platform that say nothing about the kiosk.
_NOISE = ("This plugin does not support propagateSizeHints",)


def _qt_message(mode: QtMsgType, context: object, message: str) -> None:
    if message.startswith(_NOISE):
        return
    qt_log.log(_QT_LEVELS.get(mode, logging.WARNING), "%s", message)


def install_qt_logging() -> None:
    """Route Qt's own messages into Python logging (under the logger 'qt')."""
    qInstallMessageHandler(_qt_message)


def ensure_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setDesktopFileName("community-kiosk")
        app = QApplication(argv or [sys.argv[0]])
        app.setApplicationName("community-kiosk")
    assert isinstance(app, QApplication)
    load_fonts()
    apply_theme(app)
    return app


EXIT_CANNOT_START = 2


@dataclass
class _Started:
    """What the second half of start-up made, for the shutdown."""

    runtime: Runtime | None = None
    recovery: Recovery | None = None


def start_kiosk(load: Callable[[], Runtime | None], boot: BootInfo, windowed: bool = False,
                exit_after_paint_ms: int | None = None) -> int:
    """Paint the attract screen from `boot`, then load the rest (`load()`: settings, catalog, outbox) and
    attach it. `load` returns None after saying why the kiosk cannot start; the exit status is then 2.
    `exit_after_paint_ms` is the `kiosk run --exit-after-paint` diagnostic (ui/shell/first_paint.py)."""
    install_qt_logging()
    app = ensure_app()
    window = KioskWindow(boot=boot)
    parts = _Started()

    def finish() -> None:
        try:
            runtime = load()
        except Exception:
            log.exception("start-up failed")
            runtime = None
        if runtime is None:
            window.exit_status = EXIT_CANNOT_START
            app.quit()
            return
        parts.runtime = runtime
        window.attach(runtime)
        from ui.shell.recovery import install_recovery

        parts.recovery = install_recovery(window)
        if not windowed and runtime.settings.kiosk.fullscreen:
            window.lockdown.engage()  # the flags are already set: the window stays mapped
            if not window.isFullScreen():
                show_full_screen(window)
        start_watchdog(window)
        # HTTP and the portal models load after the attract screen is on screen.
        starter = named_timer(window, "portal-start", 0, single_shot=True)
        starter.timeout.connect(window.portal_service.start)
        starter.timeout.connect(window.housekeeping.schedule_purge)  # personal data past its retention, then daily
        starter.start()
        # Once the attract screen stands with the validated settings: what start-up left is collected, the rest frozen.
        settle = named_timer(window, "gc-settle", SETTLE_GC_MS, single_shot=True)
        settle.timeout.connect(collector.settle)
        settle.start()

    if windowed or not boot.fullscreen:
        window.resize(1366, 768)
        window.show()
    else:
        show_full_screen(window)  # frameless and on top from the first show: never re-mapped later
    AfterFirstPaint(window, finish, "kiosk-attach")
    if exit_after_paint_ms is not None:
        from ui.shell.first_paint import FirstPaintProbe

        # Installed last, so its filter sees the paint first and it reports before `finish` runs.
        FirstPaintProbe(app, window, exit_after_paint_ms, window.attached)
    restore_sigterm = quit_on_sigterm(app)
    try:
        status = app.exec()
        return window.exit_status if window.exit_status is not None else status
    finally:
        restore_sigterm()
        watchdog.stopping()
        if parts.recovery is not None:
            parts.recovery.uninstall()
        window.shutdown()
        if parts.runtime is not None:
            parts.runtime.close()


def start_watchdog(window: KioskWindow) -> None:
    """Tell systemd the kiosk is up, then ping it from the GUI thread: a frozen GUI stops the pings."""
    watchdog.ready()
    interval = watchdog.watchdog_interval()
    if interval is None:
        return
    timer = named_timer(window, "systemd-watchdog", max(500, int(interval * 1000 / 2)))
    timer.timeout.connect(watchdog.watchdog_ping)
    timer.start()
