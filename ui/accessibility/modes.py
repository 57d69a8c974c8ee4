"""Larger text and high contrast, toggled from the top bar of every screen, reset with the session.

`InputAndAccessibility` puts this module's controls, the read-aloud button, the on-screen keyboard
and the scanner router into the kiosk window. `unnamed_widgets` is the check the tests (and a
curious technician) use: which interactive widgets lack an accessible name or description.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)

from kiosk.i18n import tr
from kiosk.journey.machine import Screen
from ui.accessibility.speech import ReadAloud, find_speech_command
from ui.common.theme import HIGH_CONTRAST, NORMAL, TEXT_SCALES, apply_theme, clear_window_theme, set_bar_text
from ui.common.widgets import button
from ui.input.keyboard import OnScreenKeyboard
from ui.input.scanner import ScanRouter

if TYPE_CHECKING:
    from ui.shell.window import KioskWindow

log = logging.getLogger(__name__)

INTERACTIVE = (QAbstractButton, QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QAbstractSpinBox)


@dataclass(frozen=True)
class DisplayMode:
    """How the window is drawn for the current resident."""

    scale: float = 1.0
    high_contrast: bool = False

    def __post_init__(self) -> None:
        if self.scale not in TEXT_SCALES:
            raise ValueError(f"text scale must be one of {TEXT_SCALES}")

    def larger(self) -> DisplayMode:
        """The next text size, back to ×1 after the largest."""
        index = TEXT_SCALES.index(self.scale)
        return replace(self, scale=TEXT_SCALES[(index + 1) % len(TEXT_SCALES)])


DEFAULT_MODE = DisplayMode()


def scale_text(scale: float, lang: str) -> str:
    """×1, ×1.25, ×1.5 — with a decimal comma in Vietnamese."""
    text = f"×{scale:g}"
    return text.replace(".", ",") if lang == "vi" else text


class AccessibilityControls(QObject):
    """The text-size and contrast buttons of the top bar, and the window's look that follows them."""

    changed = Signal()

    def __init__(self, window: QWidget, lang: Callable[[], str]) -> None:
        super().__init__(window)
        self._window = window
        self._lang = lang
        self.mode = DEFAULT_MODE
        self.text_size: QPushButton = button("", "a11y.text_size", "bar")
        self.contrast: QPushButton = button("", "a11y.contrast", "bar")
        self.contrast.setCheckable(True)
        for widget in (self.text_size, self.contrast):
            # Tab reaches them, a touch does not take focus from the field being typed in.
            widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.text_size.clicked.connect(lambda: self.set_mode(self.mode.larger()))
        self.contrast.clicked.connect(self.toggle_contrast)
        self.retranslate()

    def set_mode(self, mode: DisplayMode) -> None:
        if mode == self.mode:
            self._sync_buttons()
            return
        self.mode = mode
        if mode == DEFAULT_MODE:
            clear_window_theme(self._window)
        else:
            apply_theme(self._window, HIGH_CONTRAST if mode.high_contrast else NORMAL, mode.scale)
        log.info("display mode: text ×%s, high contrast %s", mode.scale, mode.high_contrast)
        self.retranslate()
        self.changed.emit()

    def toggle_contrast(self) -> None:
        self.set_mode(replace(self.mode, high_contrast=not self.mode.high_contrast))

    def reset(self) -> None:
        """The next resident starts with normal text and colours."""
        self.set_mode(DEFAULT_MODE)

    def retranslate(self) -> None:
        lang = self._lang()
        size = scale_text(self.mode.scale, lang)
        set_bar_text(self.text_size, tr("a11y.text_size", lang, size=size), tr("a11y.text_size.help", lang))
        set_bar_text(self.contrast, tr("a11y.contrast", lang), tr("a11y.contrast.help", lang))
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.contrast.setChecked(self.mode.high_contrast)


def interactive_widgets(root: QWidget) -> list[QWidget]:
    """Widgets under `root` a resident can operate and that are shown."""
    return [w for w in root.findChildren(QWidget) if isinstance(w, INTERACTIVE) and w.isVisibleTo(root)]


def unnamed_widgets(root: QWidget) -> list[str]:
    """Interactive widgets under `root` without an accessible name or description (objectName: what)."""
    problems = []
    for widget in interactive_widgets(root):
        what = widget.objectName() or type(widget).__name__
        if not widget.accessibleName().strip():
            problems.append(f"{what}: no accessible name")
        if not widget.accessibleDescription().strip():
            problems.append(f"{what}: no accessible description")
    return problems


class InputAndAccessibility(QObject):
    """The keyboard and scan messages in the window's dock, the display and read-aloud controls in its
    top bar (before the language button), all following the screen and forgetting the resident on reset.
    """

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self._window = window
        journey = window.journey

        def lang() -> str:
            return journey.session.lang

        self.scanner = ScanRouter(window, journey, window.send, window.current_view)
        self.keyboard = OnScreenKeyboard(window, window.runtime.settings.kiosk.tone_style, lang, window.screens_area)
        window.dock.addWidget(self.scanner.notice)
        window.dock.addWidget(self.keyboard)
        self.display = AccessibilityControls(window, lang)
        engine = find_speech_command(window.runtime.settings.kiosk.speech_engine)
        self.read_aloud = ReadAloud(window, lambda: (window.current_view(), journey.screen), lang, engine)
        bar = window.top_bar
        for widget in (self.display.text_size, self.display.contrast, self.read_aloud.button):
            bar.insertWidget(bar.indexOf(window.language_button), widget)
        # The top bar from left to right, then the screen (its widgets are built later, so they follow).
        chain = [window.back_button, self.display.text_size, self.display.contrast, self.read_aloud.button,
                 window.language_button, window.end_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.display.changed.connect(self.keyboard.keep_target_visible)
        window.screen_changed.connect(self._screen_changed)
        window.reset_hooks.extend([self.scanner.clear, self.keyboard.clear, self.read_aloud.stop, self.display.reset])

    def _screen_changed(self, screen: str) -> None:
        self.keyboard.retranslate()
        self.scanner.screen_changed()
        self.display.retranslate()
        self.read_aloud.stop()
        self.read_aloud.retranslate()
        self.read_aloud.update_visibility(Screen(screen))

    def filter_event(self, watched: QObject, event: QEvent) -> bool:
        """For the window's application event filter: True when the event must not go further."""
        return self.keyboard.filter_event(watched, event) or self.scanner.filter_event(watched, event)

    def shutdown(self) -> None:
        self.keyboard.detach()
        self.scanner.shutdown()
        self.read_aloud.shutdown()
