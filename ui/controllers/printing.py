"""Printing from the resident's screens: the slip on the receipt screen (once stored, and again on "In phiếu")
and the papers checklist of the overview screen. The print service does the work off the GUI thread; a new
printer setting gets a new service, and `state_changed` follows whichever service is current."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from kiosk.journey.machine import Journey, Transition
from kiosk.journey.screens import Screen
from kiosk.printing.receipt import Slip, build_checklist
from kiosk.runtime import Runtime
from ui.common.workers import TaskRunner
from ui.printing.service import PrintService, create_print_service
from ui.screens.base import ScreenView
from ui.screens.overview import OverviewScreen
from ui.screens.receipt import ReceiptScreen


class PrintController(QObject):
    state_changed = Signal(object)  # PrinterState of the current print service

    def __init__(self, parent: QObject, runtime: Runtime, runner: TaskRunner, journey: Journey,
                 view: Callable[[Screen], ScreenView | None]) -> None:
        super().__init__(parent)
        self.runtime, self.runner, self.journey = runtime, runner, journey
        self._view = view
        self.slip: Slip | None = None  # the slip on the receipt screen, printable again until the reset
        self.slip_id: str | None = None
        self.service = self._new_service()
        journey.subscribe(self._on_transition)

    def _new_service(self) -> PrintService:
        service = create_print_service(self.runtime, self.runner, self.parent())
        service.state_changed.connect(self.state_changed)
        return service

    def use_settings(self) -> None:
        """The printer setting changed: the old service stops, a new one takes its place."""
        self.service.shutdown()
        self.service.deleteLater()
        self.service = self._new_service()

    def connect_view(self, view: ScreenView) -> None:
        if isinstance(view, ReceiptScreen):
            view.print_requested.connect(self.print_current_slip)
        elif isinstance(view, OverviewScreen):
            view.checklist_requested.connect(self.print_checklist)

    def print_receipt(self, slip: Slip, slip_id: str) -> None:
        self.slip, self.slip_id = slip, slip_id
        self.print_current_slip()

    def _on_transition(self, transition: Transition) -> None:
        if transition.ends_session:
            self.slip = self.slip_id = None

    def print_current_slip(self) -> None:
        """Print the slip on the receipt screen; the screen says how it went."""
        slip, slip_id = self.slip, self.slip_id
        receipt = self._view(Screen.RECEIPT)
        if slip is None or slip_id is None or not isinstance(receipt, ReceiptScreen):
            return

        def done(ok: bool, reason: str) -> None:
            if self.slip is slip:  # the resident may have gone; the next one sees nothing of this
                receipt.show_print_status("printed" if ok else "failed")

        if self.service.print_slip(slip, slip_id, done):
            receipt.show_print_status("printing")

    def print_checklist(self) -> None:
        """Print the papers checklist of the procedure on the overview screen."""
        proc = self.journey.procedure
        overview = self._view(Screen.OVERVIEW)
        if proc is None or not isinstance(overview, OverviewScreen):
            return
        session = self.journey.session
        checklist = build_checklist(proc, self.runtime.settings, session.lang)

        def done(ok: bool, reason: str) -> None:
            if self.journey.session is session:
                overview.show_checklist_status("printed" if ok else "failed")

        if self.service.print_checklist(checklist, done):
            overview.show_checklist_status("printing")

    def shutdown(self) -> None:
        self.service.shutdown()
