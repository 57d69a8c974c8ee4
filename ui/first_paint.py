"""A hidden start-up probe for the benchmarks: report the window's first paint and the idle memory, then quit.

Enabled only by KIOSK_BENCH_EXIT_AFTER_PAINT=<milliseconds> (see bench/bench_startup.py); the kiosk never sets it.
The same protocol is spoken by bench/floor.py, so the kiosk and the bare PySide6 floor are timed alike.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from ui.timers import named_timer


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


class FirstPaintProbe(QObject):
    """Prints `painted` once the window's first paint has been handled, then `rss_kb <n>` after `idle_ms`."""

    def __init__(self, app: QApplication, window: QWidget, idle_ms: int) -> None:
        super().__init__(window)
        self.app = app
        self.seen = False
        self.after_paint = named_timer(self, "bench-after-paint", 0, single_shot=True)
        self.after_paint.timeout.connect(self._painted)
        self.after_idle = named_timer(self, "bench-after-idle", max(idle_ms, 0), single_shot=True)
        self.after_idle.timeout.connect(self._report)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            self.after_paint.start()  # runs once this paint (and its children's) has been handled
        return False

    def _painted(self) -> None:
        print("painted", flush=True)
        self.after_idle.start()

    def _report(self) -> None:
        print(f"rss_kb {rss_kb()}", flush=True)
        self.app.quit()
