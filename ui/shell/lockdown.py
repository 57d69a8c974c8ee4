"""Lockdown: the kiosk window cannot be closed, left or dragged out of by a resident.

Always on, once the window is attached to the running kiosk (`KioskWindow.attach`): the keys that close,
switch or leave windows (Alt+F4, Ctrl+Q, Ctrl+W, Alt+Tab, Escape, F11, …) and the shortcuts bound to them
never reach the kiosk's widgets;
context menus and text drag-and-drop are swallowed. Once `engage()`d (full-screen kiosks, see
`ui.shell.app.start_kiosk`): the window is frameless and stays on top, the mouse cursor is hidden in touch mode,
closing the window is refused until `allow_exit()` (the technician's exit in the staff console), and
the window raises itself again when another application takes the focus or it is minimised.

What an application cannot catch (Ctrl+Alt+Del, VT switching, the compositor's own bindings) is
handled by the deployment: the kiosk runs alone under `cage` (see docs/DEPLOY.md).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QContextMenuEvent, QCursor, QDropEvent, QGuiApplication, QKeyEvent, QWindow
from PySide6.QtWidgets import QApplication, QWidget

from ui.common.timers import named_timer

if TYPE_CHECKING:
    from kiosk.settings.config import KioskSettings

log = logging.getLogger(__name__)

Mod = Qt.KeyboardModifier

# (key, modifiers that must all be held); Escape and F11 are blocked with any modifiers.
_BLOCKED: tuple[tuple[Qt.Key, Qt.KeyboardModifier], ...] = (
    (Qt.Key.Key_F4, Mod.AltModifier),
    (Qt.Key.Key_F4, Mod.ControlModifier),
    (Qt.Key.Key_Q, Mod.ControlModifier),
    (Qt.Key.Key_W, Mod.ControlModifier),
    (Qt.Key.Key_Tab, Mod.AltModifier),
    (Qt.Key.Key_Backtab, Mod.AltModifier),
    (Qt.Key.Key_Tab, Mod.MetaModifier),
    (Qt.Key.Key_Space, Mod.AltModifier),
)
_ALWAYS_BLOCKED = frozenset({Qt.Key.Key_Escape, Qt.Key.Key_F11, Qt.Key.Key_Super_L, Qt.Key.Key_Super_R,
                             Qt.Key.Key_Meta, Qt.Key.Key_Menu})


# A locked-down kiosk window: no frame to drag or close it by, above every other window.
KIOSK_WINDOW_FLAGS = Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint


def prepare_kiosk_window(window: QWidget) -> None:
    """Give `window` the kiosk's window flags. Call it before the window is first shown: changing the flags of
    a shown window hides it (`engage` shows it again, but the window server sees it unmapped meanwhile)."""
    flags = window.windowFlags() | KIOSK_WINDOW_FLAGS
    if flags != window.windowFlags():
        window.setWindowFlags(flags)


def show_full_screen(window: QWidget) -> None:
    """Show `window` locked down over the whole of its screen. A Wayland compositor such as cage sizes a
    full-screen window itself (and a client-set geometry there leaves the screen black), but an X server with
    no window manager (a bare Xorg or Xvfb) leaves a window at its own size whatever state it asks for: on X11
    the window takes the screen's geometry too."""
    prepare_kiosk_window(window)
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None and QGuiApplication.platformName() == "xcb":
        window.setGeometry(screen.geometry())
    window.showFullScreen()


def is_blocked_key(key: int, modifiers: Qt.KeyboardModifier) -> bool:
    """True for the key combinations that close, switch or leave the kiosk's window."""
    if key in _ALWAYS_BLOCKED:
        return True
    return any(key == k and (modifiers & mods) == mods for k, mods in _BLOCKED)


class Lockdown(QObject):
    """Guards one window; see the module docstring for what is guarded when."""

    RERAISE_MS = 300

    # Every event type `eventFilter` acts on: the kiosk window hands over only these (one application filter).
    EVENTS = frozenset({
        QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride, QEvent.Type.ContextMenu,
        QEvent.Type.Drop, QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Close,
        QEvent.Type.WindowDeactivate, QEvent.Type.WindowStateChange,
    })

    def __init__(self, window: QWidget, settings: KioskSettings, filter_app: bool = True) -> None:
        """With `filter_app` False the caller passes it the application's events of the `EVENTS` types."""
        super().__init__(window)
        self.setObjectName("lockdown")
        self.window = window
        self.settings = settings
        self.engaged = False
        self._exit_allowed = False
        self._cursor_hidden = False
        self.reraise_timer = named_timer(self, "lockdown-reraise", self.RERAISE_MS, single_shot=True)
        self.reraise_timer.timeout.connect(self.reclaim)
        window.setAcceptDrops(False)
        app = QApplication.instance()
        if app is not None and filter_app:
            app.installEventFilter(self)

    # --- switching on and off ---

    def engage(self) -> None:
        """Frameless, on top, close refused, cursor hidden in touch mode. Start-up gives the window its flags
        before the first show (`prepare_kiosk_window`); a window shown without them is shown again with them,
        in the same state (full screen stays full screen)."""
        if self.window.windowFlags() & KIOSK_WINDOW_FLAGS != KIOSK_WINDOW_FLAGS:
            shown, state = self.window.isVisible(), self.window.windowState()
            prepare_kiosk_window(self.window)  # hides a shown window
            if shown:
                self.window.setWindowState(state)
                self.window.setVisible(True)
        if self.settings.touch_mode and not self._cursor_hidden:
            QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            self._cursor_hidden = True
        self.engaged = True
        log.info("lockdown engaged (touch mode: %s)", self.settings.touch_mode)

    def allow_exit(self) -> None:
        """Let the next close of the window through (the technician's exit from the staff console)."""
        self._exit_allowed = True
        log.info("kiosk exit allowed by the technician")

    def release(self) -> None:
        """Undo everything global (the event filter, the cursor): the window is shutting down."""
        self.reraise_timer.stop()
        self._exit_allowed = True
        self.engaged = False
        if self._cursor_hidden:
            QGuiApplication.restoreOverrideCursor()
            self._cursor_hidden = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # --- the filter ---

    def _ours(self, watched: QObject) -> bool:
        if isinstance(watched, QWidget):
            return watched.window() is self.window
        if isinstance(watched, QWindow):
            return watched is self.window.windowHandle()
        return False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        # Type tests before anything else: this runs for every event of the application.
        if isinstance(event, QKeyEvent):  # key presses, releases and shortcut overrides
            if self._ours(watched) and is_blocked_key(event.key(), event.modifiers()):
                if event.type() is QEvent.Type.ShortcutOverride:
                    event.accept()  # "the widget wants this key": no shortcut may act on it
                return True
            return False
        if isinstance(event, QContextMenuEvent | QDropEvent):  # drag enter and move are drop events too
            if self._ours(watched):
                event.ignore()
                return True
            return False
        if watched is self.window and self.engaged:
            kind = event.type()
            if kind is QEvent.Type.Close and not self._exit_allowed:
                event.ignore()
                log.info("window close refused (lockdown)")
                return True
            if kind is QEvent.Type.WindowDeactivate or (
                kind is QEvent.Type.WindowStateChange and self.window.isMinimized()
            ):
                self.reraise_timer.start()
        return False

    def reclaim(self) -> None:
        """Come back to the front, unless one of the kiosk's own windows (a staff dialog) has the focus."""
        if not self.engaged:
            return
        if self.window.isMinimized():
            self.window.showFullScreen()
        else:
            active = QApplication.activeWindow()
            if not self.window.isVisible() or (active is not None and _owned_by(active, self.window)):
                return
        log.info("the kiosk window lost the focus; taking it back")
        self.window.raise_()
        self.window.activateWindow()


def _owned_by(widget: QWidget, window: QWidget) -> bool:
    current: QWidget | None = widget
    while current is not None:
        if current is window:
            return True
        current = current.parentWidget()
    return False
