"""The console's actions page: end the session, sync now, reload the catalog, test print, reprint a slip,
change a PIN, and (technicians only) leave the kiosk for the desktop."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QLineEdit,
    QListWidget,
)

from kiosk.catalog import Catalog, CatalogError
from kiosk.journey.machine import Reset, Screen
from kiosk.operations import load_catalog, report_statistics, sync_now
from kiosk.printing.receipt import build_checklist
from kiosk.security.secrets import SecretsError
from kiosk.security.staff_auth import (
    PinError,
    StaffAuth,
    valid_pin_shape,
    weak_pin_reason,
)
from ui.common.widgets import button, label
from ui.console.host import ConsoleHost
from ui.console.page import ConsolePage

log = logging.getLogger(__name__)

PRINT_REASONS = frozenset({"offline", "paper_out", "timeout", "io", "error", "unknown_slip"})
EXIT_TECHNICIAN = 75


def quit_app(host: ConsoleHost) -> None:
    """Leave the kiosk for the desktop (technicians only)."""
    host.allow_exit()
    # `kiosk run` exits with this status; systemd does not restart it (RestartPreventExitStatus).
    host.exit_status = EXIT_TECHNICIAN
    host.close()



class ActionsPage(ConsolePage):
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

    def end_session(self) -> None:
        if self.host.journey.screen is not Screen.ATTRACT:
            self.host.send(Reset("staff"))
        self.say("console.session_ended")

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
        store, settings, outbox, now = self.host.stats_store, runtime.settings, runtime.outbox, runtime.clock.now()
        service = self._portal_service()
        if service is not None:
            # The kiosk's own sync service sends the dossiers (one sender, one order); this console adds
            # the statistics, which that service does not send.
            self._awaiting_sync = True
            self.say("console.sync_started")
            service.sync_now(retry_all=True)
            if store is not None:
                service.runner.run(report_statistics(store, settings, now), None,
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

        self.host.runner.run(sync_now(settings, outbox, store, now), done, failed)

    def reload_catalog(self) -> None:
        if self._catalog_busy:
            return
        self._catalog_busy = True
        directory = self.runtime.settings.procedures_path()

        def done(catalog: Catalog) -> None:
            self._catalog_busy = False
            self.host.replace_catalog(catalog)
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

        self.host.runner.run(load_catalog(directory), done, failed)

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
        quit_app(self.host)
