"""The console's settings page, built from the settings schema (`kiosk.settings.editable`): idle times, the
default language and (technicians only) the printer and the document scanner, each with the editor its field in
the schema calls for, saved through the window's one settings path (validated by the same schema, written to
the override file)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

from kiosk.i18n import has_text
from kiosk.printing import printer_transport
from kiosk.security.staff_auth import printer_target_refusal
from kiosk.settings.config import ConfigError
from kiosk.settings.editable import EditableSetting, EditorKind, changed_values, editable_settings
from ui.common.widgets import button, label
from ui.console.page import ConsolePage

log = logging.getLogger(__name__)


def make_editor(setting: EditableSetting) -> QWidget:
    """The editor for one setting: a spin box within the schema's bounds, a list of its values, or a field."""
    editor: QWidget
    if setting.kind is EditorKind.NUMBER:
        editor = QSpinBox()
        editor.setRange(setting.low, setting.high)
        editor.setSingleStep(setting.step)
    elif setting.kind is EditorKind.CHOICE:
        editor = QComboBox()
        for value in setting.choices:
            editor.addItem(str(value), value)  # the text is set in the console's language (`retranslate`)
    else:
        editor = QLineEdit()
        if setting.max_length is not None:
            editor.setMaxLength(setting.max_length)
    editor.setObjectName(f"console.{setting.key}")
    editor.setMinimumHeight(56)
    return editor


class SettingsPage(ConsolePage):
    def _build_settings(self) -> None:
        layout = self._page("settings")
        form = QFormLayout()
        self.settings_rows: dict[str, tuple[EditableSetting, QLabel, QWidget]] = {}
        self.settings_titles: dict[str, QLabel] = {}
        for setting in editable_settings():
            if setting.section not in self.settings_titles:
                self.settings_titles[setting.section] = label("", f"console.settings.{setting.section}", "subtitle")
                form.addRow(self.settings_titles[setting.section])
            caption = label("", f"console.{setting.key}_label", wrap=False)
            editor = make_editor(setting)
            form.addRow(caption, editor)
            self.settings_rows[setting.key] = (setting, caption, editor)
        layout.addLayout(form)
        self.settings_save = button("", "console.settings.save", "primary")
        self.settings_save.clicked.connect(self.save_settings)
        layout.addWidget(self.settings_save, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def _retranslate_settings(self) -> None:
        """Titles, captions and the names of choices in the console's language; a technician's settings shown
        to technicians only."""
        t = self.t
        technician = self.role == "technician"
        for section, title in self.settings_titles.items():
            title.setText(t(f"console.settings.{section}"))
            rows = [row for row in self.settings_rows.values() if row[0].section == section]
            title.setVisible(technician or not all(setting.technician_only for setting, _, _ in rows))
        for setting, caption, editor in self.settings_rows.values():
            caption.setText(t(f"console.{setting.key}"))
            if isinstance(editor, QComboBox):
                for index in range(editor.count()):
                    name = f"console.{setting.key}.{editor.itemData(index)}"
                    editor.setItemText(index, t(name) if has_text(name) else str(editor.itemData(index)))
            for widget in (caption, editor):
                widget.setVisible(technician or not setting.technician_only)

    def _fill_settings(self) -> None:
        settings = self.runtime.settings
        for setting, _, editor in self.settings_rows.values():
            value = setting.current(settings)
            if isinstance(editor, QSpinBox):
                editor.setValue(value)
            elif isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif isinstance(editor, QLineEdit):
                editor.setText(value)

    def settings_values(self) -> dict[str, Any]:
        """What the page's editors hold, by `section.name`."""
        values: dict[str, Any] = {}
        for key, (_, _, editor) in self.settings_rows.items():
            if isinstance(editor, QSpinBox):
                values[key] = editor.value()
            elif isinstance(editor, QComboBox):
                values[key] = editor.currentData()
            elif isinstance(editor, QLineEdit):
                values[key] = editor.text().strip()
        return values

    def save_settings(self) -> None:
        current = self.runtime.settings
        changes = changed_values(current, self.settings_values(), technician=self.role == "technician")
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
