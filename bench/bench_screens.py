"""Main-thread time per screen change, over many scripted sessions through the real screens.

bench/soak_ui.py --timing, in a subprocess, offscreen, with a window of 1366×768: each transition is timed
from the click (or the idle poll, or the delivery of a stored dossier) to the end of the event processing
it causes — journey.dispatch, the screen's enter(), layout, painting, and the deletion of replaced widgets —
which is the time the resident waits before the next screen can take a touch. The first sessions (which
build each screen once) are a warm-up and not counted. Reported: p50, p95, p99 and the worst wall-clock
time over all transitions and per destination screen (p95), and the main thread's processor time for the
same transitions (time.thread_time), which a busy machine inflates much less than the wall clock.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bench import load, paint_probe
from bench.paint_probe import percentile

SESSIONS = 300
WARMUP = 20
TARGET_P95_MS = 16.0


def run() -> dict[str, float | str]:
    with tempfile.TemporaryDirectory(prefix="bench-screens-") as tmp:
        report_path = Path(tmp) / "soak.json"
        command = [sys.executable, str(paint_probe.HERE / "soak_ui.py"), "--sessions", str(SESSIONS),
                   "--warmup", str(WARMUP), "--timing", "--every", "0", "--json", str(report_path)]
        with load.watch() as machine:
            done = subprocess.run(command, env=paint_probe.qt_env(Path(tmp)), capture_output=True, text=True,
                                  timeout=3600, check=False, cwd=paint_probe.REPO)
        if not report_path.exists():
            raise RuntimeError(f"the soak failed (code {done.returncode}): {done.stderr[-2000:]}")
        report = json.loads(report_path.read_text("utf-8"))
    times = [float(t) for t in report["change_ms"]]
    cpu = sorted(float(t) for t in report["change_cpu_ms"])
    ordered = sorted(times)
    figures: dict[str, float | str] = {
        "sessions": SESSIONS,
        "transitions": len(times),
        "screen_change_p50_ms": round(statistics.median(ordered), 2),
        "screen_change_p95_ms": round(percentile(ordered, 0.95), 2),
        "screen_change_p99_ms": round(percentile(ordered, 0.99), 2),
        "screen_change_max_ms": round(ordered[-1], 2),
        "main_thread_cpu_p50_ms": round(statistics.median(cpu), 2),
        "main_thread_cpu_p95_ms": round(percentile(cpu, 0.95), 2),
        "verdict_screen_change_p95": machine.verdict(round(percentile(ordered, 0.95), 2), "<=", TARGET_P95_MS,
                                                     " ms"),
        "soak_problems": report["problem_count"],
    }
    figures.update(machine.figures())
    by_screen: dict[str, list[float]] = defaultdict(list)
    for screen, ms in zip(report["change_to"], times, strict=True):
        by_screen[screen].append(ms)
    for screen, values in sorted(by_screen.items()):
        figures[f"p95_ms_to_{screen}"] = round(percentile(sorted(values), 0.95), 2)
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<40} {value}")
