"""USB barcode scanners: keystroke bursts are caught before they reach a field and routed.

`ScanRouter.filter_event` runs in the window's application event filter. It holds back each
printable keystroke until `kiosk.input.scanner.BurstDetector` knows whether a person typed it (then it
is delivered, in order, to the widget it was typed into) or a scanner sent it (then it is routed:
an ID card QR to the identity step, a slip QR to the lookup screen, anything else gets a message).
A burst never lands as text in a field.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from kiosk.i18n import tr
from kiosk.input.scanner import BurstDetector, BurstPolicy, Decision, ScanKind, classify_scan, receipt_reference
from kiosk.journey.machine import Event, Journey, ScanIdCard, Screen, UpdateAnswers
from ui.common.timers import named_timer
from ui.common.widgets import label
from ui.screens.base import ScreenView
from ui.screens.lookup import LookupScreen

log = logging.getLogger(__name__)

_ENTER_KEYS = frozenset({Qt.Key.Key_Return, Qt.Key.Key_Enter})
_SHORTCUT_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                       | Qt.KeyboardModifier.MetaModifier)


class ScanRouter(QObject):
    """Tells scans from typing in the kiosk window and sends each scan where it is expected."""

    def __init__(
        self,
        host: QWidget,
        journey: Journey,
        send: Callable[[Event], None],
        current_view: Callable[[], ScreenView],
        policy: BurstPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(host)
        self._host = host
        self._journey = journey
        self._send = send
        self._current_view = current_view
        self._clock = clock
        self.detector = BurstDetector(policy, clock)
        self._held: list[tuple[QObject, QKeyEvent]] = []
        self._replaying = False
        self._timer = named_timer(self, "scanner-hold", 40, single_shot=True)
        self._timer.timeout.connect(self._expired)
        # Where a scan has no screen to show its result on: a line above the on-screen keyboard.
        self.notice: QLabel = label("", "scan.notice", "banner")
        self.notice.setAccessibleName(tr("scan.notice.name", "vi"))
        self.notice.hide()

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Time keystrokes by `clock` (seconds) from now on; drops anything held (tests)."""
        self.clear()
        self._clock = clock
        self.detector = BurstDetector(self.detector.policy, clock)

    # --- the event filter ---

    def filter_event(self, watched: QObject, event: QEvent) -> bool:
        """True when the event is held back or swallowed (a scan must never reach a field)."""
        if self._replaying:
            return False
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin) and self.notice.isVisible():
            self.notice.hide()
        if kind != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent) or not self._in_host(watched):
            return False
        if event.isAutoRepeat():  # a key held down: a person, never a scanner
            self._act(self.detector.interrupt())
            return False
        if event.key() in _ENTER_KEYS:
            decision, deliver = self.detector.enter()
            self._act(decision)
            self._rearm()
            return not deliver
        text = event.text()
        if not text:  # Shift and other modifiers alone: scanners press Shift for capitals
            return False
        if event.modifiers() & _SHORTCUT_MODIFIERS or not text.isprintable():
            self._act(self.detector.interrupt())
            self._rearm()
            return False
        decision = self.detector.press(text)
        self._act(decision)
        self._held.append((watched, event.clone()))
        self._rearm()
        return True

    def _in_host(self, watched: QObject) -> bool:
        return isinstance(watched, QWidget) and watched.window() is self._host

    def _rearm(self) -> None:
        deadline = self.detector.deadline
        if deadline is None:
            self._timer.stop()
            return
        wait_ms = max(1, round((deadline - self._clock()) * 1000) + 5)
        self._timer.start(wait_ms)

    def _expired(self) -> None:
        self._act(self.detector.expire())

    def flush(self) -> None:
        """Deliver held keystrokes now, as if the pause after them were over (tests typing with QTest)."""
        self._timer.stop()
        self._act(self.detector.expire())

    # --- acting on a decision ---

    def _act(self, decision: Decision) -> None:
        """Every decision settles all keystrokes held before the current one."""
        if decision.release:
            self._release()
        elif decision.scan is not None:
            self._held = []
            self._route(decision.scan)

    def _release(self) -> None:
        """Deliver the held keystrokes where they were typed, in order."""
        batch, self._held = self._held, []
        self._replaying = True
        try:
            for target, event in batch:
                if shiboken6.isValid(target):
                    QApplication.sendEvent(target, event)
        finally:
            self._replaying = False

    def _route(self, text: str) -> None:
        """Send a scan to the screen that expects it; anything else gets a message, never typed."""
        journey = self._journey
        lang = journey.session.lang
        screen = journey.screen
        step = journey.current_step() if screen is Screen.STEP else None
        log.info("scanner burst on %s (%d characters)", screen.value, len(text))
        if step is not None and step.identity:
            captured = self._current_view().capture()
            if captured:  # keep what the resident typed on this step before the card fills its part
                self._send(UpdateAnswers(captured))
            self._send(ScanIdCard(text))  # the journey checks it and shows "ok" or "bad"
            return
        view = self._current_view()
        if screen is Screen.LOOKUP and isinstance(view, LookupScreen):
            if receipt_reference(text) is not None:
                view.set_scanned(text)
                view.result.setText(tr("scan.receipt_ok", lang))
            else:
                view.result.setText(tr("scan.receipt_bad", lang))
            return
        kind = classify_scan(text)
        self.show_notice(tr("scan.not_here" if kind is not ScanKind.UNKNOWN else "scan.unreadable", lang))

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setAccessibleDescription(text)
        self.notice.show()

    # --- the session ---

    def screen_changed(self) -> None:
        self.notice.hide()
        self.notice.setAccessibleName(tr("scan.notice.name", self._journey.session.lang))

    def clear(self) -> None:
        """Forget held keystrokes and the message (the session reset)."""
        self._timer.stop()
        self.detector.clear()
        self._held = []
        self.notice.clear()
        self.notice.hide()

    def shutdown(self) -> None:
        self.clear()
