"""The staff console: a full-window overlay over the journey, opened by the staff gesture and PIN.

Four pages: the kiosk's state at a glance, actions (end the session, reprint, sync, reload the
catalog, test print, change a PIN, exit for technicians), settings staff may change (written to
the override file `settings-override.toml` in the data directory and applied at once), and usage
statistics with charts and a CSV export. Everything slow (disk, database, printer, portal) runs on
the window's TaskRunner. The console has its own idle timeout and then hands the screen back to
the kiosk; it shows no personal data.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.catalog import Catalog, CatalogError, load_catalog
from kiosk.files import paths
from kiosk.i18n import tr
from kiosk.journey.idle import IdlePolicy
from kiosk.journey.machine import Reset, Screen
from kiosk.ops.stats import DayFigures, StatsStore, report_to_portal
from kiosk.ops.status import KioskStatus, collect_status, portal_client, record_sync
from kiosk.outbox.store import Outbox, set_aside_copies
from kiosk.portal.errors import PortalError
from kiosk.portal.sync import ROUND_DEADLINE_S, SyncEngine
from kiosk.printing import PrinterState, printer_transport
from kiosk.printing.receipt import build_checklist
from kiosk.printing.slips import SlipRecord
from kiosk.security.secrets import SecretsError
from kiosk.security.staff_auth import (
    PinError,
    Role,
    StaffAuth,
    printer_target_refusal,
    valid_pin_shape,
    weak_pin_reason,
)
from kiosk.settings.config import ConfigError, IdleSettings, Settings, save_overrides
from kiosk.workdays.clock import VN_TZ
from ui.common.timers import named_timer
from ui.common.widgets import button, label, set_button_text
from ui.console.charts import BarChart, Series
from ui.screens.base import scroll_area

if TYPE_CHECKING:
    from ui.printing.service import PrintService
    from ui.shell.window import KioskWindow

log = logging.getLogger(__name__)

STATS_DAYS = 14
REFRESH_MS = 10_000
LOW_DISK_BYTES = 1024 ** 3
PRINT_REASONS = frozenset({"offline", "paper_out", "timeout", "io", "error", "unknown_slip"})
PRINTER_KINDS = ("none", "network", "usb", "serial", "file", "system", "pdf")
_ACTIVITY = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress,
                       QEvent.Type.Wheel})


EXIT_TECHNICIAN = 75


def quit_app(window: KioskWindow) -> None:
    """Leave the kiosk for the desktop (technicians only). Tests replace this function."""
    window.allow_exit()
    # `kiosk run` exits with this status; systemd does not restart it (RestartPreventExitStatus).
    window.exit_status = EXIT_TECHNICIAN
    window.close()


def _disk_gb(value: int) -> str:
    return f"{value / 1024 ** 3:.1f}".replace(".", ",")


class StaffConsole(QFrame):
    """Covers the whole window while open. Built once per window and shown again on each entry."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.setObjectName("console")
        self.setAutoFillBackground(True)
        self.window_ = window
        self.runtime = window.runtime
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

    # --- building the pages ---

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

    def _build_status(self) -> None:
        layout = self._page("status")
        self.status_labels: dict[str, QLabel] = {}
        for key in ("site", "portal", "sync", "outbox", "printer", "disk", "version"):
            widget = label("", f"console.status.{key}")
            self.status_labels[key] = widget
            layout.addWidget(widget)
        self.rejected_title = label("", "console.status.rejected_title", "subtitle")
        layout.addWidget(self.rejected_title)
        self.rejected = QListWidget()
        self.rejected.setObjectName("console.status.rejected")
        layout.addWidget(self.rejected, 1)
        self.refresh_button = button("", "console.refresh")
        self.refresh_button.clicked.connect(self.refresh_status)
        layout.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignLeft)

    def _build_actions(self) -> None:
        layout = self._page("actions")
        grid = QGridLayout()
        grid.setSpacing(12)
        self.end_session_button = button("", "console.end_session")
        self.end_session_button.clicked.connect(self.end_session)
        self.sync_button = button("", "console.sync")
        self.sync_button.clicked.connect(self.sync_now)
        self.reload_button = button("", "console.reload_catalog")
        self.reload_button.clicked.connect(self.reload_catalog)
        self.reprint_button = button("", "console.reprint")
        self.reprint_button.clicked.connect(self.reprint)
        self.test_print_button = button("", "console.test_print")
        self.test_print_button.clicked.connect(self.test_print)
        self.exit_button = button("", "console.exit")
        self.exit_button.clicked.connect(self.exit_to_desktop)
        # Buttons that may be hidden come last, so no hole opens between the others.
        for index, widget in enumerate((self.end_session_button, self.sync_button, self.reload_button,
                                        self.test_print_button, self.reprint_button, self.exit_button)):
            grid.addWidget(widget, index // 2, index % 2)
        layout.addLayout(grid)
        self.slips_title = label("", "console.slips.title", "subtitle")
        layout.addWidget(self.slips_title)
        self.slips = QListWidget()
        self.slips.setObjectName("console.slips")
        self.slips.setMaximumHeight(180)
        layout.addWidget(self.slips)
        self._slip_ids: list[str] = []

        pin_box = QFrame()
        pin_box.setProperty("role", "card")
        pin = QFormLayout(pin_box)
        self.pin_title = label("", "console.pin.title", "subtitle")
        pin.addRow(self.pin_title)
        self.pin_role = QComboBox()
        self.pin_role.setObjectName("console.pin.role")
        self.pin_new = self._pin_edit("console.pin.new")
        self.pin_repeat = self._pin_edit("console.pin.repeat")
        self.pin_role_label = label("", "console.pin.role_label", wrap=False)
        self.pin_new_label = label("", "console.pin.new_label", wrap=False)
        self.pin_repeat_label = label("", "console.pin.repeat_label", wrap=False)
        pin.addRow(self.pin_role_label, self.pin_role)
        pin.addRow(self.pin_new_label, self.pin_new)
        pin.addRow(self.pin_repeat_label, self.pin_repeat)
        self.pin_save = button("", "console.pin.save", "primary")
        self.pin_save.clicked.connect(self.change_pin)
        pin.addRow(self.pin_save)
        layout.addWidget(pin_box)
        layout.addStretch(1)

    @staticmethod
    def _pin_edit(name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setMaxLength(12)
        edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData)
        return edit

    def _build_settings(self) -> None:
        layout = self._page("settings")
        form = QFormLayout()
        self.idle_title = label("", "console.settings.idle", "subtitle")
        form.addRow(self.idle_title)
        self.idle_boxes: dict[str, QSpinBox] = {}
        self.idle_labels: dict[str, QLabel] = {}
        limits = {"form": (10, 3600), "menu": (10, 3600), "receipt": (10, 3600), "warning": (3, 120),
                  "console": (30, 3600)}
        for key, (low, high) in limits.items():
            box = QSpinBox()
            box.setObjectName(f"console.idle.{key}")
            box.setRange(low, high)
            box.setSingleStep(5)
            box.setMinimumHeight(56)
            self.idle_boxes[key] = box
            self.idle_labels[key] = label("", f"console.idle.{key}_label", wrap=False)
            form.addRow(self.idle_labels[key], box)
        self.language_title = label("", "console.settings.language", "subtitle")
        form.addRow(self.language_title)
        self.default_language = QComboBox()
        self.default_language.setObjectName("console.default_language")
        self.default_language.addItems(["Tiếng Việt", "English"])
        self.default_language_label = label("", "console.default_language_label", wrap=False)
        form.addRow(self.default_language_label, self.default_language)
        self.printer_title = label("", "console.settings.printer", "subtitle")
        form.addRow(self.printer_title)
        self.printer_kind = QComboBox()
        self.printer_kind.setObjectName("console.printer.kind")
        self.printer_kind.addItems(list(PRINTER_KINDS))
        self.printer_address = QLineEdit()
        self.printer_address.setObjectName("console.printer.address")
        self.printer_width = QComboBox()
        self.printer_width.setObjectName("console.printer.width")
        self.printer_width.addItems(["80", "58"])
        self.printer_labels = {key: label("", f"console.printer.{key}_label", wrap=False)
                               for key in ("kind", "address", "width")}
        form.addRow(self.printer_labels["kind"], self.printer_kind)
        form.addRow(self.printer_labels["address"], self.printer_address)
        form.addRow(self.printer_labels["width"], self.printer_width)
        self._build_scanner_settings(form)
        layout.addLayout(form)
        self.settings_save = button("", "console.settings.save", "primary")
        self.settings_save.clicked.connect(self.save_settings)
        layout.addWidget(self.settings_save, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def _build_scanner_settings(self, form: QFormLayout) -> None:
        """The technician's document scanner: its SANE name (`kiosk doctor` lists them) and resolution."""
        self.scanner_title = label("", "console.settings.scanner", "subtitle")
        form.addRow(self.scanner_title)
        self.scanner_device = QLineEdit()
        self.scanner_device.setObjectName("console.scanning.device")
        self.scanner_resolution = QComboBox()
        self.scanner_resolution.setObjectName("console.scanning.resolution")
        self.scanner_resolution.addItems(["200", "240", "300"])
        self.scanner_labels = {key: label("", f"console.scanning.{key}_label", wrap=False)
                               for key in ("device", "resolution")}
        form.addRow(self.scanner_labels["device"], self.scanner_device)
        form.addRow(self.scanner_labels["resolution"], self.scanner_resolution)

    def _build_stats(self) -> None:
        layout = self._page("stats")
        self.stats_summary = label("", "console.stats.summary", "subtitle")
        layout.addWidget(self.stats_summary)
        charts = QGridLayout()
        self.chart_sessions = BarChart("console.chart.sessions")
        self.chart_procedures = BarChart("console.chart.procedures")
        self.chart_ratings = BarChart("console.chart.ratings")
        charts.addWidget(self.chart_sessions, 0, 0)
        charts.addWidget(self.chart_ratings, 0, 1)
        charts.addWidget(self.chart_procedures, 1, 0, 1, 2)
        layout.addLayout(charts, 1)
        row = QHBoxLayout()
        self.csv_label = label("", "console.csv.label", wrap=False)
        self.csv_path = QLineEdit()
        self.csv_path.setObjectName("console.csv.path")
        self.csv_export = button("", "console.csv.export", "primary")
        self.csv_export.clicked.connect(self.export_csv)
        row.addWidget(self.csv_label)
        row.addWidget(self.csv_path, 1)
        row.addWidget(self.csv_export)
        layout.addLayout(row)

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
        self.setGeometry(self.window_.rect())
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
        self.window_.console_closed()

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
            self.setGeometry(self.window_.rect())

    # --- texts ---

    def t(self, key: str, **params: object) -> str:
        return tr(key, self.lang, **params)

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
        self.idle_title.setText(t("console.settings.idle"))
        for key, idle_label in self.idle_labels.items():
            idle_label.setText(t(f"console.idle.{key}"))
        self.language_title.setText(t("console.settings.language"))
        self.default_language_label.setText(t("console.default_language"))
        self.printer_title.setText(t("console.settings.printer"))
        for key, printer_label in self.printer_labels.items():
            printer_label.setText(t(f"console.printer.{key}"))
        technician = self.role == "technician"  # only technicians see and change where receipts go
        printer_widgets: list[QWidget] = [self.printer_title, self.printer_kind, self.printer_address,
                                          self.printer_width, *self.printer_labels.values()]
        for printer_widget in printer_widgets:
            printer_widget.setVisible(technician)
        self.scanner_title.setText(t("console.settings.scanner"))
        for key, scanner_label in self.scanner_labels.items():
            scanner_label.setText(t(f"console.scanning.{key}"))
        for scanner_widget in (self.scanner_title, self.scanner_device, self.scanner_resolution,
                               *self.scanner_labels.values()):
            scanner_widget.setVisible(technician)
        self.csv_label.setText(t("console.csv.path"))
        if self.status is not None:
            self._show_status(self.status)

    def say(self, key: str, **params: object) -> None:
        self.message.setText(self.t(key, **params))

    def _page_shown(self) -> None:
        if self.tabs.currentWidget() is self.pages["stats"]:
            self.refresh_stats()

    # --- the state at a glance ---

    def _print_service(self) -> PrintService | None:
        """The window's print service when a printer is configured."""
        service: PrintService | None = getattr(self.window_, "printing", None)
        return service if service is not None and service.enabled else None

    def refresh_status(self) -> None:
        runtime = self.runtime
        service = self._print_service()
        settings, outbox, catalog = runtime.settings, runtime.outbox, runtime.catalog
        # The printer is asked by its own service (one job at a time); the page shows its last answer.
        printer = service.state.value if service is not None else "none"
        if service is not None:
            service.check_state()
        slips = service.slips if service is not None else None

        def collect() -> tuple[KioskStatus, list[SlipRecord], int, dict[str, int]]:
            status = collect_status(settings, outbox=outbox, catalog=catalog, printer=printer)
            damaged = len(set_aside_copies(settings.outbox_path()))
            pages = outbox.page_counts(by_reference=True)  # how many scanned pages, never their content
            return status, (slips.today() if slips is not None else []), damaged, pages

        report = getattr(self._portal_service(), "last_report", None)

        def done(result: tuple[KioskStatus, list[SlipRecord], int, dict[str, int]]) -> None:
            status, self._damaged_outboxes = result[0], result[2]
            if report is not None and status.portal_configured:  # the running sync service knows best
                status.portal_online = bool(report.online)
                status.last_sync_error = None if report.online else (report.error or "?")
                if report.online and report.at:
                    status.last_sync = datetime.fromtimestamp(report.at, VN_TZ).isoformat(timespec="seconds")
            self._show_status(status)
            self._show_slips(result[1], result[3])

        self.window_.runner.submit(collect, done, self._status_failed)

    def printer_state_changed(self, state: PrinterState) -> None:
        if self.status is not None and self.isVisible():
            self.status.printer_state = state.value
            self._show_status(self.status)

    def _show_slips(self, records: list[SlipRecord], pages: dict[str, int] | None = None) -> None:
        self.slips.clear()
        self._slip_ids = [r.id for r in records]
        for record in records:
            state = self.t("console.slip.printed" if record.status == "printed" else "console.slip.not_printed")
            scanned = (pages or {}).get(record.reference)
            extra = f" · {self.t('console.pages')}: {scanned}" if scanned else ""
            self.slips.addItem(f"{record.reference} · {record.created_at[11:16]} · {state}{extra}")
        # The first slip that did not come out is the one a resident is most likely waiting for.
        waiting = [i for i, r in enumerate(records) if r.needs_reprint]
        if records:
            self.slips.setCurrentRow(waiting[0] if waiting else 0)

    def _status_failed(self, error: BaseException) -> None:
        log.error("console status failed: %s", type(error).__name__)

    def _show_status(self, status: KioskStatus) -> None:
        self.status = status
        t = self.t
        labels = self.status_labels
        labels["site"].setText(t("console.status.site", name=status.site_name, site=status.site_id,
                                 kiosk=status.kiosk_id))
        if not status.portal_configured:
            labels["portal"].setText(t("console.status.portal.off"))
        elif status.portal_online is None:
            labels["portal"].setText(t("console.status.portal.unknown"))
        elif status.portal_online:
            labels["portal"].setText(t("console.status.portal.online"))
        else:
            labels["portal"].setText(t("console.status.portal.offline", error=status.last_sync_error or "?"))
        when = status.last_sync.replace("T", " ")[:16] if status.last_sync else t("console.status.never")
        labels["sync"].setText(t("console.status.sync", when=when))
        outbox_text = t("console.status.outbox", depth=status.outbox_depth,
                        accepted=status.outbox.get("accepted", 0), rejected=status.outbox.get("rejected", 0))
        if self._damaged_outboxes:  # a damaged outbox was set aside at start-up: its dossiers need a technician
            outbox_text += "\n" + t("console.status.outbox_damaged", count=self._damaged_outboxes)
        labels["outbox"].setText(outbox_text)
        labels["printer"].setText(t("console.status.printer",
                                    state=t(f"console.printer_state.{status.printer_state}")))
        disk_key = "console.status.disk_low" if status.disk_free_bytes < LOW_DISK_BYTES else "console.status.disk"
        labels["disk"].setText(t(disk_key, free=_disk_gb(status.disk_free_bytes)))
        labels["version"].setText(t("console.status.version", version=status.version,
                                    catalog=status.catalog_version or "?", count=status.catalog_procedures))
        self.rejected.clear()
        if not status.rejected:
            self.rejected.addItem(t("console.status.rejected_none"))
        for item in status.rejected:
            self.rejected.addItem(f"{item['reference']} · {item['procedure_code']} · {item['created_at'][:10]}"
                                  f" — {item['reason']}")

    # --- actions ---

    def end_session(self) -> None:
        if self.window_.journey.screen is not Screen.ATTRACT:
            self.window_.send(Reset("staff"))
        self.say("console.session_ended")

    def _portal_service(self) -> Any:
        """The window's running sync service (ui.portal.service), when it has connected to a portal."""
        service = getattr(self.window_, "portal_service", None)
        return service if service is not None and getattr(service, "link", None) is not None else None

    def sync_report(self, report: Any) -> None:
        """A sync round of the running service finished; shown when staff asked for it."""
        if not self._awaiting_sync:
            return
        self._awaiting_sync = False
        if report.online:
            self.say("console.synced", sent=report.settled, waiting=self.status.outbox_depth if self.status else 0)
        else:
            self.say("console.sync_failed", reason=report.error or "?")
        self.refresh_status()

    def sync_now(self) -> None:
        runtime = self.runtime
        store, settings, outbox, now = self.window_.stats_store, runtime.settings, runtime.outbox, runtime.clock.now()
        service = self._portal_service()
        if service is not None:
            # The kiosk's own sync service sends the dossiers (one sender, one order); this console adds
            # the statistics, which that service does not send.
            self._awaiting_sync = True
            self.say("console.sync_started")
            service.sync_now(retry_all=True)
            if store is not None:
                service.runner.submit(lambda: report_to_portal(store, settings, now), None,
                                      lambda e: log.warning("statistics not sent: %s", type(e).__name__))
            return

        def done(result: tuple[int, int] | None) -> None:
            if result is None:
                self.say("console.sync_offline")
            else:
                self.say("console.synced", sent=result[0], waiting=result[1])
            self.refresh_status()

        def failed(error: BaseException) -> None:
            reason = getattr(error, "reason", None) or type(error).__name__
            self.say("console.sync_failed", reason=reason)
            self.refresh_status()

        self.window_.runner.submit(lambda: sync_once(settings, outbox, store, now), done, failed)

    def reload_catalog(self) -> None:
        if self._catalog_busy:
            return
        self._catalog_busy = True
        directory = self.runtime.settings.procedures_path()

        def done(catalog: Catalog) -> None:
            self._catalog_busy = False
            self.window_.replace_catalog(catalog)
            self.say("console.catalog_reloaded", count=len(catalog), version=catalog.version)
            self.refresh_status()

        def failed(error: BaseException) -> None:
            self._catalog_busy = False
            if isinstance(error, CatalogError):
                problems = "; ".join(str(p) for p in error.problems[:3])
                more = len(error.problems) - 3
                if more > 0:
                    problems += f" (+{more})"
            else:
                problems = type(error).__name__
            log.error("catalog reload refused: %d problem(s) (%s)", len(getattr(error, "problems", [1])),
                      type(error).__name__)
            self.say("console.catalog_bad", problems=problems)

        self.window_.runner.submit(lambda: load_catalog(directory), done, failed)

    def _printed(self, ok: bool, reason: str) -> None:
        if ok:
            self.say("console.printed")
        else:
            self.say("console.print_failed", reason=self.t(f"console.print_reason.{reason}")
                     if reason in PRINT_REASONS else reason)
        self.refresh_status()

    def reprint(self) -> None:
        service = self._print_service()
        row = self.slips.currentRow()
        if service is None:
            return
        if not 0 <= row < len(self._slip_ids):
            self.say("console.nothing_to_reprint")
            return
        if service.reprint(self._slip_ids[row], self._printed):
            self.say("console.printing")

    def test_print(self) -> None:
        """Prints the papers checklist of the most used procedure: a real page, with no personal data."""
        service = self._print_service()
        catalog = self.runtime.catalog
        if service is None or not len(catalog):
            return
        procedure = (catalog.popular() or catalog.procedures)[0]
        if service.print_checklist(build_checklist(procedure, self.runtime.settings, "vi"), self._printed):
            self.say("console.printing")

    def change_pin(self) -> None:
        pin, again = self.pin_new.text(), self.pin_repeat.text()
        self.pin_new.clear()
        self.pin_repeat.clear()
        role = self.pin_role.currentData()
        if role not in ("staff", "technician") or (role == "technician" and self.role != "technician"):
            return
        if pin != again:
            self.say("console.pin.mismatch")
            return
        if not valid_pin_shape(pin):
            self.say("console.pin.shape")
            return
        if weak_pin_reason(pin) is not None:
            self.say("console.pin.weak")
            return
        try:
            StaffAuth(self.runtime.clock).set_pin(role, pin)
        except PinError:
            self.say("console.pin.same")
            return
        except SecretsError:
            self.say("console.pin.keyring")
            return
        finally:
            del pin, again
        self.say("console.pin.saved")

    def exit_to_desktop(self) -> None:
        if self.role != "technician":
            return
        log.info("technician exit from the staff console")
        self.close_console()
        quit_app(self.window_)

    # --- settings ---

    def _fill_settings(self) -> None:
        settings = self.runtime.settings
        idle = settings.idle
        for key, value in (("form", idle.form_seconds), ("menu", idle.menu_seconds),
                           ("receipt", idle.receipt_seconds), ("warning", idle.warning_seconds),
                           ("console", idle.console_seconds)):
            self.idle_boxes[key].setValue(value)
        self.default_language.setCurrentIndex(0 if settings.kiosk.default_language == "vi" else 1)
        self.printer_kind.setCurrentText(settings.printer.kind)
        self.printer_address.setText(settings.printer.address)
        self.printer_width.setCurrentText(str(settings.printer.paper_width_mm))
        self.scanner_device.setText(settings.scanning.device)
        self.scanner_resolution.setCurrentText(str(settings.scanning.resolution))

    def save_settings(self) -> None:
        boxes = self.idle_boxes
        changes: dict[str, dict[str, Any]] = {
            "idle": {"form_seconds": boxes["form"].value(), "menu_seconds": boxes["menu"].value(),
                     "receipt_seconds": boxes["receipt"].value(), "warning_seconds": boxes["warning"].value(),
                     "console_seconds": boxes["console"].value()},
            "kiosk": {"default_language": "vi" if self.default_language.currentIndex() == 0 else "en"},
            "printer": {"kind": self.printer_kind.currentText(), "address": self.printer_address.text().strip(),
                        "paper_width_mm": int(self.printer_width.currentText())},
            "scanning": {"device": self.scanner_device.text().strip(),
                         "resolution": int(self.scanner_resolution.currentText())},
        }
        if self.role != "technician":
            del changes["printer"]
            del changes["scanning"]
        current = self.runtime.settings
        # Only what differs is written, so a later change by the technician in the machine file still shows.
        changes = {section: {k: v for k, v in values.items() if getattr(getattr(current, section), k) != v}
                   for section, values in changes.items()}
        changes = {section: values for section, values in changes.items() if values}
        if not changes:
            self.say("console.settings.saved")
            return
        printer = current.printer.model_copy(update=changes.get("printer", {}))
        try:
            printer_transport(printer)
        except ValueError as exc:
            self.say("console.settings.bad", reason=str(exc))
            return
        refusal = printer_target_refusal(printer.kind, printer.address) if "printer" in changes else None
        if refusal is not None:
            log.warning("printer setting refused (%s)", printer.kind)
            self.say("console.settings.bad", reason=refusal)
            return
        try:
            updated = save_overrides(current, changes)
        except ConfigError as exc:
            self.say("console.settings.bad", reason=str(exc).replace("staff console: ", ""))
            return
        except OSError as exc:
            self.say("console.settings.bad", reason=exc.strerror or type(exc).__name__)
            return
        self.window_.apply_settings(updated)
        self.say("console.settings.saved")

    # --- statistics ---

    def _range(self) -> tuple[date, date]:
        end = self.runtime.clock.now().date()
        return end - timedelta(days=STATS_DAYS - 1), end

    def _default_csv_path(self) -> Path:
        return paths.data_dir() / "exports" / f"thong-ke-{self.runtime.clock.now():%Y%m%d}.csv"

    def refresh_stats(self) -> None:
        store = self.window_.stats_store
        if store is None:
            return
        start, end = self._range()

        def read() -> list[DayFigures]:
            store.flush()
            return store.range(start, end)

        self.window_.runner.submit(read, self._show_stats, self._status_failed)

    def _show_stats(self, days: list[DayFigures]) -> None:
        t = self.t
        start, end = self._range()
        by_day = {d.day: d for d in days}
        span = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        self.chart_sessions.set_data(t("console.chart.sessions"), [f"{d:%d/%m}" for d in span], [
            Series(t("console.chart.sessions_series"), "#0B5CAD",
                   tuple(float(by_day[d].sessions) if d in by_day else 0.0 for d in span))])
        ratings = [sum(d.ratings.get(str(n), 0) for d in days) for n in range(1, 6)]
        self.chart_ratings.set_data(t("console.chart.ratings"), [f"{n}★" for n in range(1, 6)], [
            Series(t("console.chart.ratings_series"), "#F59E0B", tuple(float(v) for v in ratings))])
        totals: dict[str, list[int]] = {}
        for figures in days:
            for code, p in figures.procedures.items():
                entry = totals.setdefault(code, [0, 0])
                entry[0] += p.completed
                entry[1] += p.abandoned
        codes = sorted(totals, key=lambda c: -(totals[c][0] + totals[c][1]))[:8]
        names = []
        for code in codes:
            try:
                names.append(self.runtime.catalog.get(code).name.get(self.lang))
            except KeyError:
                names.append(code)
        self.chart_procedures.set_data(t("console.chart.procedures"), names, [
            Series(t("console.chart.completed"), "#15803D", tuple(float(totals[c][0]) for c in codes)),
            Series(t("console.chart.abandoned"), "#B00020", tuple(float(totals[c][1]) for c in codes))])
        self.stats_summary.setText(t("console.stats.summary", days=STATS_DAYS, sessions=sum(d.sessions for d in days),
                                     completed=sum(d.completed for d in days),
                                     abandoned=sum(d.abandoned for d in days)))

    def export_csv(self) -> None:
        store = self.window_.stats_store
        text = self.csv_path.text().strip()
        if store is None or not text:
            return
        target = Path(text).expanduser()
        _, end = self._range()
        first = date(2000, 1, 1)  # the export holds every day kept, not only the charts' fortnight

        def done(rows: int) -> None:
            self.say("console.csv.done", rows=rows, path=str(target))

        def failed(error: BaseException) -> None:
            reason = getattr(error, "strerror", None) or type(error).__name__
            self.say("console.csv.failed", reason=reason)

        self.window_.runner.submit(lambda: store.export_csv(target, first, end), done, failed)


def sync_once(settings: Settings, outbox: Outbox, store: StatsStore | None, now: datetime) -> tuple[int, int] | None:
    """Send every waiting dossier and rating now, then the unreported statistics; blocking.

    Returns (dossiers settled, dossiers still waiting), or None when no portal is configured.
    Raises PortalError when the portal cannot be reached or refuses the kiosk (noted for the status page).
    """
    outbox.retry_now()
    if settings.portal.base_url is None:
        return None
    with portal_client(settings, max_retries=0) as client, client.deadline(ROUND_DEADLINE_S):
        try:
            client.fetch_token()  # one clear answer on reachability and credentials before anything else
        except PortalError as exc:
            record_sync(False, now, exc.reason)
            raise
        engine = SyncEngine(outbox, client)
        settled = engine.drain_once()
        engine.drain_feedback_once()
        if store is not None:
            report_to_portal(store, settings, now, client)
        else:
            record_sync(True, now)
    return settled, outbox.depth()


def idle_policy(idle: IdleSettings) -> IdlePolicy:
    """The resident's idle policy from the [idle] settings."""
    return IdlePolicy(form_seconds=idle.form_seconds, menu_seconds=idle.menu_seconds,
                      receipt_seconds=idle.receipt_seconds, warning_seconds=idle.warning_seconds)
