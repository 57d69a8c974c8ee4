"""Staff entry: five taps in the top-right corner within three seconds, then a PIN on a big pad.

The taps are counted where the window system delivers them (the window's QWindow), once per press,
on every screen. On the attract screen corner taps are swallowed, so the gesture neither starts a
session nor toggles the language button that sits in the corner; a lone tap on that button is passed
on a moment later (when no second tap follows), so residents can still use it. Elsewhere the taps also
reach what lies under the finger. A correct PIN emits `authenticated(role)`
("staff" or "technician"); the staff console connects to it. The typed PIN is never logged and is
forgotten as soon as it has been checked.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent, QTouchEvent, QWindow
from PySide6.QtWidgets import QAbstractButton, QApplication, QFrame, QGridLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.i18n import tr
from kiosk.security.secrets import SecretsError
from kiosk.security.staff_auth import PIN_MAX, StaffAuth
from kiosk.workdays.clock import Clock
from ui.common.timers import named_timer
from ui.common.widgets import button, label, set_button_text

log = logging.getLogger(__name__)

CORNER_PX = 120
TAPS = 5
WITHIN_SECONDS = 3.0
PAD_TIMEOUT_MS = 30_000
DEFERRED_CLICK_MS = 350


class CornerTaps:
    """Counts taps; `tap()` is True on the fifth tap within the time window."""

    def __init__(self, clock: Clock, taps: int = TAPS, within: float = WITHIN_SECONDS) -> None:
        self.clock = clock
        self.taps = taps
        self.within = within
        self._times: deque[float] = deque(maxlen=taps)

    def tap(self) -> bool:
        now = self.clock.monotonic()
        self._times.append(now)
        if len(self._times) == self.taps and now - self._times[0] <= self.within:
            self._times.clear()
            return True
        return False

    def reset(self) -> None:
        self._times.clear()


class PinPad(QFrame):
    """A full-window overlay: masked PIN, a message, digits 0–9, Delete, Cancel and Confirm."""

    confirmed = Signal()
    cancelled = Signal()
    touched = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("pin.overlay")
        self.setProperty("role", "overlay")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._digits: list[str] = []
        outer = QVBoxLayout(self)
        dialog = QFrame()
        dialog.setObjectName("pin.dialog")
        dialog.setProperty("role", "dialog")
        dialog.setFixedWidth(640)  # a known width, so wrapped messages get the height they need
        # Big keys for a finger, whatever the theme says about ordinary buttons.
        dialog.setStyleSheet("QPushButton { font-size: 36px; min-height: 84px; min-width: 120px; }")
        inner = QVBoxLayout(dialog)
        inner.setContentsMargins(32, 24, 32, 24)
        self.title = label("", "pin.title", "title")
        self.display = label("", "pin.display", "title")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = label("", "pin.message", "subtitle")
        grid = QGridLayout()
        grid.setSpacing(10)
        self.digit_buttons: list[QPushButton] = []
        for digit in range(10):
            key = button(str(digit), f"pin.{digit}")
            key.clicked.connect(lambda _c=False, d=str(digit): self.press(d))
            self.digit_buttons.append(key)
        for index, digit in enumerate((1, 2, 3, 4, 5, 6, 7, 8, 9)):
            grid.addWidget(self.digit_buttons[digit], index // 3, index % 3)
        self.delete = button("", "pin.delete")
        self.delete.clicked.connect(self.backspace)
        grid.addWidget(self.delete, 3, 0)
        grid.addWidget(self.digit_buttons[0], 3, 1)
        self.ok = button("", "pin.ok", "primary")
        self.ok.clicked.connect(self.confirmed.emit)
        grid.addWidget(self.ok, 3, 2)
        self.cancel = button("", "pin.cancel")
        self.cancel.clicked.connect(self.cancelled.emit)
        for widget in (self.title, self.message, self.display):
            inner.addWidget(widget)
        inner.addLayout(grid)
        inner.addWidget(self.cancel)
        outer.addStretch(1)
        outer.addWidget(dialog, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self.hide()

    def set_texts(self, lang: str) -> None:
        self.title.setText(tr("staff.pin.title", lang))
        set_button_text(self.ok, tr("staff.pin.ok", lang))
        set_button_text(self.cancel, tr("staff.pin.cancel", lang))
        set_button_text(self.delete, tr("staff.pin.delete", lang))

    def set_message(self, text: str) -> None:
        self.message.setText(text)

    def set_keys_enabled(self, enabled: bool) -> None:
        for key in (*self.digit_buttons, self.delete, self.ok):
            key.setEnabled(enabled)

    def press(self, digit: str) -> None:
        self.touched.emit()
        if len(self._digits) < PIN_MAX:
            self._digits.append(digit)
        self._refresh()

    def backspace(self) -> None:
        self.touched.emit()
        if self._digits:
            self._digits.pop()
        self._refresh()

    def take_pin(self) -> str:
        """The digits typed so far; the pad forgets them."""
        pin = "".join(self._digits)
        self.forget()
        return pin

    def forget(self) -> None:
        self._digits.clear()
        self._refresh()

    def _refresh(self) -> None:
        self.display.setText("●" * len(self._digits))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        text = event.text()
        if len(text) == 1 and text.isascii() and text.isdigit():
            if self.digit_buttons[0].isEnabled():
                self.press(text)
        elif event.key() == Qt.Key.Key_Backspace:
            self.backspace()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.ok.isEnabled():
            self.confirmed.emit()
        event.accept()


class StaffEntry(QObject):
    """The hidden gesture and the PIN pad of one kiosk window."""

    authenticated = Signal(str)

    def __init__(
        self,
        window: QWidget,
        auth: StaffAuth,
        clock: Clock,
        lang: Callable[[], str] = lambda: "vi",
        swallow_corner: Callable[[], bool] = lambda: False,
        filter_app: bool = True,
    ) -> None:
        """With `filter_app` False the caller passes it the application's events of the `EVENTS` types."""
        super().__init__(window)
        self.setObjectName("staff.entry")
        self.window = window
        self.auth = auth
        self.lang = lang
        self.swallow_corner = swallow_corner
        self.taps = CornerTaps(clock)
        self.pad = PinPad(window)
        self.pad.confirmed.connect(self.submit)
        self.pad.cancelled.connect(self.close_pad)
        self.pad.touched.connect(self._restart_timeout)
        self.timeout = named_timer(self, "staff-pin-timeout", PAD_TIMEOUT_MS, single_shot=True)
        self.timeout.timeout.connect(self.close_pad)
        self._last_stamp: int | None = None
        self._last_swallowed = False
        self._deferred_button: QAbstractButton | None = None
        self.deferred = named_timer(self, "staff-corner-click", DEFERRED_CLICK_MS, single_shot=True)
        self.deferred.timeout.connect(self._press_deferred)
        app = QApplication.instance()
        if app is not None and filter_app:
            app.installEventFilter(self)

    def release(self) -> None:
        self.close_pad()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # --- the gesture ---

    def in_corner(self, pos: QPointF) -> bool:
        return pos.x() >= self.window.width() - CORNER_PX and 0 <= pos.y() < CORNER_PX

    # Every event type `eventFilter` acts on: the kiosk window hands over only these (one application filter).
    EVENTS = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin})

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        # Cheap tests first: this runs for every event of the application.
        if not isinstance(watched, QWindow) or not isinstance(event, QMouseEvent | QTouchEvent):
            return False
        kind = event.type()
        if kind not in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            return False
        if watched is not self.window.windowHandle() or self.pad.isVisible():
            return False
        if isinstance(event, QMouseEvent):
            pos = event.position()
        elif isinstance(event, QTouchEvent) and event.points():
            pos = event.points()[0].position()
        else:
            return False
        if not self.in_corner(pos):
            self.taps.reset()
            return False
        stamp = event.timestamp()
        if stamp == self._last_stamp and kind is QEvent.Type.MouseButtonPress:
            return self._last_swallowed  # the mouse press Qt made from the same touch
        self._last_stamp = stamp
        self._last_swallowed = self._corner_tap(pos)
        return self._last_swallowed

    def _corner_tap(self, pos: QPointF) -> bool:
        """Count one tap in the corner; True when it must not reach the widget under it."""
        series = self.deferred.isActive()
        self.deferred.stop()  # a second tap: the first was part of the gesture, not a press of the button
        self._deferred_button = None
        if self.taps.tap():
            self.open_pad()
            return True
        if not self.swallow_corner():
            return False
        # On the attract screen a lone tap on a corner button (the language) still works, a moment later.
        button = self._button_at(pos)
        if button is not None and not series:
            self._deferred_button = button
            self.deferred.start()
        return True

    def _button_at(self, pos: QPointF) -> QAbstractButton | None:
        widget = self.window.childAt(pos.toPoint())
        while widget is not None and widget is not self.window:
            if isinstance(widget, QAbstractButton):
                return widget if widget.isEnabled() else None
            widget = widget.parentWidget()
        return None

    def _press_deferred(self) -> None:
        button, self._deferred_button = self._deferred_button, None
        if button is not None and button.isVisible() and button.isEnabled():
            button.click()

    # --- the pad ---

    def open_pad(self) -> None:
        lang = self.lang()
        pad = self.pad
        pad.forget()
        pad.set_texts(lang)
        self._show_state(lang)
        pad.setGeometry(self.window.rect())
        pad.show()
        pad.raise_()
        pad.setFocus(Qt.FocusReason.OtherFocusReason)
        self._restart_timeout()
        log.info("staff PIN pad opened")

    def close_pad(self) -> None:
        self.deferred.stop()
        self._deferred_button = None
        self.timeout.stop()
        self.pad.forget()
        self.pad.set_message("")
        if self.pad.isVisible():
            self.pad.hide()
            log.info("staff PIN pad closed")

    def _restart_timeout(self) -> None:
        self.timeout.start()

    def _show_state(self, lang: str) -> bool:
        """Show the prompt, or why no PIN can be typed now; True when the keys are usable."""
        try:
            provisioned = self.auth.provisioned()
            locked = self.auth.locked_for()
        except SecretsError:
            log.error("staff PIN pad: the keyring cannot be read")
            return self._blocked(tr("staff.pin.keyring", lang))
        if not provisioned:
            return self._blocked(tr("staff.pin.not_provisioned", lang))
        if locked > 0:
            return self._blocked(tr("staff.pin.locked", lang, minutes=max(1, math.ceil(locked / 60))))
        self.pad.set_message(tr("staff.pin.prompt", lang))
        self.pad.set_keys_enabled(True)
        return True

    def _blocked(self, message: str) -> bool:
        self.pad.set_message(message)
        self.pad.set_keys_enabled(False)
        return False

    def submit(self) -> None:
        lang = self.lang()
        pin = self.pad.take_pin()
        self._restart_timeout()
        if not pin or not self._show_state(lang):
            return
        try:
            role = self.auth.verify(pin)
        except SecretsError:
            self._blocked(tr("staff.pin.keyring", lang))
            return
        finally:
            del pin
        if role is not None:
            self.close_pad()
            self.authenticated.emit(role)
            return
        if self._show_state(lang):
            left = self.auth.tries_left()
            self.pad.set_message(tr("staff.pin.wrong", lang, left=left))
