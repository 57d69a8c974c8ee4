"""What every screen has: a name, a way to show the journey's state, and a way to forget it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QScrollArea, QVBoxLayout, QWidget

from kiosk.i18n import tr
from kiosk.journey.screens import Screen
from kiosk.settings.boot import BootInfo
from ui.common.layouts import flick_to_scroll

if TYPE_CHECKING:
    from kiosk.journey.events import Event
    from kiosk.journey.machine import Journey
    from kiosk.runtime import Runtime
    from ui.common.workers import TaskRunner


@dataclass
class ScreenContext:
    runtime: Runtime
    send: Callable[[Event], None]
    runner: TaskRunner

    @property
    def journey(self) -> Journey:
        return self.runtime.journey

    @property
    def lang(self) -> str:
        return self.runtime.journey.session.lang

    def t(self, key: str, **params: object) -> str:
        return tr(key, self.lang, **params)

    def attract_info(self) -> BootInfo:
        return BootInfo.from_settings(self.runtime.settings)


class ScreenView(QWidget):
    kind: Screen = Screen.ATTRACT
    ctx: ScreenContext

    def __init__(self, ctx: ScreenContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._frame()

    def _frame(self) -> None:
        self.setObjectName(f"screen.{self.kind.value}")
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(48, 24, 48, 24)
        self.outer.setSpacing(16)

    def enter(self) -> None:
        """Show the journey's current state (called on every transition into or within this screen)."""

    def leave(self) -> None:
        """Called when another screen takes over."""

    def fit_width(self, width: int) -> None:
        """Arrange the screen for a window `width` pixels wide (portrait screens are narrow)."""

    def make_room_for_keyboard(self, keyboard_open: bool) -> None:
        """The on-screen keyboard came up or went away: a screen with a tall header may fold it away."""

    def capture(self) -> dict[str, str]:
        """Answers typed on this screen and not yet sent to the journey."""
        return {}

    def clear(self) -> None:
        """Forget everything a resident typed or saw here (the session reset)."""
        for edit in self.findChildren(QLineEdit):
            edit.clear()
        for text in self.findChildren(QPlainTextEdit):
            text.clear()
        for area in self.findChildren(QScrollArea):
            area.verticalScrollBar().setValue(0)


def scroll_area(content: QWidget, name: str) -> QScrollArea:
    area = QScrollArea()
    area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setWidget(content)
    flick_to_scroll(area)
    return area
