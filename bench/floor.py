"""The floor: the least a PySide6 kiosk can do — one window with a few labels, fields and a button.

Run by bench_startup/bench_memory exactly like the kiosk: it prints `painted` on the first paint of
its window, stays idle for the milliseconds given by `--exit-after-paint MS` (as `kiosk run` takes them),
prints `rss_kb <n>` and exits.
It imports nothing but PySide6, so its start-up and memory are what Qt and Python cost on this machine.
"""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class FirstPaint(QObject):
    """Reports the first paint of `window`, then the resident set after an idle pause, then quits."""

    def __init__(self, app: QApplication, window: QWidget, idle_ms: int) -> None:
        super().__init__(window)
        self.app = app
        self.idle_ms = idle_ms
        self.seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            QTimer.singleShot(0, self.painted)  # after this paint event has been handled
        return False

    def painted(self) -> None:
        print("painted", flush=True)
        QTimer.singleShot(self.idle_ms, self.report)

    def report(self) -> None:
        print(f"rss_kb {rss_kb()}", flush=True)
        self.app.quit()


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QWidget()
    window.setWindowTitle("Floor")
    layout = QVBoxLayout(window)
    title = QLabel("Đăng ký khai sinh")
    title.setStyleSheet("font-size: 32px; font-weight: bold;")
    layout.addWidget(title)
    layout.addWidget(QLabel("Nhập thông tin người yêu cầu."))
    form = QFormLayout()
    for caption in ("Họ, chữ đệm và tên", "Số định danh cá nhân", "Số điện thoại"):
        form.addRow(QLabel(caption), QLineEdit())
    layout.addLayout(form)
    layout.addWidget(QPushButton("Tiếp tục"))
    layout.addStretch(1)
    parser = argparse.ArgumentParser(description="the PySide6 floor of the start-up and memory benches")
    parser.add_argument("--exit-after-paint", type=int, metavar="MS", default=None)
    idle_ms = parser.parse_args().exit_after_paint
    if idle_ms is not None:
        window.installEventFilter(FirstPaint(app, window, idle_ms))
    window.resize(1366, 768)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
