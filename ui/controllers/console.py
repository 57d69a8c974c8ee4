"""The staff console on the window: built the first time staff open it, over the journey while open; the
resident's idle clock waits meanwhile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtWidgets import QWidget

from ui.console.host import ConsoleHost
from ui.controllers.idle import IdleController
from ui.controllers.printing import PrintController

if TYPE_CHECKING:
    from ui.console.staff import StaffConsole


class ConsoleController(QObject):
    def __init__(self, window: QWidget, host: ConsoleHost, idle: IdleController, printing: PrintController,
                 sync_reports: SignalInstance) -> None:
        super().__init__(window)
        self.window, self.host, self.idle, self.printing = window, host, idle, printing
        self.sync_reports = sync_reports  # the portal service's status_changed
        self.console: StaffConsole | None = None

    def open(self, role: str) -> None:
        """Show the staff console over the journey (after the staff gesture and PIN)."""
        if role not in ("staff", "technician"):
            return
        if self.console is None:
            from ui.console.staff import StaffConsole  # the console (and HTTP, for its checks) load when first opened

            self.console = StaffConsole(self.window, self.host)
            self.printing.state_changed.connect(self.console.printer_state_changed)
            self.sync_reports.connect(self.console.sync_report)
            self.console.closed.connect(self.idle.resume)
        self.idle.pause()
        self.console.open_for("technician" if role == "technician" else "staff")

    def resize(self) -> None:
        if self.console is not None:
            self.console.resize_to_window()

    def shutdown(self) -> None:
        if self.console is not None:
            self.console.close_console()
