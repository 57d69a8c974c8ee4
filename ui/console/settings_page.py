"""The console's settings page: idle times, the default language and (technicians only) the printer and the
document scanner, saved through the window's one settings path (validated by the settings schema, written to the
override file)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
)

from kiosk.printing import printer_transport
from kiosk.security.staff_auth import (
    printer_target_refusal,
)
from kiosk.settings.config import ConfigError, IdleSettings, PrinterSettings, field_bounds, field_choices
from ui.common.widgets import button, label
from ui.console.page import ConsolePage

log = logging.getLogger(__name__)


class SettingsPage(ConsolePage):
    def _build_settings(self) -> None:
        layout = self._page("settings")
        form = QFormLayout()
        self.idle_title = label("", "console.settings.idle", "subtitle")
        form.addRow(self.idle_title)
        self.idle_boxes: dict[str, QSpinBox] = {}
        self.idle_labels: dict[str, QLabel] = {}
        for key in ("form", "menu", "receipt", "warning", "console"):
            low, high = field_bounds(IdleSettings, f"{key}_seconds")  # the schema's bounds, not a copy
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
        self.printer_kind.addItems(list(field_choices(PrinterSettings, "kind")))  # the schema's, not a copy
        self.printer_address = QLineEdit()
        self.printer_address.setObjectName("console.printer.address")
        self.printer_width = QComboBox()
        self.printer_width.setObjectName("console.printer.width")
        self.printer_width.addItems([str(width) for width in field_choices(PrinterSettings, "paper_width_mm")])
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
            self.host.save_settings(changes)
        except ConfigError as exc:
            self.say("console.settings.bad", reason=str(exc).replace("staff console: ", ""))
            return
        except OSError as exc:
            self.say("console.settings.bad", reason=exc.strerror or type(exc).__name__)
            return
        self.say("console.settings.saved")
