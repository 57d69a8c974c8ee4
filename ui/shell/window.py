"""The kiosk window: a stack of screens driven by the journey's one transition function.

The window routes: it shows the screen the journey is on and sends the resident's actions to `Journey.dispatch`.
What happens besides belongs to named controllers (ui/controllers/): submission, printing, the idle clock,
housekeeping, settings, the staff console, fleet reports. Each listens to the journey itself; a reset reaches
each of them as a transition that ends the session, after the window has cleared its screens and widgets."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.i18n import tr
from kiosk.journey.screens import Screen
from kiosk.settings.boot import BootInfo
from ui.common.widgets import set_button_text
from ui.screens.attract import AttractScreen, BootContext
from ui.shell.forget import forget_resident
from ui.shell.frame import screens_and_dock, top_bar

# Everything else loads in `KioskWindow.attach`, after the attract screen is painted (docs/PERFORMANCE.md).
if TYPE_CHECKING:
    from kiosk.catalog import Catalog
    from kiosk.journey.events import Event
    from kiosk.journey.machine import Journey, Transition
    from kiosk.ops.stats import StatsStore
    from kiosk.runtime import Runtime
    from kiosk.settings.config import Settings
    from ui.accessibility.modes import InputAndAccessibility
    from ui.common.workers import TaskRunner
    from ui.console.entry import StaffEntry
    from ui.controllers.console import ConsoleController
    from ui.controllers.fleet import FleetService
    from ui.controllers.housekeeping import Housekeeping
    from ui.controllers.idle import IdleController, IdleOverlay
    from ui.controllers.printing import PrintController
    from ui.controllers.settings import SettingsController
    from ui.controllers.submission import SubmissionController
    from ui.portal.service import PortalService
    from ui.printing.service import PrintService
    from ui.screens.base import ScreenContext, ScreenView
    from ui.screens.end_confirm import EndConfirm
    from ui.shell.input_filter import InputFilter
    from ui.shell.lockdown import Lockdown

log = logging.getLogger(__name__)

BACK_SCREENS = (Screen.HOME, Screen.PROCEDURES, Screen.OVERVIEW, Screen.CONSENT)


class KioskWindow(QWidget):
    """Shows the journey. Built in two steps so the attract screen is on screen quickly: the top bar and the
    attract screen first (`KioskWindow(boot=...)`), then, after the first paint, everything that needs the
    validated settings, the catalog and the outbox (`attach(runtime)`). `KioskWindow(runtime)` does both.
    Other screens are built the first time they are needed."""

    screen_changed = Signal(str)
    attached = Signal()

    runtime: Runtime
    journey: Journey
    runner: TaskRunner
    ctx: ScreenContext
    input: InputAndAccessibility
    lockdown: Lockdown
    input_filter: InputFilter
    staff_entry: StaffEntry
    portal_service: PortalService
    idle: IdleController
    overlay: IdleOverlay
    print_control: PrintController
    submission: SubmissionController
    housekeeping: Housekeeping
    settings_control: SettingsController
    consoles: ConsoleController
    fleet_service: FleetService | None  # only when a fleet service is configured

    def __init__(self, runtime: Runtime | None = None, boot: BootInfo | None = None) -> None:
        super().__init__()
        self.setObjectName("kiosk.window")
        self.setWindowTitle("Dịch vụ công trực tuyến")
        self.screens: dict[Screen, ScreenView] = {}
        self.exit_status: int | None = None  # set by the technician's exit from the staff console
        self.end_confirm: EndConfirm | None = None  # made the first time End would lose answers
        self.shown_screen = Screen.ATTRACT
        self.is_attached = False

        # The top bar (Back, then extra controls, the language toggle and End), the screens, the keyboard's dock.
        self.top_bar, self.back_button, self.language_button, self.end_button = top_bar(self)
        self.screens_area, self.dock = screens_and_dock(self)
        self.stack = self.screens_area.stack

        info = boot or (BootInfo.from_settings(runtime.settings) if runtime is not None else BootInfo())
        self.boot_context = BootContext(info)
        attract = AttractScreen(self.boot_context)
        self.screens[Screen.ATTRACT] = attract
        self.stack.addWidget(attract)
        self.stack.setCurrentWidget(attract)
        attract.enter()
        self._label_bar(info.language)
        self.back_button.setVisible(False)
        self.end_button.setVisible(False)
        if runtime is not None:
            self.attach(runtime)

    def attach(self, runtime: Runtime) -> None:
        """The rest of the kiosk: journey, controllers, input, staff entry, portal."""
        from ui.shell.parts import attach_parts

        self.runtime = runtime
        self.journey = runtime.journey
        # The window's listener first: screens change (and a reset clears them) before the controllers hear it.
        self.journey.subscribe(self._on_transition)
        attach_parts(self, runtime)
        attract = self.screens[Screen.ATTRACT]
        assert isinstance(attract, AttractScreen)
        attract.use_context(self.ctx)
        self.is_attached = True
        self._show(Screen.ATTRACT)
        self.input_filter.install()
        for event in self.boot_context.pending:  # a touch while the kiosk was loading
            self.send(event)
        self.boot_context.pending.clear()
        self.attached.emit()

    # --- what the controllers and the console see of the window ---

    @property
    def printing(self) -> PrintService:
        return self.print_control.service

    @property
    def stats_store(self) -> StatsStore | None:
        return self.housekeeping.stats_store

    def save_settings(self, changes: dict[str, dict[str, Any]]) -> Settings:
        return self.settings_control.save(changes)

    def open_console(self, role: str) -> None:
        self.consoles.open(role)

    def poll_idle(self) -> None:
        self.idle.poll()

    def allow_exit(self) -> None:
        """The technician leaves the kiosk (staff console): the next close of the window goes through."""
        self.lockdown.allow_exit()

    # --- the one place screens change (the journey's events load after the first paint) ---

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
        self.end_confirm.ask(self.journey.session.lang)

    def reset(self, reason: str) -> None:
        from kiosk.journey.events import Reset

        self.send(Reset(reason))

    def send(self, event: Event) -> None:
        if not self.is_attached:
            self.boot_context.send(event)  # handed on by attach()
            return
        self.journey.dispatch(event)

    def view(self, screen: Screen) -> ScreenView | None:  # if it was built
        return self.screens.get(screen)

    def _screen(self, screen: Screen) -> ScreenView:
        view = self.screens.get(screen)
        if view is None:
            from ui.screens.registry import screen_classes

            view = screen_classes()[screen](self.ctx)
            self.screens[screen] = view
            self.stack.addWidget(view)
            self.print_control.connect_view(view)
            view.fit_width(self.width())
            view.make_room_for_keyboard(self.input.keyboard.isVisible())
        return view

    def unfiltered(self) -> AbstractContextManager[None]:
        """The window's own screen work, without the application's event filter (`InputFilter.unfiltered`)."""
        return self.input_filter.unfiltered() if self.is_attached else nullcontext()

    def _on_transition(self, transition: Transition) -> None:
        with self.unfiltered():
            if transition.old is not transition.new and transition.old in self.screens:
                leaving = self.screens[transition.old]
                focus = QApplication.focusWidget()
                if focus is not None and leaving.isAncestorOf(focus):
                    # Hiding the focused widget would pass the focus on to the next screen's first field and
                    # open the on-screen keyboard there unasked; a screen that wants a field focused does it.
                    self.setFocus(Qt.FocusReason.OtherFocusReason)
                leaving.leave()
            if transition.ends_session:  # the controllers and input parts forget their part when they hear it
                forget_resident(self)
            self._show(transition.new)

    def _show(self, screen: Screen) -> None:
        if screen is not self.shown_screen:
            self.input_filter.guard_taps(self.runtime.settings.kiosk.tap_guard_ms / 1000)
            self.shown_screen = screen
        view = self._screen(screen)
        view.enter()
        self.stack.setCurrentWidget(view)
        self._label_bar(self.journey.session.lang)
        self.end_button.setVisible(screen is not Screen.ATTRACT)
        self.back_button.setVisible(screen in BACK_SCREENS)
        self.idle.screen_shown(screen)
        self.screen_changed.emit(screen.value)

    def _label_bar(self, lang: str) -> None:
        for widget, key in ((self.language_button, "nav.language"), (self.end_button, "nav.end"),
                            (self.back_button, "nav.back")):
            set_button_text(widget, tr(key, lang))

    def keyboard_shown(self, shown: bool) -> None:
        for view in self.screens.values():
            view.make_room_for_keyboard(shown)

    def current_view(self) -> ScreenView:
        return self._screen(self.journey.screen)

    def toggle_language(self) -> None:
        if not self.is_attached:
            return
        from kiosk.journey.events import SetLanguage, UpdateAnswers

        captured = self.current_view().capture()
        if captured:
            self.journey.dispatch(UpdateAnswers(captured))
        self.send(SetLanguage("en" if self.journey.session.lang == "vi" else "vi"))

    def replace_catalog(self, catalog: Catalog) -> None:
        """Use a reloaded catalog: the session in progress ends, and screens are built again from it."""
        if self.journey.screen is not Screen.ATTRACT:
            self.reset("catalog-reload")
        self.runtime.use_catalog(catalog)
        for screen, view in list(self.screens.items()):
            if screen is not Screen.ATTRACT:
                del self.screens[screen]
                self.stack.removeWidget(view)
                view.deleteLater()
        log.info("catalog replaced: %d procedures (version %s)", len(catalog), catalog.version)

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
        self.consoles.resize()

    def shutdown(self) -> None:
        if not self.is_attached:  # closed while starting: only the attract screen's slideshow runs
            for timer in self.findChildren(QTimer):
                timer.stop()
            return
        from ui.shell.parts import detach_parts

        detach_parts(self)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)
