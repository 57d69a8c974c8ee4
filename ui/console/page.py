"""What every page of the staff console shares: the window it serves (through `ConsoleHost`), texts in the
console's language, the message line, and the window's print and sync services."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtWidgets import QFrame, QLabel, QListWidget, QTabWidget, QVBoxLayout, QWidget

from kiosk.i18n import tr
from kiosk.ops.status import KioskStatus
from kiosk.runtime import Runtime
from kiosk.security.staff_auth import Role
from ui.console.host import ConsoleHost
from ui.printing.service import PrintService
from ui.screens.base import scroll_area

log = logging.getLogger(__name__)

class ConsolePage(QFrame):
    """The base of the console's pages (status, actions, settings, statistics), which `StaffConsole` combines."""

    host: ConsoleHost
    runtime: Runtime
    lang: str
    role: Role
    status: KioskStatus | None
    message: QLabel
    tabs: QTabWidget
    pages: dict[str, QWidget]
    slips: QListWidget  # today's slips (actions page), filled with the status
    _slip_ids: list[str]
    _awaiting_sync: bool
    _catalog_busy: bool

    def _page(self, key: str) -> QVBoxLayout:
        content = QWidget()
        content.setObjectName(f"console.page.{key}")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.setSpacing(10)
        page = scroll_area(content, f"console.scroll.{key}")  # fits any screen height
        self.pages[key] = page
        self.tabs.addTab(page, key)
        return layout

    def t(self, key: str, **params: object) -> str:
        return tr(key, self.lang, **params)

    def say(self, key: str, **params: object) -> None:
        self.message.setText(self.t(key, **params))

    def refresh_status(self) -> None:
        """Read the kiosk's state again (the status page does it)."""

    def close_console(self) -> None:
        """Hand the screen back to the kiosk (`StaffConsole` does it)."""

    def _print_service(self) -> PrintService | None:
        """The window's print service when a printer is configured."""
        service = self.host.printing
        return service if service.enabled else None

    def _portal_service(self) -> Any:
        """The window's running sync service (ui.portal.service), when it has connected to a portal."""
        service = self.host.portal_service
        return service if service is not None and getattr(service, "link", None) is not None else None

    def _status_failed(self, error: BaseException) -> None:
        log.error("console status failed: %s", type(error).__name__)
