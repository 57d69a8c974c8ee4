"""The kiosk window: a stack of screens driven by the journey's one transition function."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import tr
from kiosk.journey.screens import Screen
from kiosk.settings.boot import BootInfo
from ui.common.layouts import ScrollingScreens
from ui.common.timers import named_timer
from ui.common.widgets import OverlayDialog, button, label, set_button_text
from ui.screens.attract import AttractScreen, BootContext

# Everything else loads in `KioskWindow.attach`, after the attract screen is painted (docs/PERFORMANCE.md).
if TYPE_CHECKING:
    from kiosk.catalog import Catalog, Procedure
    from kiosk.journey.events import Event
    from kiosk.journey.idle import IdleTracker
    from kiosk.journey.machine import Journey, Transition
    from kiosk.ops.stats import StatsRecorder, StatsStore
    from kiosk.outbox.store import StoredDossier
    from kiosk.payment.fees import FeeBreakdown
    from kiosk.printing.receipt import Slip
    from kiosk.runtime import Runtime
    from kiosk.settings.config import Settings
    from ui.accessibility.modes import InputAndAccessibility
    from ui.common.workers import TaskRunner
    from ui.console.entry import StaffEntry
    from ui.console.staff import StaffConsole
    from ui.portal.service import PortalService
    from ui.printing.service import PrintService
    from ui.screens.base import ScreenContext, ScreenView
    from ui.screens.end_confirm import EndConfirm
    from ui.shell.lockdown import Lockdown

log = logging.getLogger(__name__)

@functools.cache
def screen_classes() -> dict[Screen, Callable[[ScreenContext], ScreenView]]:
    """Every screen but the attract screen, by the screen it shows (imported once the kiosk is attached)."""
    from ui.screens.consent import ConsentScreen
    from ui.screens.form import ReviewScreen, StepScreen
    from ui.screens.home import HomeScreen
    from ui.screens.lookup import FeedbackScreen, LookupScreen
    from ui.screens.overview import OverviewScreen
    from ui.screens.procedures import ProceduresScreen
    from ui.screens.receipt import RatingScreen, ReceiptScreen, SubmittingScreen
    from ui.screens.scan import ScanScreen

    return {
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
        Screen.SCAN: ScanScreen,
    }


ACTIVITY_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate, QEvent.Type.KeyPress, QEvent.Type.Wheel, QEvent.Type.InputMethod,
})
# Every event type the window's own filtering or `InputAndAccessibility.filter_event` acts on. The application
# filter sees every event of every widget (thousands per screen change: polish, layout, paint…); returning at
# once for the others halves the main-thread time of a screen change (docs/PERFORMANCE.md). Add a type here
# when a filter starts to need it.
FILTERED_EVENTS = ACTIVITY_EVENTS | frozenset({
    QEvent.Type.TouchEnd, QEvent.Type.TouchCancel, QEvent.Type.MouseButtonDblClick,
})
# A press that lands this soon after the screen changed was meant for the screen before (a double or
# triple tap): it is dropped with its release (`kiosk.tap_guard_ms`).
TAP_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
})


PURGE_INTERVAL_MS = 24 * 3600 * 1000
STATS_REPORT_MS = 3600 * 1000  # finished days go to the portal within the hour after midnight


def forget_widget_state(root: QWidget) -> None:
    """What `ScreenView.clear` cannot see: undo histories, scroll positions, popups, tooltips, dialogs."""
    for edit in root.findChildren(QLineEdit):
        if not (edit.text() or edit.isUndoAvailable() or edit.isRedoAvailable() or edit.hasFocus()):
            continue  # nothing to forget (pre-edit text lives only in the focused field): kept pages are many
        QApplication.sendEvent(edit, QInputMethodEvent())  # drops pre-edit text that setText() keeps
        edit.setText("")  # unlike clear(), also empties the undo history (Ctrl+Z would bring text back)
    texts: list[QPlainTextEdit | QTextEdit] = [*root.findChildren(QPlainTextEdit), *root.findChildren(QTextEdit)]
    for text in texts:
        QApplication.sendEvent(text, QInputMethodEvent())
        text.clear()
        text.document().clearUndoRedoStacks()
    for area in root.findChildren(QAbstractScrollArea):
        for bar in (area.verticalScrollBar(), area.horizontalScrollBar()):
            bar.setValue(bar.minimum())
    for _ in range(8):  # nested menus or a combo box's list
        popup = QApplication.activePopupWidget()
        if popup is None:
            break
        popup.close()
    QToolTip.hideText()
    for dialog in root.findChildren(QDialog):
        if dialog.isVisible() and not dialog.property("keepOnReset"):
            dialog.reject()


@dataclass(frozen=True)
class PreparedReceipt:
    """A stored dossier and its receipt, made in the worker that stored it (slip in the language `lang`)."""

    stored: StoredDossier
    slip: Slip | None
    lang: str


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


class KioskWindow(QWidget):
    """Shows the journey. Built in two steps so the attract screen is on screen quickly: the top bar and the
    attract screen first (`KioskWindow(boot=...)`), then, after the first paint, everything that needs the
    validated settings, the catalog and the outbox (`attach(runtime)`). `KioskWindow(runtime)` does both.
    Other screens are built the first time they are needed."""

    screen_changed = Signal(str)
    slip_ready = Signal(object)
    attached = Signal()

    runtime: Runtime
    journey: Journey
    runner: TaskRunner
    printing: PrintService
    ctx: ScreenContext
    tracker: IdleTracker
    input: InputAndAccessibility
    overlay: IdleOverlay
    lockdown: Lockdown
    staff_entry: StaffEntry
    stats_store: StatsStore | None
    stats: StatsRecorder | None
    portal_service: PortalService

    def __init__(self, runtime: Runtime | None = None, boot: BootInfo | None = None) -> None:
        super().__init__()
        self.setObjectName("kiosk.window")
        self.setWindowTitle("Dịch vụ công trực tuyến")
        self.screens: dict[Screen, ScreenView] = {}
        self.exit_status: int | None = None  # set by the technician's exit from the staff console
        self.current_slip: Slip | None = None
        self.current_slip_id: str | None = None
        self.console: StaffConsole | None = None
        self.end_confirm: EndConfirm | None = None  # made the first time End would lose answers
        self.shown_screen = Screen.ATTRACT
        self._taps_from = 0.0  # monotonic time from which taps count again (see TAP_EVENTS)
        self.is_attached = False
        self._filtering = False  # the application event filter is installed (see `_unfiltered`)
        self._unfiltered_depth = 0
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
        self.back_button.clicked.connect(self.go_back)
        self.language_button = button("", "nav.language")
        self.language_button.clicked.connect(self.toggle_language)
        self.end_button = button("", "nav.end")
        self.end_button.clicked.connect(self.end_session)
        bar.addWidget(self.back_button)
        bar.addStretch(1)
        bar.addWidget(self.language_button)
        bar.addWidget(self.end_button)
        layout.addLayout(bar)
        self.screens_area = ScrollingScreens()  # scrolls when the keyboard or large text leaves too little room
        self.stack = self.screens_area.stack
        self.stack.setObjectName("kiosk.stack")
        layout.addWidget(self.screens_area, 1)
        # Below the screens: the on-screen keyboard docks here, so it never falls behind the window.
        self.dock = QVBoxLayout()
        self.dock.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.dock)

        info = boot or (BootInfo.from_settings(runtime.settings) if runtime is not None else BootInfo())
        self.boot_context = BootContext(info)
        attract = AttractScreen(self.boot_context)
        self.screens[Screen.ATTRACT] = attract
        self.stack.addWidget(attract)
        self.stack.setCurrentWidget(attract)
        attract.enter()
        for widget, key in ((self.language_button, "nav.language"), (self.end_button, "nav.end"),
                            (self.back_button, "nav.back")):
            set_button_text(widget, tr(key, info.language))
        self.back_button.setVisible(False)
        self.end_button.setVisible(False)
        if runtime is not None:
            self.attach(runtime)

    def attach(self, runtime: Runtime) -> None:
        """The rest of the kiosk: journey, idle clock, input, printing, staff entry, statistics, portal."""
        from kiosk.journey.idle import IdleTracker
        from kiosk.ops.stats import StatsRecorder, open_stats
        from kiosk.printing.qr import forget_codes
        from kiosk.security.staff_auth import StaffAuth
        from ui.accessibility.modes import InputAndAccessibility
        from ui.common.workers import TaskRunner
        from ui.console.entry import StaffEntry
        from ui.portal.service import PortalService
        from ui.printing.service import create_print_service
        from ui.screens.base import ScreenContext
        from ui.shell.lockdown import Lockdown

        self.runtime = runtime
        self.journey = runtime.journey
        self.runner = TaskRunner(self)
        # Slips and checklists print off the GUI thread; `printing.state` is read by the console and heartbeat.
        self.printing = create_print_service(runtime, self.runner, self)
        self.ctx = ScreenContext(runtime, self.send, self.runner)
        self.tracker = IdleTracker(runtime.idle_policy, runtime.clock)
        # Keyboard and scanner messages in the dock, text size, contrast and read-aloud in the top bar.
        self.input = InputAndAccessibility(self)
        self.input.keyboard.shown_changed.connect(self._keyboard_shown)
        self.overlay = IdleOverlay(self, self.keep_session)
        # The lockdown and the staff entry get the application's events from this window's one filter.
        self.lockdown = Lockdown(self, runtime.settings.kiosk, filter_app=False)
        self.staff_entry = StaffEntry(
            self, StaffAuth(runtime.clock), runtime.clock, lambda: self.journey.session.lang,
            lambda: self.journey.screen is Screen.ATTRACT, filter_app=False,
        )
        self.filtered_events = FILTERED_EVENTS | self.lockdown.EVENTS | self.staff_entry.EVENTS
        self.reset_hooks.append(self.staff_entry.close_pad)
        self.reset_hooks.append(forget_codes)
        self.purge_timer = named_timer(self, "outbox-purge", PURGE_INTERVAL_MS)
        self.purge_timer.timeout.connect(self.purge_outbox)

        self.idle_timer = named_timer(self, "idle-poll", 250)
        self.idle_timer.timeout.connect(self.poll_idle)

        self.journey.subscribe(self._on_transition)
        # Staff console and usage statistics (no personal data; written off the GUI thread).
        self.stats_store = open_stats(runtime.settings.outbox_path().parent / "stats.sqlite3")
        self.stats = StatsRecorder(self.stats_store, self.journey, runtime.clock) if self.stats_store else None
        self.staff_entry.authenticated.connect(self.open_console)
        self.stats_timer = named_timer(self, "stats-report", STATS_REPORT_MS)
        self.stats_timer.timeout.connect(self.report_statistics)
        if runtime.settings.portal.base_url is not None:
            self.stats_timer.start()
        # Sync, heartbeat and catalog updates; started after the first paint (`portal_service.start()`).
        self.portal_service = PortalService(self)
        attract = self.screens[Screen.ATTRACT]
        assert isinstance(attract, AttractScreen)
        attract.use_context(self.ctx)
        self.is_attached = True
        self._show(Screen.ATTRACT)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            self._filtering = True
        for event in self.boot_context.pending:  # a touch while the kiosk was loading
            self.send(event)
        self.boot_context.pending.clear()
        self.attached.emit()

    # --- the one place screens change ---

    # The journey's events are imported where they are sent: they load after the first paint.

    def go_back(self) -> None:
        from kiosk.journey.events import GoBack

        self.send(GoBack())

    def end_session(self) -> None:
        """The End button: at once, unless answers would be lost; then the resident is asked first."""
        if not self.is_attached:
            return
        from ui.screens.end_confirm import LOSES_ANSWERS, EndConfirm

        if self.journey.screen not in LOSES_ANSWERS or not self.journey.session.answers:
            self.reset("end-button")
            return
        if self.end_confirm is None:
            self.end_confirm = EndConfirm(self, lambda: self.reset("end-button"))
            self.reset_hooks.append(self.end_confirm.hide)
        self.end_confirm.ask(self.journey.session.lang)

    def reset(self, reason: str) -> None:
        from kiosk.journey.events import Reset

        self.send(Reset(reason))

    def send(self, event: Event) -> None:
        if not self.is_attached:
            self.boot_context.send(event)  # handed on by attach()
            return
        self.journey.dispatch(event)

    def _screen(self, screen: Screen) -> ScreenView:
        view = self.screens.get(screen)
        if view is None:
            view = screen_classes()[screen](self.ctx)
            self.screens[screen] = view
            self.stack.addWidget(view)
            self._connect_printing(view)
            view.fit_width(self.width())
            view.make_room_for_keyboard(self.input.keyboard.isVisible())
        return view

    @contextmanager
    def _unfiltered(self) -> Iterator[None]:
        """The window's own screen work, without its application event filter.

        A screen change makes thousands of Qt events (polish, layout, show, child events), each of which would
        cross into Python for the filter and be dropped there: a third of the change's main-thread time. None
        of them is input, closing or activation, the only events the filter acts on; those arrive from the
        event loop, after this work, with the filter back in place."""
        app = QApplication.instance()
        outermost = self._unfiltered_depth == 0 and self._filtering and app is not None
        if outermost and app is not None:
            app.removeEventFilter(self)
        self._unfiltered_depth += 1
        try:
            yield
        finally:
            self._unfiltered_depth -= 1
            if outermost and self._filtering and app is not None:
                app.installEventFilter(self)

    def _on_transition(self, transition: Transition) -> None:
        with self._unfiltered():
            self._change_screen(transition)

    def _change_screen(self, transition: Transition) -> None:
        from kiosk.journey.events import Rate, Reset

        if transition.old is not transition.new and transition.old in self.screens:
            leaving = self.screens[transition.old]
            focus = QApplication.focusWidget()
            if focus is not None and leaving.isAncestorOf(focus):
                # Hiding the focused widget would pass the focus on to the next screen's first field and open
                # the on-screen keyboard there unasked; a screen that wants a field focused does it on entry.
                self.setFocus(Qt.FocusReason.OtherFocusReason)
            leaving.leave()
        # Every way back to the attract screen ends the session (Reset, the rating, Back from home).
        if isinstance(transition.event, Reset) or (
            transition.new is Screen.ATTRACT and transition.old is not Screen.ATTRACT
        ):
            self.clear_everything()
        self._show(transition.new)
        if transition.new is Screen.SUBMITTING and transition.old is not Screen.SUBMITTING:
            self._store_dossier()
        if isinstance(transition.event, Rate):
            self._store_rating()

    def _show(self, screen: Screen) -> None:
        if screen is not self.shown_screen:
            self._taps_from = time.monotonic() + self.runtime.settings.kiosk.tap_guard_ms / 1000
            self.shown_screen = screen
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

    def _keyboard_shown(self, shown: bool) -> None:
        for view in self.screens.values():
            view.make_room_for_keyboard(shown)

    def current_view(self) -> ScreenView:
        return self._screen(self.journey.screen)

    def toggle_language(self) -> None:
        if not self.is_attached:
            return
        view = self.current_view()
        captured = view.capture()
        if captured:
            from kiosk.journey.events import UpdateAnswers

            self.journey.dispatch(UpdateAnswers(captured))
        from kiosk.journey.events import SetLanguage

        self.send(SetLanguage("en" if self.journey.session.lang == "vi" else "vi"))

    # --- the reset ---

    def clear_everything(self) -> None:
        """Forget the resident: every screen's widgets, the clipboard, the slip, the overlay."""
        for view in self.screens.values():
            view.clear()
        self.current_slip = None
        self.current_slip_id = None
        for hook in list(self.reset_hooks):
            hook()
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.clear()
        forget_widget_state(self)
        input_method = QGuiApplication.inputMethod()
        if input_method is not None:
            input_method.reset()  # drops text still being composed (pre-edit)
        focus = QApplication.focusWidget()
        if focus is not None:
            focus.clearFocus()
        self.overlay.hide()

    # --- idle ---

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        # The application's one Python event filter (each more would cost a crossing into Python per event):
        # the window's own, then the staff entry's, then the lockdown's, each for the types it acts on.
        kind = event.type()
        if kind not in self.filtered_events:
            return False
        if kind in FILTERED_EVENTS:
            if kind in TAP_EVENTS and time.monotonic() < self._taps_from:
                return True
            if kind in ACTIVITY_EVENTS:
                self.tracker.activity()
                if self.overlay.isVisible() and watched is not self.overlay.proceed:
                    self.overlay.hide()
            if self.input.filter_event(watched, event):  # paste swallowed, scanner bursts held back
                return True
        if kind in self.staff_entry.EVENTS and self.staff_entry.eventFilter(watched, event):
            return True
        return kind in self.lockdown.EVENTS and self.lockdown.eventFilter(watched, event)

    def poll_idle(self) -> None:
        from kiosk.journey.idle import IdleAction

        status = self.tracker.poll(self.journey.screen)
        if status.action is IdleAction.RESET:
            self.reset("idle")
        elif status.action is IdleAction.WARN:
            self.overlay.show_countdown(status.seconds_left, self.journey.session.lang)
        elif self.overlay.isVisible():
            self.overlay.hide()

    def keep_session(self) -> None:
        self.tracker.activity()
        self.overlay.hide()

    # --- housekeeping ---

    def schedule_purge(self) -> None:
        """Purge confirmed dossiers' personal data now and then daily, off the GUI thread."""
        self.purge_outbox()
        self.purge_timer.start()

    def purge_outbox(self) -> None:
        outbox = self.runtime.outbox
        retention = timedelta(days=self.runtime.settings.outbox.retention_days)

        def done(count: int) -> None:
            if count:
                log.info("purged the personal data of %d confirmed dossier(s)", count)

        def failed(error: BaseException) -> None:
            log.error("outbox purge failed: %s", type(error).__name__)

        self.runner.submit(lambda: outbox.purge(retention), done, failed)

    def allow_exit(self) -> None:
        """The technician leaves the kiosk (staff console): the next close of the window goes through."""
        self.lockdown.allow_exit()

    # --- the staff console (opened by the staff gesture and PIN) ---

    def open_console(self, role: str) -> None:
        """Show the staff console over the journey; the resident's idle clock waits while it is open."""
        if role not in ("staff", "technician"):
            return
        if self.console is None:
            from ui.console.staff import StaffConsole  # the console (and HTTP, for its checks) load when first opened

            self.console = StaffConsole(self)
            self.printing.state_changed.connect(self.console.printer_state_changed)
            self.portal_service.status_changed.connect(self.console.sync_report)
        self.idle_timer.stop()
        self.overlay.hide()
        self.console.open_for("technician" if role == "technician" else "staff")

    def console_closed(self) -> None:
        self.tracker.activity()
        if self.journey.screen is not Screen.ATTRACT and not self.idle_timer.isActive():
            self.idle_timer.start()

    def apply_settings(self, settings: Settings) -> None:
        """Settings changed in the console: idle times and the default language now, a new printer too."""
        from ui.printing.service import create_print_service

        old = self.runtime.settings
        self.runtime.settings = settings
        from ui.console.staff import idle_policy

        policy = idle_policy(settings.idle)
        self.runtime.idle_policy = policy
        self.tracker.policy = policy
        self.journey.default_lang = settings.kiosk.default_language
        self.journey.scanning = settings.scanning.enabled
        if settings.printer != old.printer:
            self.printing.shutdown()
            self.printing.deleteLater()
            self.printing = create_print_service(self.runtime, self.runner, self)
            if self.console is not None:
                self.printing.state_changed.connect(self.console.printer_state_changed)

    def replace_catalog(self, catalog: Catalog) -> None:
        """Use a reloaded catalog: the session in progress ends, and screens are built again from it."""
        if self.journey.screen is not Screen.ATTRACT:
            self.reset("catalog-reload")
        self.runtime.use_catalog(catalog)
        for screen, view in list(self.screens.items()):
            if screen is Screen.ATTRACT:
                continue
            del self.screens[screen]
            self.stack.removeWidget(view)
            view.deleteLater()
        log.info("catalog replaced: %d procedures (version %s)", len(catalog), catalog.version)

    def report_statistics(self) -> None:
        """Send finished days' usage statistics to the portal, off the GUI thread."""
        from kiosk.ops.stats import report_to_portal

        store, settings, now = self.stats_store, self.runtime.settings, self.runtime.clock.now()
        if store is None or settings.portal.base_url is None:
            return

        def failed(error: BaseException) -> None:
            log.warning("usage statistics not sent: %s", getattr(error, "reason", type(error).__name__))

        # On the portal's own worker: a slow portal must not hold up storing a dossier or printing.
        self.portal_service.runner.submit(lambda: report_to_portal(store, settings, now), None, failed)

    # --- the rating, off the GUI thread ---

    def _store_rating(self) -> None:
        rating = self.journey.take_rating()
        if rating is None:
            return
        outbox = self.runtime.outbox

        def failed(error: BaseException) -> None:
            log.error("rating not stored: %s", type(error).__name__)

        self.runner.submit(lambda: outbox.enqueue_feedback("rating", rating), None, failed)

    # --- submission, off the GUI thread ---

    def _store_dossier(self) -> None:
        session = self.journey.session
        proc = self.journey.procedure
        payload = session.pending_payload
        if proc is None or payload is None:
            from kiosk.journey.events import SubmissionFailed

            self.send(SubmissionFailed())
            return
        settings = self.runtime.settings
        outbox = self.runtime.outbox
        fee = self._pending_fee(proc)
        code = proc.code
        answers, lang = dict(session.answers), session.lang
        scans = dict(session.scans)
        from kiosk.scanning.papers import attachments_for
        from ui.printing.slip_render import make_receipt

        def store() -> PreparedReceipt:
            stored = outbox.enqueue(code, payload, settings.site.ref_prefix, settings.kiosk.id,
                                    fee_vnd=fee.payable_vnd, attachments=attachments_for(payload, scans))
            # The receipt is prepared here too, off the GUI thread: the slip and its QR codes.
            try:
                slip = make_receipt(proc, answers, stored.local_ref, stored.created_at, fee, settings, lang,
                                    list(scans))
            except Exception as exc:  # the dossier is stored: the GUI thread makes the receipt itself
                log.warning("receipt not prepared: %s", type(exc).__name__)
                return PreparedReceipt(stored, None, lang)
            return PreparedReceipt(stored, slip, lang)

        self.runner.submit(store, self._stored, self._store_failed)

    def _pending_fee(self, proc: Procedure) -> FeeBreakdown:
        """The fee the review showed (assessed again only if the session lost it)."""
        from kiosk.payment.fees import assess

        session = self.journey.session
        return session.pending_fee or assess(proc, session.answers, self.journey.clock.now().date())

    def _stored(self, prepared: PreparedReceipt) -> None:
        with self._unfiltered():
            self._show_receipt(prepared)

    def _show_receipt(self, prepared: PreparedReceipt) -> None:
        from ui.printing.slip_render import make_receipt
        from ui.screens.receipt import ReceiptScreen

        proc = self.journey.procedure
        if proc is None or self.journey.screen is not Screen.SUBMITTING:
            return
        session, stored = self.journey.session, prepared.stored
        slip = prepared.slip
        if slip is None or prepared.lang != session.lang:  # not prepared, or English now
            slip = make_receipt(proc, session.answers, stored.local_ref, stored.created_at, self._pending_fee(proc),
                                self.runtime.settings, session.lang, list(session.scans))
        self.current_slip = slip
        from kiosk.journey.events import SubmissionStored

        self.send(SubmissionStored(stored))
        receipt = self.screens.get(Screen.RECEIPT)
        if isinstance(receipt, ReceiptScreen):
            receipt.show_slip(slip)
            self.slip_ready.emit(slip)
            self.current_slip_id = stored.uuid
            self.print_current_slip()

    # --- printing (slips print by themselves once stored; "In phiếu" prints again) ---

    def _connect_printing(self, view: ScreenView) -> None:
        from ui.screens.overview import OverviewScreen
        from ui.screens.receipt import ReceiptScreen

        if isinstance(view, ReceiptScreen):
            view.print_requested.connect(self.print_current_slip)
        elif isinstance(view, OverviewScreen):
            view.checklist_requested.connect(self.print_checklist)

    def print_current_slip(self) -> None:
        """Print the slip on the receipt screen; the screen says how it went."""
        from ui.screens.receipt import ReceiptScreen

        slip, slip_id = self.current_slip, self.current_slip_id
        receipt = self.screens.get(Screen.RECEIPT)
        if slip is None or slip_id is None or not isinstance(receipt, ReceiptScreen):
            return

        def done(ok: bool, reason: str) -> None:
            if self.current_slip is slip:  # the resident may have gone; the next one sees nothing of this
                receipt.show_print_status("printed" if ok else "failed")

        if self.printing.print_slip(slip, slip_id, done):
            receipt.show_print_status("printing")

    def print_checklist(self) -> None:
        """Print the papers checklist of the procedure on the overview screen."""
        from kiosk.printing.receipt import build_checklist
        from ui.screens.overview import OverviewScreen

        proc = self.journey.procedure
        overview = self.screens.get(Screen.OVERVIEW)
        if proc is None or not isinstance(overview, OverviewScreen):
            return
        checklist = build_checklist(proc, self.runtime.settings, self.journey.session.lang)
        session = self.journey.session

        def done(ok: bool, reason: str) -> None:
            if self.journey.session is session:
                overview.show_checklist_status("printed" if ok else "failed")

        if self.printing.print_checklist(checklist, done):
            overview.show_checklist_status("printing")

    def _store_failed(self, error: BaseException) -> None:
        from kiosk.outbox.store import OutboxError, OutboxFull

        if isinstance(error, OutboxFull):
            log.error("dossier not stored: the disk is full")
        elif isinstance(error, OutboxError):
            log.error("dossier not stored: %s", error)
        else:
            log.error("dossier not stored: %s", type(error).__name__)
        from kiosk.journey.events import SubmissionFailed

        self.send(SubmissionFailed())

    # --- lockdown basics ---

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        if event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11):
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: object) -> None:  # noqa: N802 (Qt override)
        for view in self.screens.values():
            view.fit_width(self.width())
        if not self.is_attached:
            return
        for overlay in (self.overlay, self.end_confirm):
            if overlay is not None and overlay.isVisible():
                overlay.setGeometry(self.rect())
        if self.console is not None:
            self.console.resize_to_window()

    def shutdown(self) -> None:
        if not self.is_attached:  # closed while starting: only the attract screen's slideshow runs
            for timer in self.findChildren(QTimer):
                timer.stop()
            return
        self.portal_service.stop()
        if self.console is not None:
            self.console.close_console()
        self.idle_timer.stop()
        for timer in self.findChildren(QTimer):  # every screen's and overlay's timers, named or not
            timer.stop()
        self.staff_entry.release()
        self.lockdown.release()
        self.input.shutdown()
        app = QApplication.instance()
        self._filtering = False
        if app is not None:
            app.removeEventFilter(self)
        self.printing.shutdown()
        self.runner.shutdown()
        if self.stats_store is not None:
            self.stats_store.close()  # after the runner: a CSV export may still be reading it

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)
