"""The resident's idle clock on the window: the "are you still there?" overlay, then the reset."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from kiosk.i18n import tr
from kiosk.journey.idle import IdleAction, IdlePolicy, IdleTracker
from kiosk.journey.machine import Journey
from kiosk.journey.screens import Screen
from kiosk.workdays.clock import Clock
from ui.common.timers import named_timer
from ui.common.widgets import OverlayDialog, button, label, set_button_text

POLL_MS = 250


class IdleOverlay(OverlayDialog):
    """'Are you still there?' with a countdown and a large Continue button."""

    def __init__(self, parent: QWidget, on_continue: Callable[[], None]) -> None:
        super().__init__(parent, "idle.overlay")
        self.question = label("", "idle.question", "title")
        self.countdown = label("", "idle.countdown", "subtitle")
        self.proceed = button("", "idle.continue", "primary")
        self.proceed.setMinimumHeight(110)
        self.proceed.clicked.connect(on_continue)
        self.inner.addWidget(self.question)
        self.inner.addWidget(self.countdown)
        self.inner.addWidget(self.proceed)

    def show_countdown(self, seconds: int, lang: str) -> None:
        self.question.setText(tr("idle.question", lang))
        self.countdown.setText(tr("idle.countdown", lang, seconds=seconds))
        set_button_text(self.proceed, tr("idle.continue", lang))
        self.cover()


class IdleController(QObject):
    """Polls the idle tracker while a resident's screen is shown; warns, then calls `reset("idle")`."""

    def __init__(self, window: QWidget, journey: Journey, policy: IdlePolicy, clock: Clock,
                 reset: Callable[[str], None]) -> None:
        super().__init__(window)
        self.journey = journey
        self.tracker = IdleTracker(policy, clock)
        self.overlay = IdleOverlay(window, self.keep_session)
        self._reset = reset
        self.timer = named_timer(self, "idle-poll", POLL_MS)
        self.timer.timeout.connect(self.poll)

    def poll(self) -> None:
        status = self.tracker.poll(self.journey.screen)
        if status.action is IdleAction.RESET:
            self._reset("idle")
        elif status.action is IdleAction.WARN:
            self.overlay.show_countdown(status.seconds_left, self.journey.session.lang)
        elif self.overlay.isVisible():
            self.overlay.hide()

    def keep_session(self) -> None:
        self.tracker.activity()
        self.overlay.hide()

    def activity(self, watched: QObject) -> None:
        """A touch, click or key anywhere: the clock starts again and the warning goes."""
        self.tracker.activity()
        if self.overlay.isVisible() and watched is not self.overlay.proceed:
            self.overlay.hide()

    def screen_shown(self, screen: Screen) -> None:
        self.keep_session()
        if screen is Screen.ATTRACT:
            self.timer.stop()
        elif not self.timer.isActive():
            self.timer.start()

    def pause(self) -> None:
        """The staff console is open: the resident's clock waits."""
        self.timer.stop()
        self.overlay.hide()

    def resume(self) -> None:
        self.tracker.activity()
        if self.journey.screen is not Screen.ATTRACT and not self.timer.isActive():
            self.timer.start()

    def use_policy(self, policy: IdlePolicy) -> None:
        self.tracker.policy = policy
