"""Attaching the running kiosk to its window: the parts built after the first paint, in the order they need
each other, and stopped again when the window closes. Kept apart from the window so the window module stays
the screen router."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from kiosk.runtime import Runtime
from kiosk.security.staff_auth import StaffAuth
from ui.accessibility.modes import InputAndAccessibility
from ui.common.workers import TaskRunner
from ui.console.entry import StaffEntry
from ui.controllers.console import ConsoleController
from ui.controllers.housekeeping import Housekeeping
from ui.controllers.idle import IdleController
from ui.controllers.printing import PrintController
from ui.controllers.settings import SettingsController
from ui.controllers.submission import SubmissionController
from ui.portal.service import PortalService
from ui.screens.base import ScreenContext
from ui.shell.input_filter import InputFilter
from ui.shell.lockdown import Lockdown

if TYPE_CHECKING:
    from ui.shell.window import KioskWindow


def attach_parts(window: KioskWindow, runtime: Runtime) -> None:
    """Journey-side parts of `window` for `runtime`; `KioskWindow.attach` shows the attract screen after."""
    from kiosk.journey.screens import Screen

    journey = runtime.journey
    window.runner = TaskRunner(window)
    # Slips and checklists print off the GUI thread; `printing.state` is read by the console and heartbeat.
    window.print_control = PrintController(window, runtime, window.runner, journey, window.view)
    window.ctx = ScreenContext(runtime, window.send, window.runner)
    window.idle = IdleController(window, journey, runtime.idle_policy, runtime.clock, window.reset)
    window.overlay = window.idle.overlay
    window.submission = SubmissionController(window, runtime, window.runner, window.send, window.view,
                                             window.print_control, window.unfiltered)
    # Keyboard and scanner messages in the dock, text size, contrast and read-aloud in the top bar.
    window.input = InputAndAccessibility(window, window)
    window.input.keyboard.shown_changed.connect(window.keyboard_shown)
    # The lockdown and the staff entry get the application's events from the window's one filter.
    window.lockdown = Lockdown(window, runtime.settings.kiosk, filter_app=False)
    window.staff_entry = StaffEntry(
        window, StaffAuth(runtime.clock), runtime.clock, lambda: journey.session.lang,
        lambda: journey.screen is Screen.ATTRACT, filter_app=False,
    )
    window.input_filter = InputFilter(window, window.idle, window.input, window.staff_entry, window.lockdown)
    window.settings_control = SettingsController(window, runtime, window.idle, window.print_control)
    # Sync, heartbeat and catalog updates; started after the first paint (`portal_service.start()`).
    window.portal_service = PortalService(window, window)
    # Usage statistics (no personal data; written off the GUI thread) and the daily purge.
    window.housekeeping = Housekeeping(window, runtime, window.runner, window.portal_service.runner)
    window.consoles = ConsoleController(window, window, window.idle, window.print_control,
                                        window.portal_service.status_changed)
    window.staff_entry.authenticated.connect(window.consoles.open)
    # Health and usage figures to the district's fleet service, if one is configured (no personal data). Its
    # controller, and the wire models it brings, exist only on a kiosk that reports (the fleet's address is in the
    # machine file: changing it means a restart).
    window.fleet_service = None
    if runtime.settings.fleet.base_url is not None:
        from ui.controllers.fleet import FleetService

        window.fleet_service = FleetService(window, window, runtime, window.portal_service, window.print_control,
                                            window.housekeeping, window.settings_control)


def detach_parts(window: KioskWindow) -> None:
    """Stop what `attach_parts` started: the services talking to the network first, the timers, then the rest."""
    window.portal_service.stop()
    if window.fleet_service is not None:
        window.fleet_service.stop()
    window.consoles.shutdown()
    for timer in window.findChildren(QTimer):  # every screen's and overlay's timers, named or not
        timer.stop()
    window.staff_entry.release()
    window.lockdown.release()
    window.input.shutdown()
    window.input_filter.remove()
    window.print_control.shutdown()
    window.runner.shutdown()
    window.housekeeping.shutdown()
