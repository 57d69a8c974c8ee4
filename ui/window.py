"""The kiosk window: a stack of screens driven by the journey's one transition function."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QPixmap
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from kiosk.i18n import tr
from kiosk.idle import IdleAction, IdleTracker
from kiosk.journey import (
    Event,
    GoBack,
    Reset,
    Screen,
    SetLanguage,
    SubmissionFailed,
    SubmissionStored,
    Transition,
    UpdateAnswers,
)
from kiosk.outbox import OutboxError, OutboxFull, StoredDossier
from kiosk.receipt import Slip, build_slip
from kiosk.runtime import Runtime
from ui.screens.attract import AttractScreen
from ui.screens.base import ScreenContext, ScreenView
from ui.screens.consent import ConsentScreen
from ui.screens.form import ReviewScreen, StepScreen
from ui.screens.home import HomeScreen
from ui.screens.lookup import FeedbackScreen, LookupScreen
from ui.screens.overview import OverviewScreen
from ui.screens.procedures import ProceduresScreen
from ui.screens.receipt import RatingScreen, ReceiptScreen, SubmittingScreen
from ui.slip_render import WIDTH_58MM, WIDTH_80MM, render_slip
from ui.timers import named_timer
from ui.widgets import button, label, set_button_text
from ui.workers import TaskRunner

log = logging.getLogger(__name__)

SCREEN_CLASSES: dict[Screen, Callable[[ScreenContext], ScreenView]] = {
    Screen.ATTRACT: AttractScreen,
    Screen.HOME: HomeScreen,
    Screen.PROCEDURES: ProceduresScreen,
    Screen.OVERVIEW: OverviewScreen,
    Screen.CONSENT: ConsentScreen,
    Screen.STEP: StepScreen,
    Screen.REVIEW: ReviewScreen,
    Screen.SUBMITTING: SubmittingScreen,
    Screen.RECEIPT: ReceiptScreen,
    Screen.RATING: RatingScreen,
    Screen.LOOKUP: LookupScreen,
    Screen.FEEDBACK: FeedbackScreen,
}

ACTIVITY_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate, QEvent.Type.KeyPress, QEvent.Type.Wheel, QEvent.Type.InputMethod,
})


class IdleOverlay(QFrame):
    """'Are you still there?' with a countdown and a large Continue button."""

    def __init__(self, parent: QWidget, on_continue: Callable[[], None]) -> None:
        super().__init__(parent)
        self.setObjectName("idle.overlay")
        self.setProperty("role", "overlay")
        outer = QVBoxLayout(self)
        dialog = QFrame()
        dialog.setProperty("role", "dialog")
        dialog.setMaximumWidth(900)
        inner = QVBoxLayout(dialog)
        inner.setContentsMargins(40, 32, 40, 32)
        self.question = label("", "idle.question", "title")
        self.countdown = label("", "idle.countdown", "subtitle")
        self.proceed = button("", "idle.continue", "primary")
        self.proceed.setMinimumHeight(110)
        self.proceed.clicked.connect(on_continue)
        inner.addWidget(self.question)
        inner.addWidget(self.countdown)
        inner.addWidget(self.proceed)
        outer.addStretch(1)
        outer.addWidget(dialog, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self.hide()

    def show_countdown(self, seconds: int, lang: str) -> None:
        self.question.setText(tr("idle.question", lang))
        self.countdown.setText(tr("idle.countdown", lang, seconds=seconds))
        set_button_text(self.proceed, tr("idle.continue", lang))
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        if not self.isVisible():
            self.show()
            self.raise_()


class KioskWindow(QWidget):
    """Shows the journey. Screens are built the first time they are needed, so start-up is quick."""

    screen_changed = Signal(str)
    slip_ready = Signal(object)

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.setObjectName("kiosk.window")
        self.setWindowTitle("Dịch vụ công trực tuyến")
        self.runtime = runtime
        self.journey = runtime.journey
        self.runner = TaskRunner(self)
        self.ctx = ScreenContext(runtime, self.send, self.runner)
        self.tracker = IdleTracker(runtime.idle_policy, runtime.clock)
        self.screens: dict[Screen, ScreenView] = {}
        self.current_slip: Slip | None = None
        # Called by every reset, after the screens are cleared: each part of the window that holds
        # something of the resident (keyboard buffer, overlays, accessibility modes) registers here.
        self.reset_hooks: list[Callable[[], None]] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QHBoxLayout()
        self.top_bar = bar  # the back button, then extra controls, the language toggle and End
        bar.setContentsMargins(24, 12, 24, 0)
        self.back_button = button("", "nav.back")
        self.back_button.clicked.connect(lambda: self.send(GoBack()))
        self.language_button = button("", "nav.language")
        self.language_button.clicked.connect(self.toggle_language)
        self.end_button = button("", "nav.end")
        self.end_button.clicked.connect(lambda: self.send(Reset("end-button")))
        bar.addWidget(self.back_button)
        bar.addStretch(1)
        bar.addWidget(self.language_button)
        bar.addWidget(self.end_button)
        layout.addLayout(bar)
        self.stack = QStackedWidget()
        self.stack.setObjectName("kiosk.stack")
        layout.addWidget(self.stack, 1)
        # Below the screens: the on-screen keyboard docks here, so it never falls behind the window.
        self.dock = QVBoxLayout()
        self.dock.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.dock)
        self.overlay = IdleOverlay(self, self.keep_session)

        self.idle_timer = named_timer(self, "idle-poll", 250)
        self.idle_timer.timeout.connect(self.poll_idle)

        self.journey.subscribe(self._on_transition)
        self._show(Screen.ATTRACT)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    # --- the one place screens change ---

    def send(self, event: Event) -> None:
        self.journey.dispatch(event)

    def _screen(self, screen: Screen) -> ScreenView:
        view = self.screens.get(screen)
        if view is None:
            view = SCREEN_CLASSES[screen](self.ctx)
            self.screens[screen] = view
            self.stack.addWidget(view)
        return view

    def _on_transition(self, transition: Transition) -> None:
        if transition.old is not transition.new and transition.old in self.screens:
            self.screens[transition.old].leave()
        if isinstance(transition.event, Reset):
            self.clear_everything()
        self._show(transition.new)
        if transition.new is Screen.SUBMITTING and transition.old is not Screen.SUBMITTING:
            self._store_dossier()

    def _show(self, screen: Screen) -> None:
        view = self._screen(screen)
        view.enter()
        self.stack.setCurrentWidget(view)
        lang = self.journey.session.lang
        set_button_text(self.language_button, tr("nav.language", lang))
        set_button_text(self.end_button, tr("nav.end", lang))
        set_button_text(self.back_button, tr("nav.back", lang))
        self.end_button.setVisible(screen is not Screen.ATTRACT)
        self.back_button.setVisible(screen in (Screen.HOME, Screen.PROCEDURES, Screen.OVERVIEW, Screen.CONSENT))
        self.tracker.activity()
        self.overlay.hide()
        if screen is Screen.ATTRACT:
            self.idle_timer.stop()
        elif not self.idle_timer.isActive():
            self.idle_timer.start()
        self.screen_changed.emit(screen.value)

    def current_view(self) -> ScreenView:
        return self._screen(self.journey.screen)

    def toggle_language(self) -> None:
        view = self.current_view()
        captured = view.capture()
        if captured:
            self.journey.dispatch(UpdateAnswers(captured))
        self.send(SetLanguage("en" if self.journey.session.lang == "vi" else "vi"))

    # --- the reset ---

    def clear_everything(self) -> None:
        """Forget the resident: every screen's widgets, the clipboard, the slip, the overlay."""
        for view in self.screens.values():
            view.clear()
        self.current_slip = None
        for hook in list(self.reset_hooks):
            hook()
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.clear()
        focus = QApplication.focusWidget()
        if focus is not None:
            focus.clearFocus()
        self.overlay.hide()

    # --- idle ---

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in ACTIVITY_EVENTS:
            self.tracker.activity()
            if self.overlay.isVisible() and watched is not self.overlay.proceed:
                self.overlay.hide()
        return False

    def poll_idle(self) -> None:
        status = self.tracker.poll(self.journey.screen)
        if status.action is IdleAction.RESET:
            self.send(Reset("idle"))
        elif status.action is IdleAction.WARN:
            self.overlay.show_countdown(status.seconds_left, self.journey.session.lang)
        elif self.overlay.isVisible():
            self.overlay.hide()

    def keep_session(self) -> None:
        self.tracker.activity()
        self.overlay.hide()

    # --- submission, off the GUI thread ---

    def _store_dossier(self) -> None:
        session = self.journey.session
        proc = self.journey.procedure
        payload = session.pending_payload
        if proc is None or payload is None:
            self.send(SubmissionFailed())
            return
        settings = self.runtime.settings
        outbox = self.runtime.outbox
        fee = session.pending_fee
        code = proc.code

        def store() -> StoredDossier:
            return outbox.enqueue(code, payload, settings.site.ref_prefix, settings.kiosk.id, fee_vnd=fee)

        self.runner.submit(store, self._stored, self._store_failed)

    def _stored(self, stored: StoredDossier) -> None:
        proc = self.journey.procedure
        if proc is None or self.journey.screen is not Screen.SUBMITTING:
            return
        session = self.journey.session
        self.current_slip = build_slip(
            proc, session.answers, stored.local_ref, True, stored.created_at, session.pending_fee,
            self.runtime.settings, session.lang,
        )
        self.send(SubmissionStored(stored))
        receipt = self.screens.get(Screen.RECEIPT)
        if isinstance(receipt, ReceiptScreen) and self.current_slip is not None:
            width = WIDTH_58MM if self.runtime.settings.printer.paper_width_mm == 58 else WIDTH_80MM
            image = render_slip(self.current_slip, width)
            # Shown at full width so the resident can read it; the preview scrolls.
            preview = QPixmap.fromImage(image).scaledToWidth(
                min(image.width(), 420), Qt.TransformationMode.SmoothTransformation
            )
            receipt.show_slip(self.current_slip, preview)
            self.slip_ready.emit(self.current_slip)

    def _store_failed(self, error: BaseException) -> None:
        if isinstance(error, OutboxFull):
            log.error("dossier not stored: the disk is full")
        elif isinstance(error, OutboxError):
            log.error("dossier not stored: %s", error)
        else:
            log.error("dossier not stored: %s", type(error).__name__)
        self.send(SubmissionFailed())

    # --- lockdown basics ---

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        if self.overlay.isVisible():
            self.overlay.setGeometry(self.rect())

    def shutdown(self) -> None:
        self.idle_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)
