"""The kiosk window's frame, built before anything else: the top bar and, under it, the screens and the dock
where the on-screen keyboard docks (so it never falls behind the window)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout

from ui.common.layouts import ScrollingScreens
from ui.common.widgets import button

if TYPE_CHECKING:
    from ui.shell.window import KioskWindow


def top_bar(window: KioskWindow) -> tuple[QHBoxLayout, QPushButton, QPushButton, QPushButton]:
    """The window's layout with the top bar: Back on the left; the language toggle and End on the right."""
    layout = QVBoxLayout(window)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    bar = QHBoxLayout()
    bar.setContentsMargins(24, 12, 24, 0)
    back = button("", "nav.back")
    back.clicked.connect(window.go_back)
    language = button("", "nav.language")
    language.clicked.connect(window.toggle_language)
    end = button("", "nav.end")
    end.clicked.connect(window.end_session)
    bar.addWidget(back)
    bar.addStretch(1)
    bar.addWidget(language)
    bar.addWidget(end)
    layout.addLayout(bar)
    return bar, back, language, end


def screens_and_dock(window: KioskWindow) -> tuple[ScrollingScreens, QVBoxLayout]:
    """Under the top bar: the screens (scrolling when the keyboard or large text leaves too little room) and
    the dock of the on-screen keyboard."""
    layout = window.layout()
    assert isinstance(layout, QVBoxLayout)
    screens = ScrollingScreens()
    screens.stack.setObjectName("kiosk.stack")
    layout.addWidget(screens, 1)
    dock = QVBoxLayout()
    dock.setContentsMargins(0, 0, 0, 0)
    layout.addLayout(dock)
    return screens, dock
