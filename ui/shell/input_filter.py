"""The application's one Python event filter, for the kiosk window.

Each Python event filter costs a crossing into Python for every event of every widget, so there is one:
it resets the idle clock on activity, drops a tap that lands right after the screen changed (meant for the
screen before), hands keys to the on-screen keyboard and the scanner router, then to the staff entry and the
lockdown, each for the event types it acts on. `unfiltered()` lifts it during the window's own screen work.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from ui.accessibility.modes import InputAndAccessibility
    from ui.console.entry import StaffEntry
    from ui.controllers.idle import IdleController
    from ui.shell.lockdown import Lockdown

ACTIVITY_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate, QEvent.Type.KeyPress, QEvent.Type.Wheel, QEvent.Type.InputMethod,
})
# Every event type the window's own filtering or `InputAndAccessibility.filter_event` acts on. The application
# filter sees every event of every widget (thousands per screen change: polish, layout, paint…); returning at
# once for the others halves the main-thread time of a screen change (docs/PERFORMANCE.md). Add a type here
# when a filter starts to need it.
FILTERED_EVENTS = ACTIVITY_EVENTS | frozenset({
    QEvent.Type.TouchEnd, QEvent.Type.TouchCancel, QEvent.Type.MouseButtonDblClick,
})
# A press that lands this soon after the screen changed was meant for the screen before (a double or
# triple tap): it is dropped with its release (`kiosk.tap_guard_ms`).
TAP_EVENTS = frozenset({
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
})


class InputFilter(QObject):
    def __init__(self, parent: QObject, idle: IdleController, input_parts: InputAndAccessibility,
                 staff_entry: StaffEntry, lockdown: Lockdown) -> None:
        super().__init__(parent)
        self.idle, self.input, self.staff_entry, self.lockdown = idle, input_parts, staff_entry, lockdown
        self.filtered_events = FILTERED_EVENTS | lockdown.EVENTS | staff_entry.EVENTS
        self._taps_from = 0.0  # monotonic time from which taps count again (see TAP_EVENTS)
        self._installed = False
        self._unfiltered_depth = 0

    def install(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            self._installed = True

    def remove(self) -> None:
        app = QApplication.instance()
        self._installed = False
        if app is not None:
            app.removeEventFilter(self)

    def guard_taps(self, seconds: float) -> None:
        """The screen changed: taps in the next `seconds` were meant for the screen before."""
        self._taps_from = time.monotonic() + seconds

    @contextmanager
    def unfiltered(self) -> Iterator[None]:
        """The window's own screen work, without the application event filter.

        A screen change makes thousands of Qt events (polish, layout, show, child events), each of which would
        cross into Python for the filter and be dropped there: a third of the change's main-thread time. None
        of them is input, closing or activation, the only events the filter acts on; those arrive from the
        event loop, after this work, with the filter back in place."""
        app = QApplication.instance()
        outermost = self._unfiltered_depth == 0 and self._installed and app is not None
        if outermost and app is not None:
            app.removeEventFilter(self)
        self._unfiltered_depth += 1
        try:
            yield
        finally:
            self._unfiltered_depth -= 1
            if outermost and self._installed and app is not None:
                app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        kind = event.type()
        if kind not in self.filtered_events:
            return False
        if kind in FILTERED_EVENTS:
            if kind in TAP_EVENTS and time.monotonic() < self._taps_from:
                return True
            if kind in ACTIVITY_EVENTS:
                self.idle.activity(watched)
            if self.input.filter_event(watched, event):  # paste swallowed, scanner bursts held back
                return True
        if kind in self.staff_entry.EVENTS and self.staff_entry.eventFilter(watched, event):
            return True
        return kind in self.lockdown.EVENTS and self.lockdown.eventFilter(watched, event)
