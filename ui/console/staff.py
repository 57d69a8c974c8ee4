"""The staff console: a full-window overlay over the journey, opened by the staff gesture and PIN.

Four pages: the kiosk's state at a glance, actions (end the session, reprint, sync, reload the
catalog, test print, change a PIN, exit for technicians), settings staff may change (written to
the override file `settings-override.toml` in the data directory and applied at once), and usage
statistics with charts and a CSV export; one module per page (status_page, actions_page, settings_page,
stats_page), combined here. Everything slow (disk, database, printer, portal) runs on the window's
TaskRunner as operations (kiosk/operations.py). The console has its own idle timeout and then hands the
screen back to the kiosk; it shows no personal data. What it needs of the window: `ConsoleHost`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QTabWidget, QVBoxLayout, QWidget

from kiosk.ops.status import KioskStatus
from kiosk.security.staff_auth import Role
from ui.common.timers import named_timer
from ui.common.widgets import button, label, set_button_text
from ui.console.actions_page import ActionsPage
from ui.console.host import ConsoleHost
from ui.console.settings_page import SettingsPage
from ui.console.stats_page import StatsPage
from ui.console.status_page import StatusPage

log = logging.getLogger(__name__)

REFRESH_MS = 10_000
_ACTIVITY = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress,
                       QEvent.Type.Wheel})


class StaffConsole(StatusPage, ActionsPage, SettingsPage, StatsPage):
    """Covers the whole window while open. Built once per window and shown again on each entry."""

    closed = Signal()

    def __init__(self, window: QWidget, host: ConsoleHost) -> None:
        super().__init__(window)
        self.setObjectName("console")
        self.setAutoFillBackground(True)
        self.host = host
        self.runtime = host.runtime
        self.role: Role = "staff"
        self._damaged_outboxes = 0  # damaged outbox files set aside beside the outbox
        self.lang = "vi"
        self._last_activity = self.runtime.clock.monotonic()
        self.status: KioskStatus | None = None
        self._catalog_busy = False
        self._awaiting_sync = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 16, 32, 16)
        header = QHBoxLayout()
        self.title = label("", "console.title", "subtitle")
        self.role_label = label("", "console.role", "muted")
        self.language_button = button("", "console.language")
        self.language_button.clicked.connect(self.toggle_language)
        self.close_button = button("", "console.close", "primary")
        self.close_button.clicked.connect(self.close_console)
        header.addWidget(self.title, 1)
        header.addWidget(self.role_label)
        header.addWidget(self.language_button)
        header.addWidget(self.close_button)
        outer.addLayout(header)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("console.tabs")
        outer.addWidget(self.tabs, 1)
        self.message = label("", "console.message", "subtitle")
        outer.addWidget(self.message)

        self.pages: dict[str, QWidget] = {}
        self._build_status()
        self._build_actions()
        self._build_settings()
        self._build_stats()
        self.tabs.currentChanged.connect(lambda _i: self._page_shown())

        self.idle_timer = named_timer(self, "console-idle", 1000)
        self.idle_timer.timeout.connect(self.poll_idle)
        self.refresh_timer = named_timer(self, "console-refresh", REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh_status)
        self.hide()

    # --- opening and closing ---

    def open_for(self, role: Role) -> None:
        self.role = role
        self.lang = "vi"
        self.message.setText("")
        self.pin_new.clear()
        self.pin_repeat.clear()
        self._fill_settings()
        self.csv_path.setText(str(self._default_csv_path()))
        self.tabs.setCurrentIndex(0)
        self.retranslate()
        self.setGeometry(self.host.rect())
        self.show()
        self.raise_()
        self._last_activity = self.runtime.clock.monotonic()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.idle_timer.start()
        self.refresh_timer.start()
        self.refresh_status()
        log.info("staff console opened (%s)", role)

    def close_console(self) -> None:
        self.idle_timer.stop()
        self.refresh_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.pin_new.clear()
        self.pin_repeat.clear()
        if self.isVisible():
            self.hide()
            log.info("staff console closed")
        self.closed.emit()

    def show_page(self, key: str) -> None:
        self.tabs.setCurrentWidget(self.pages[key])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() in _ACTIVITY and isinstance(watched, QWidget) and (
                watched is self or self.isAncestorOf(watched)):
            self._last_activity = self.runtime.clock.monotonic()
        return False

    def poll_idle(self) -> None:
        limit = self.runtime.settings.idle.console_seconds
        if self.isVisible() and self.runtime.clock.monotonic() - self._last_activity >= limit:
            log.info("staff console idle for %d s: back to the kiosk", limit)
            self.close_console()

    def resize_to_window(self) -> None:
        if self.isVisible():
            self.setGeometry(self.host.rect())

    # --- texts ---

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "vi" else "vi"
        self.retranslate()

    def retranslate(self) -> None:
        t = self.t
        self.title.setText(t("console.title"))
        self.role_label.setText(t(f"console.role.{self.role}"))
        set_button_text(self.language_button, t("nav.language"))
        set_button_text(self.close_button, t("console.close"))
        for index, key in enumerate(("status", "actions", "settings", "stats")):
            self.tabs.setTabText(index, t(f"console.tab.{key}"))
        set_button_text(self.refresh_button, t("console.refresh"))
        self.rejected_title.setText(t("console.status.rejected_title"))
        for widget, key in ((self.end_session_button, "console.end_session"), (self.sync_button, "console.sync"),
                            (self.reload_button, "console.reload_catalog"), (self.reprint_button, "console.reprint"),
                            (self.test_print_button, "console.test_print"), (self.exit_button, "console.exit"),
                            (self.pin_save, "console.pin.save"), (self.settings_save, "console.settings.save"),
                            (self.csv_export, "console.csv.export")):
            set_button_text(widget, t(key))
        service = self._print_service()
        self.reprint_button.setVisible(service is not None and service.slips is not None)
        self.slips_title.setVisible(self.reprint_button.isVisibleTo(self))
        self.slips.setVisible(self.reprint_button.isVisibleTo(self))
        self.slips_title.setText(t("console.slips.title"))
        self.test_print_button.setVisible(service is not None)
        self.exit_button.setVisible(self.role == "technician")
        self.pin_title.setText(t("console.pin.title"))
        self.pin_role_label.setText(t("console.pin.role"))
        self.pin_new_label.setText(t("console.pin.new"))
        self.pin_repeat_label.setText(t("console.pin.repeat"))
        current = self.pin_role.currentIndex()
        self.pin_role.clear()
        roles = ["staff", "technician"] if self.role == "technician" else ["staff"]
        for role in roles:
            self.pin_role.addItem(t(f"console.role.{role}"), role)
        self.pin_role.setCurrentIndex(max(0, min(current, len(roles) - 1)))
        self._retranslate_settings()
        self.csv_label.setText(t("console.csv.path"))
        if self.status is not None:
            self._show_status(self.status)

    def _page_shown(self) -> None:
        if self.tabs.currentWidget() is self.pages["stats"]:
            self.refresh_stats()
