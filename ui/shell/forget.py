"""What a screen's `clear()` cannot see of the resident: undo histories, scroll positions, popups, tooltips,
dialogs and text still being composed. Run on every reset over the whole window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication, QInputMethodEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolTip,
    QWidget,
)

if TYPE_CHECKING:
    from ui.shell.window import KioskWindow


def forget_widget_state(root: QWidget) -> None:
    """What `ScreenView.clear` cannot see: undo histories, scroll positions, popups, tooltips, dialogs."""
    for edit in root.findChildren(QLineEdit):
        if not (edit.text() or edit.isUndoAvailable() or edit.isRedoAvailable() or edit.hasFocus()):
            continue  # nothing to forget (pre-edit text lives only in the focused field): kept pages are many
        QApplication.sendEvent(edit, QInputMethodEvent())  # drops pre-edit text that setText() keeps
        edit.setText("")  # unlike clear(), also empties the undo history (Ctrl+Z would bring text back)
    texts: list[QPlainTextEdit | QTextEdit] = [*root.findChildren(QPlainTextEdit), *root.findChildren(QTextEdit)]
    for text in texts:
        QApplication.sendEvent(text, QInputMethodEvent())
        text.clear()
        text.document().clearUndoRedoStacks()
    for area in root.findChildren(QAbstractScrollArea):
        for bar in (area.verticalScrollBar(), area.horizontalScrollBar()):
            bar.setValue(bar.minimum())
    for _ in range(8):  # nested menus or a combo box's list
        popup = QApplication.activePopupWidget()
        if popup is None:
            break
        popup.close()
    QToolTip.hideText()
    for dialog in root.findChildren(QDialog):
        if dialog.isVisible() and not dialog.property("keepOnReset"):
            dialog.reject()


def forget_resident(window: KioskWindow) -> None:
    """Forget the resident: every screen's widgets, the clipboard, the window's overlays and dialogs.
    The controllers and the input parts forget their part when they hear the same transition."""
    from kiosk.printing.qr import forget_codes

    for view in window.screens.values():
        view.clear()
    window.staff_entry.close_pad()
    if window.end_confirm is not None:
        window.end_confirm.hide()
    forget_codes()
    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.clear()
    forget_widget_state(window)
    input_method = QGuiApplication.inputMethod()
    if input_method is not None:
        input_method.reset()  # drops text still being composed (pre-edit)
    focus = QApplication.focusWidget()
    if focus is not None:
        focus.clearFocus()
    window.overlay.hide()
