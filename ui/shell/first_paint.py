"""The window's first paint: start-up finishes after it, and a hidden probe for the benchmarks reports it.

`AfterFirstPaint` runs the second half of start-up once the attract screen has been painted. The probe is
enabled only by KIOSK_BENCH_EXIT_AFTER_PAINT=<milliseconds> (see bench/bench_startup.py); the kiosk never sets
it. The same protocol is spoken by bench/floor.py, so the kiosk and the bare PySide6 floor are timed alike.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, SignalInstance
from PySide6.QtWidgets import QApplication, QWidget

from ui.common.timers import named_timer


def rss_kb() -> int:
    """This process's resident set size in KiB (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class AfterFirstPaint(QObject):
    """Calls `callback` from the event loop once `widget`'s first paint has been handled (the frame is shown)."""

    def __init__(self, widget: QWidget, callback: Callable[[], None], name: str) -> None:
        super().__init__(widget)
        self.widget = widget
        self.callback: Callable[[], None] | None = callback
        self.timer = named_timer(self, name, 0, single_shot=True)
        self.timer.timeout.connect(self._fire)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint and self.callback is not None and not self.timer.isActive():
            self.timer.start()  # runs once this paint (and its children's) has been handled
        return False

    def _fire(self) -> None:
        self.widget.removeEventFilter(self)
        callback, self.callback = self.callback, None
        if callback is not None:
            callback()


class FirstPaintProbe(QObject):
    """Prints `painted` once the window's first paint has been handled, `ready` once a window with an
    `attached` signal has finished starting (the kiosk's second half), then `rss_kb <n>` after `idle_ms`."""

    def __init__(self, app: QApplication, window: QWidget, idle_ms: int,
                 ready: SignalInstance | None = None) -> None:
        super().__init__(window)
        self.app = app
        self.ready = ready
        self.is_ready = ready is None
        if ready is not None:
            ready.connect(self._ready)
        self.printed_paint = False
        AfterFirstPaint(window, self._painted, "bench-after-paint")
        self.after_idle = named_timer(self, "bench-after-idle", max(idle_ms, 0), single_shot=True)
        self.after_idle.timeout.connect(self._report)

    def _painted(self) -> None:
        print("painted", flush=True)
        self.printed_paint = True
        if self.is_ready:
            if self.ready is not None:
                print("ready", flush=True)
            self.after_idle.start()

    def _ready(self) -> None:
        if self.is_ready:
            return
        self.is_ready = True
        if self.printed_paint:  # else `painted` (and then `ready`) are printed by _painted
            print("ready", flush=True)
            self.after_idle.start()

    def _report(self) -> None:
        print(f"rss_kb {rss_kb()}", flush=True)
        self.app.quit()
