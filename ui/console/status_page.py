"""The console's status page: the kiosk's state at a glance (site, portal, last sync, outbox, printer, disk,
versions), rejected dossiers with the portal's reasons, and today's slips for reprinting."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
)

from kiosk.operations import Operation
from kiosk.ops.status import KioskStatus, collect_status
from kiosk.outbox.store import set_aside_copies
from kiosk.printing import PrinterState
from kiosk.printing.slips import SlipRecord
from kiosk.workdays.clock import VN_TZ
from ui.common.widgets import button, label
from ui.console.page import ConsolePage

log = logging.getLogger(__name__)

LOW_DISK_BYTES = 1024 ** 3


def _disk_gb(value: int) -> str:
    return f"{value / 1024 ** 3:.1f}".replace(".", ",")



class StatusPage(ConsolePage):
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

        self.host.runner.run(Operation("console status", collect), done, self._status_failed)

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
