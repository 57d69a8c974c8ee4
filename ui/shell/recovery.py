"""Error recovery: an unexpected exception costs the resident one session, never the kiosk.

`install_recovery(window)` replaces `sys.excepthook` (PySide calls it for an exception raised in any
slot or overridden Qt method) and `threading.excepthook`. An exception on the GUI thread is logged,
the session is reset through the one reset (`Reset("error")`), and a short apology is shown over the
attract screen. An exception in another thread is logged only: background work (sync, printing) does
not own the resident's session, and its own code decides how to retry. Qt's own messages reach the
log through the handler in `ui.shell.app`.

What is logged: the exception's type and the stack (file, line and function of each frame), for the
exception and its causes. Never the exception's message, never local variables and not even the
source lines (a test or a fixture may hold sample data in a literal): messages routinely quote the
value that was wrong (a name, an ID number, an address), and the type with file:line is enough to
find the bug. The traceback objects are cleared after logging, and `sys.last_*`
(which PySide sets for a failed slot) is emptied, so no frame keeps the resident's answers in memory.
If the reset itself fails, the kiosk exits with status 70 so its supervisor (systemd) starts it afresh.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.i18n import tr
from kiosk.journey.machine import Event, Journey, Reset
from kiosk.ops.logs import describe_exception
from ui.common.timers import named_timer
from ui.common.widgets import OverlayDialog, button, label, set_button_text

log = logging.getLogger(__name__)

EXIT_RESET_FAILED = 70  # EX_SOFTWARE
APOLOGY_MS = 8000
DIALOG_WIDTH = 860


class RecoverableWindow(Protocol):
    """What recovery needs of the kiosk window."""

    journey: Journey
    reset_hooks: list[Callable[[], None]]

    def send(self, event: Event) -> None: ...


def _forget_traceback(exc: BaseException | None, tb: TracebackType | None) -> None:
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            setattr(sys, name, None)
    seen: set[int] = set()
    current = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
        current = current.__cause__ or current.__context__
    if tb is not None:
        traceback.clear_frames(tb)


class ApologyOverlay(OverlayDialog):
    """A short apology over the attract screen; goes away by itself or on a touch."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "error.overlay", width=DIALOG_WIDTH)
        self.message = label("", "error.message", "title")
        self.dismiss = button("", "error.dismiss", "primary")
        self.dismiss.setMinimumHeight(100)
        self.dismiss.clicked.connect(self.hide)
        self.inner.addWidget(self.message)
        self.inner.addWidget(self.dismiss)
        self.timer = named_timer(self, "apology-hide", APOLOGY_MS, single_shot=True)
        self.timer.timeout.connect(self.hide)

    def show_apology(self, lang: str) -> None:
        self.message.setText(tr("error.sorry", lang))
        # The theme's large font is known only once polished; reserve the wrapped text's full height.
        self.message.ensurePolished()
        self.message.setMinimumHeight(self.message.heightForWidth(DIALOG_WIDTH - 80))
        set_button_text(self.dismiss, tr("error.dismiss", lang))
        self.cover()
        self.timer.start()

    def hideEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        self.timer.stop()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        self.hide()
        event.accept()


class Recovery(QObject):
    """Owns the exception hooks while installed; see the module docstring."""

    _from_other_thread = Signal()

    def __init__(self, window: RecoverableWindow, overlay_parent: QWidget,
                 exit_app: Callable[[int], None] = QApplication.exit) -> None:
        super().__init__(overlay_parent)
        self.exit_app = exit_app  # ends the event loop; the supervisor (systemd) starts the kiosk again
        self.setObjectName("recovery")
        self.window = window
        self.overlay = ApologyOverlay(overlay_parent)
        window.reset_hooks.append(self.overlay.hide)
        self._recovering = False
        self._previous_sys: Callable[..., object] | None = None
        self._previous_thread: Callable[..., object] | None = None
        self.recoveries = 0
        self._from_other_thread.connect(self.recover, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous_sys = sys.excepthook
        self._previous_thread = threading.excepthook
        sys.excepthook = self._sys_hook
        threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        if sys.excepthook == self._sys_hook and self._previous_sys is not None:
            sys.excepthook = self._previous_sys
        if threading.excepthook == self._thread_hook and self._previous_thread is not None:
            threading.excepthook = self._previous_thread

    def _sys_hook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            log.info("interrupted; the kiosk stops")
            self.exit_app(130)
            return
        try:
            log.error("unhandled %s", describe_exception(exc_type, exc, tb))
        finally:
            _forget_traceback(exc, tb)
            del exc, tb
        app = QApplication.instance()
        if app is not None and QThread.currentThread() is app.thread():
            self.recover()
        else:
            self._from_other_thread.emit()

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        try:
            log.error("in thread %s: unhandled %s", name,
                      describe_exception(args.exc_type, args.exc_value, args.exc_traceback))
        finally:
            _forget_traceback(args.exc_value, args.exc_traceback)

    def recover(self) -> None:
        """Reset the session and apologise; never re-enters itself."""
        if self._recovering:
            log.error("an error happened while recovering from an error")
            return
        self._recovering = True
        try:
            self.window.send(Reset("error"))
        except Exception as exc:  # the last line of defence
            log.critical("the reset after an error failed too; restarting the kiosk\n%s",
                         describe_exception(type(exc), exc, exc.__traceback__))
            _forget_traceback(exc, exc.__traceback__)
            self.exit_app(EXIT_RESET_FAILED)
            return
        finally:
            self._recovering = False
        self.recoveries += 1
        self.overlay.show_apology(self.window.journey.session.lang)


def install_recovery(window: RecoverableWindow, overlay_parent: QWidget | None = None,
                     exit_app: Callable[[int], None] = QApplication.exit) -> Recovery:
    """Install the hooks for `window` (a KioskWindow); `uninstall()` puts the previous hooks back."""
    parent = overlay_parent if overlay_parent is not None else window
    assert isinstance(parent, QWidget)
    recovery = Recovery(window, parent, exit_app)
    recovery.install()
    return recovery
