"""Two waits a resident sees: Submit until the receipt is painted, and Next on a wrong answer until the error
is painted.

In a subprocess (offscreen, 1366×768, a private data directory and keyring), the kiosk window of the tests
(tests/session_driver.soak_window with tests/qt_helpers.for_test_window's settings: no read-aloud engine, no
tap guard) is brought to a page by the journey's own events (tests/qt_helpers.to_question), then one real
mouse click (QTest.mouseClick: press and release through the window's input filter, as a finger's tap) is
timed until the screen that answers it has been painted:

- **Submit → receipt**: a procedure's review with valid sample answers, a click on "Nộp hồ sơ"; the clock
  stops when the event processing in which the receipt screen received its first paint event has returned.
  In between: the submitting screen, the real store worker (validation, sealing, the outbox's fsync'd
  write, the slip, its QR codes and the preview, off the GUI thread), the delivery of its result and the
  receipt screen's layout and paint. The moment the receipt screen was shown (before its paint) is
  reported too, and the process's processor time (all threads) over the wait.
- **Next → error**: a page asking a field of a kind with a known wrong value (tests/session_driver.INVALID:
  a name with digits, a five-digit phone, a 31 February...), the wrong value typed in, a click on
  "Tiếp tục"; the clock stops when the event processing in which the field's error message was painted has
  returned.

The event loop waits for events between the click and the paint (no polling). The first WARMUP of each are
not counted (they build the screens). Figures: p50, p95 and the worst. Target (docs/PERFORMANCE.md):
Submit → receipt p95 ≤ 150 ms; the error wait has none yet. Verdicts are void on a busy machine
(bench/load.py).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:  # run as a script: `python bench/bench_waits.py`
    sys.path.insert(0, str(REPO))

from bench import load, paint_probe  # noqa: E402
from bench.paint_probe import percentile  # noqa: E402

RECEIPTS = 40
ERRORS = 60
WARMUP = 3
TARGET_RECEIPT_P95_MS = 150.0
WAIT_LIMIT_S = 60.0


def spread(name: str, values: list[float]) -> dict[str, float | str]:
    ordered = sorted(values)
    return {
        f"{name}_p50_ms": round(statistics.median(ordered), 1),
        f"{name}_p95_ms": round(percentile(ordered, 0.95), 1),
        f"{name}_max_ms": round(ordered[-1], 1),
    }


def run() -> dict[str, float | str]:
    with tempfile.TemporaryDirectory(prefix="bench-waits-") as tmp, load.watch() as machine:
        samples = paint_probe.run_child(Path(__file__).resolve(), Path(tmp), "waits")
    receipt = samples["receipt_painted"]
    figures: dict[str, float | str] = {"receipts": len(receipt)}
    figures.update(spread("submit_to_receipt", receipt))
    figures["verdict_submit_to_receipt_p95"] = machine.verdict(float(figures["submit_to_receipt_p95_ms"]), "<=",
                                                               TARGET_RECEIPT_P95_MS, " ms")
    figures.update(spread("submit_to_receipt_shown", samples["receipt_shown"]))
    figures["submit_to_receipt_cpu_p50_ms"] = round(statistics.median(samples["receipt_cpu"]), 1)
    figures["errors"] = len(samples["error_painted"])
    figures.update(spread("next_to_error", samples["error_painted"]))
    figures["next_to_error_cpu_p50_ms"] = round(statistics.median(samples["error_cpu"]), 1)
    figures["next_to_error_target"] = "none set"
    figures.update(machine.figures())
    return figures


def child(out: Path) -> None:  # noqa: C901 (two measured paths, each with its own checks)
    import random

    from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

    from kiosk.answers.sample import sample_answers
    from kiosk.catalog.models import Procedure
    from kiosk.journey.machine import (
        ChooseMode,
        GiveConsent,
        Mode,
        Reset,
        Screen,
        SelectProcedure,
        StartApplication,
        SubmitStep,
        Touch,
    )
    from kiosk.settings.config import Settings
    from tests.qt_helpers import for_test_window, to_question
    from tests.session_driver import INVALID, SessionDriver, soak_window

    class PaintSeen(QObject):
        """Notes that a widget it filters received a paint event."""

        def __init__(self) -> None:
            super().__init__()
            self.seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
            if event.type() == QEvent.Type.Paint:
                self.seen = True
            return False

    rng = random.Random(7)
    samples: dict[str, list[float]] = {key: [] for key in ("receipt_painted", "receipt_shown", "receipt_cpu",
                                                           "error_painted", "error_cpu")}
    with tempfile.TemporaryDirectory(prefix="bench-waits-data-") as tmp, \
            soak_window(Path(tmp), for_test_window(Settings())) as window:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        driver = SessionDriver(window)  # its pump(): what the running event loop does after a click
        today = window.runtime.clock.now().date()
        wake = QTimer()
        wake.start(20)  # wakes the waiting event loop to check the time limit

        def wait(condition: Callable[[], bool], what: str) -> float:
            """Let the event loop run until `condition`; the time when the call that met it returned."""
            limit = time.perf_counter() + WAIT_LIMIT_S
            while not condition():
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
                if time.perf_counter() > limit:
                    raise RuntimeError(f"waited {WAIT_LIMIT_S:.0f} s for {what}")
            return time.perf_counter()

        def click(name: str) -> None:
            button = window.findChild(QPushButton, name)
            if button is None or not button.isVisible():
                raise RuntimeError(f"no button {name} on {window.journey.screen}")
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)

        def start_over() -> None:
            driver.wait_for(lambda: not window.runner.busy(), "background work")
            window.send(Reset("bench"))
            driver.pump()

        def to_review(proc: Procedure, answers: dict[str, str]) -> bool:
            start_over()
            for event in (Touch(), ChooseMode(Mode.DO), SelectProcedure(proc.code), StartApplication(),
                          GiveConsent()):
                window.send(event)
            for _ in range(64):
                step = window.journey.current_step()
                if window.journey.screen is not Screen.STEP or step is None or window.journey.session.errors:
                    break
                window.send(SubmitStep({f.id: answers.get(f.id, "") for f in step.fields}))
            driver.pump()
            return window.journey.screen is Screen.REVIEW

        procedures = list(window.runtime.catalog.procedures)
        receipt_paint = PaintSeen()
        shown_at: list[float] = []

        def on_screen(screen: str) -> None:
            if screen == Screen.RECEIPT.value:  # before the receipt's first paint: watch for it
                shown_at.append(time.perf_counter())
                view = window.view(Screen.RECEIPT)
                assert view is not None
                view.installEventFilter(receipt_paint)  # once: installing it again only moves it first

        window.screen_changed.connect(on_screen)
        taken = 0
        for _ in range(20 * (RECEIPTS + WARMUP)):
            if taken >= RECEIPTS + WARMUP:
                break
            proc = rng.choice(procedures)
            if not to_review(proc, sample_answers(proc, today, seed=rng.randrange(1 << 30))):
                continue  # a procedure this short path cannot finish (a document to scan): another one
            receipt_paint.seen = False
            shown_at.clear()
            cpu, start = time.process_time(), time.perf_counter()
            click("review.submit")
            painted = wait(lambda: receipt_paint.seen, "the receipt")
            cpu = time.process_time() - cpu
            if window.journey.screen is not Screen.RECEIPT or window.journey.session.stored is None:
                raise RuntimeError(f"Submit on {proc.code} did not end on a receipt of a stored dossier")
            taken += 1
            if taken > WARMUP:
                samples["receipt_painted"].append((painted - start) * 1000)
                samples["receipt_shown"].append((shown_at[0] - start) * 1000)
                samples["receipt_cpu"].append(cpu * 1000)
        if taken < RECEIPTS + WARMUP:
            raise RuntimeError(f"only {taken} dossiers could be submitted")

        candidates = [(proc, step.id, spec) for proc in procedures for step in proc.steps for spec in step.fields
                      if spec.kind in INVALID]
        rng.shuffle(candidates)
        error_paint = PaintSeen()
        taken = 0
        for proc, step_id, spec in candidates:
            if taken >= ERRORS + WARMUP:
                break
            answers = sample_answers(proc, today, seed=rng.randrange(1 << 30))
            start_over()
            try:
                to_question(window, proc, step_id, spec.id, answers)
            except AssertionError:
                continue  # a question shown only for some answers: another one
            driver.pump()
            editors = getattr(window.view(Screen.STEP), "editors", {})
            for field_id, editor in editors.items():
                if field_id in answers:
                    editor.set_value(answers[field_id])
            editors[spec.id].set_value(INVALID[spec.kind])
            driver.pump()
            cpu, start = time.process_time(), time.perf_counter()
            click("step.next")
            error = window.findChild(QLabel, f"error.{spec.id}")
            if not isinstance(error, QWidget) or not error.isVisible():
                raise RuntimeError(f"no error shown for {INVALID[spec.kind]!r} in a {spec.kind.value} field")
            error_paint.seen = False  # painting waits for the event loop: the click has not painted it yet
            error.installEventFilter(error_paint)
            painted = wait(lambda: error_paint.seen, "the error")
            cpu = time.process_time() - cpu
            error.removeEventFilter(error_paint)
            taken += 1
            if taken > WARMUP:
                samples["error_painted"].append((painted - start) * 1000)
                samples["error_cpu"].append(cpu * 1000)
        if taken < ERRORS + WARMUP:
            raise RuntimeError(f"only {taken} wrong answers could be typed")
        wake.stop()
        start_over()
    out.write_text(json.dumps(samples), "utf-8")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]))
    else:
        for key, value in run().items():
            print(f"{key:<40} {value}")
