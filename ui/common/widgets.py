"""Small building blocks shared by the screens. Every label shows plain text, never rich text."""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import tr
from ui.common.layouts import FlowBox, OptionRow

if TYPE_CHECKING:
    from kiosk.catalog.models import FormField

# The catalog's models (pydantic) and the QR encoder are imported where first used: the attract screen
# is painted with these building blocks before either is loaded (docs/PERFORMANCE.md).


def label(text: str = "", name: str = "", role: str = "", wrap: bool = True) -> QLabel:
    widget = QLabel()
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setText(text)
    widget.setWordWrap(wrap)
    if name:
        widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    return widget


def button(text: str, name: str, role: str = "", description: str = "") -> QPushButton:
    widget = QPushButton(text)
    widget.setObjectName(name)
    if role:
        widget.setProperty("role", role)
    widget.setAccessibleName(text)
    widget.setAccessibleDescription(description or text)
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.setAutoDefault(False)
    return widget


def set_button_text(widget: QPushButton, text: str, description: str = "") -> None:
    widget.setText(text)
    widget.setAccessibleName(text)
    widget.setAccessibleDescription(description or text)


def clear_layout(layout: QVBoxLayout | QHBoxLayout) -> None:
    """Remove and delete every widget, stretch and nested layout of `layout`."""
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            break
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        child = item.layout()
        if child is not None and isinstance(child, QVBoxLayout | QHBoxLayout):
            clear_layout(child)
        # takeAt() hands the item to the caller, but PySide6 does not make Python its owner: without this the
        # QWidgetItem or QSpacerItem (~144 bytes a row) would never be freed.
        shiboken6.delete(item)


class QrWidget(QWidget):
    """Paints a QR code crisply at any size (whole pixels per module)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._matrix: tuple[tuple[bool, ...], ...] = ()
        self.text = ""
        self.setMinimumSize(QSize(200, 200))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_text(self, text: str) -> None:
        self.text = text
        from kiosk.printing.qr import qr_modules

        self._matrix = qr_modules(text, "M") if text else ()
        self.setAccessibleName(f"QR: {text}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("white"))
        if self._matrix:
            n = len(self._matrix)
            module = max(1, min(self.width(), self.height()) // n)
            offset_x = (self.width() - module * n) // 2
            offset_y = (self.height() - module * n) // 2
            black = QColor("black")
            for y, row in enumerate(self._matrix):
                for x, dark in enumerate(row):
                    if dark:
                        painter.fillRect(offset_x + x * module, offset_y + y * module, module, module, black)
        painter.end()


class FieldEditor(QFrame):
    """One form field: its label, help, input widget and the message when the answer is wrong."""

    changed = Signal()

    def __init__(self, spec: FormField, lang: str, parent: QWidget | None = None) -> None:
        from kiosk.catalog.models import FieldKind

        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"editor.{spec.id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.setSpacing(4)
        text = spec.label.get(lang)
        if not spec.required and spec.kind is not FieldKind.CHECKBOX:
            text += " " + tr("form.optional", lang)
        self.title = label(text, f"label.{spec.id}", "subtitle" if spec.kind is FieldKind.CHECKBOX else "")
        if spec.kind is not FieldKind.CHECKBOX:
            layout.addWidget(self.title)
        help_text = spec.help.get(lang) if spec.help else ""
        if spec.kind is FieldKind.DATE:
            help_text = (help_text + " " if help_text else "") + tr("form.date_hint", lang)
        self.help = label(help_text, f"help.{spec.id}", "muted")
        layout.addWidget(self.help)  # parent first: a parentless widget shown is a window of its own
        self.help.setVisible(bool(help_text))
        self._group: QButtonGroup | None = None
        self._radios: dict[str, QRadioButton] = {}
        self._check_row: OptionRow | None = None  # a check box's text wraps in a label beside it
        self.input = self._make_input(spec, lang, text)
        layout.addWidget(self._check_row if self._check_row is not None else self.input)
        self.error = label("", f"error.{spec.id}", "error")
        self.error.setVisible(False)
        layout.addWidget(self.error)

    def _make_input(self, spec: FormField, lang: str, text: str) -> QWidget:
        from kiosk.catalog.models import FieldKind

        name = f"field.{spec.id}"
        description = spec.help.get(lang) if spec.help else text
        widget: QWidget
        if spec.kind is FieldKind.SELECT:
            combo = QComboBox()
            combo.addItem(tr("form.choose", lang), "")
            for option in spec.options:
                combo.addItem(option.label.get(lang), option.value)
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
            # Long option texts must not widen the form past the screen.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
            widget = combo
        elif spec.kind is FieldKind.RADIO:
            box = FlowBox(spacing=16)  # options wrap onto more lines on narrow screens
            self._group = QButtonGroup(box)
            for option in spec.options:
                radio = QRadioButton()
                radio.setObjectName(f"{name}.{option.value}")
                radio.setAccessibleName(f"{text}: {option.label.get(lang)}")
                radio.setAccessibleDescription(description)
                self._group.addButton(radio)
                self._radios[option.value] = radio
                box.add(OptionRow(radio, option.label.get(lang), f"{name}.{option.value}.row"))
            self._group.buttonToggled.connect(lambda *_: self.changed.emit())
            widget = box
        elif spec.kind is FieldKind.CHECKBOX:
            check = QCheckBox()
            check.toggled.connect(lambda _c: self.changed.emit())
            self._check_row = OptionRow(check, text, f"{name}.row")
            widget = check
        elif spec.kind is FieldKind.LONG_TEXT:
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(140)
            edit.textChanged.connect(self.changed.emit)
            widget = edit
        else:
            line = QLineEdit()
            line.setMaxLength(300)
            line.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
            line.setDragEnabled(False)
            if spec.placeholder:
                line.setPlaceholderText(spec.placeholder.get(lang))
            hints = {
                FieldKind.PHONE: Qt.InputMethodHint.ImhDialableCharactersOnly,
                FieldKind.ID_NUMBER: Qt.InputMethodHint.ImhDigitsOnly,
                FieldKind.NUMBER: Qt.InputMethodHint.ImhFormattedNumbersOnly,
                FieldKind.EMAIL: Qt.InputMethodHint.ImhEmailCharactersOnly,
                FieldKind.DATE: Qt.InputMethodHint.ImhDate,
            }
            hint = hints.get(spec.kind)
            if hint is not None:
                line.setInputMethodHints(hint | Qt.InputMethodHint.ImhSensitiveData)
            elif spec.personal:
                line.setInputMethodHints(Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhNoPredictiveText)
            line.textEdited.connect(lambda _t: self.changed.emit())
            widget = line
        widget.setObjectName(name)
        if spec.kind is not FieldKind.RADIO:
            widget.setAccessibleName(text)
            widget.setAccessibleDescription(description)
        return widget

    def value(self) -> str:
        widget = self.input
        if isinstance(widget, QComboBox):
            return str(widget.currentData() or "")
        if isinstance(widget, QCheckBox):
            return "yes" if widget.isChecked() else ""
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText()
        if isinstance(widget, QLineEdit):
            return widget.text()
        for value, radio in self._radios.items():
            if radio.isChecked():
                return value
        return ""

    def set_value(self, value: str) -> None:
        widget = self.input
        if isinstance(widget, QComboBox):
            index = widget.findData(value)
            widget.setCurrentIndex(max(0, index))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(value == "yes")
        elif isinstance(widget, QPlainTextEdit):
            widget.setPlainText(value)
        elif isinstance(widget, QLineEdit):
            widget.setText(value)
        elif self._group is not None:
            radio = self._radios.get(value)
            if radio is not None:
                radio.setChecked(True)
            else:
                self._group.setExclusive(False)
                for r in self._radios.values():
                    r.setChecked(False)
                self._group.setExclusive(True)

    def set_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        target = self.input
        target.setProperty("invalid", "true" if message else "false")
        target.style().unpolish(target)
        target.style().polish(target)
        if message:
            target.setAccessibleDescription(message)

    def focus_target(self) -> QWidget:
        if self._radios:
            return next(iter(self._radios.values()))
        return self.input


class OverlayDialog(QFrame):
    """A dialog card centred over the whole of its parent window, which it covers (role "overlay"); the
    subclass fills `inner`. Hidden until `cover()` is called."""

    def __init__(self, parent: QWidget, name: str, width: int | None = None, max_width: int = 900) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "overlay")
        outer = QVBoxLayout(self)
        dialog = QFrame()
        dialog.setProperty("role", "dialog")
        if width is not None:
            dialog.setFixedWidth(width)
        else:
            dialog.setMaximumWidth(max_width)
        self.inner = QVBoxLayout(dialog)
        self.inner.setContentsMargins(40, 32, 40, 32)
        outer.addStretch(1)
        outer.addWidget(dialog, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        self.hide()

    def cover(self) -> None:
        """Cover the parent window, above everything in it."""
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        if not self.isVisible():
            self.show()
        self.raise_()

