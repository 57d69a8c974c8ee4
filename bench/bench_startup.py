"""Cold start to an interactive attract screen, beside the floor and Chromium in the same run.

Each run starts a new process: the venv's `kiosk run --windowed` (as deploy/kiosk.service starts it) offscreen
with KIOSK_BENCH_EXIT_AFTER_PAINT (ui/shell/first_paint.py prints `painted` once the window's first paint has been
handled, i.e. the attract screen is on screen and the event loop is running, then `ready` once the second half
of start-up — settings models, catalog, outbox, the rest of the window — is attached; a touch in between is
kept and served then), bench/floor.py (a bare PySide6 window with the same probe), and
Chromium headless on the equivalent form page (bench/bench_chromium.py). The three are interleaved run by
run so a change in the machine's load touches them alike; the figure is the median. The kiosk starts on a
data directory that already exists (the first start, which creates the outbox key, is a warm-up run).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench import bench_chromium, paint_probe

RUNS = 15


def run() -> dict[str, float | str]:
    kiosk: list[paint_probe.Sample] = []
    floor: list[paint_probe.Sample] = []
    chromium: list[paint_probe.Sample] = []
    binary = bench_chromium.chromium_binary()
    paint_probe.compile_bytecode()
    figures: dict[str, float | str] = {"runs": RUNS, "load_average_before": paint_probe.machine_load()}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp, bench_chromium.page_server() as server:
        env = paint_probe.qt_env(Path(tmp))
        for n in range(RUNS + 1):  # run 0 is the warm-up of each program
            k = paint_probe.measure(paint_probe.kiosk_command(), env, wait_ready=True)
            f = paint_probe.measure(paint_probe.floor_command(), env)
            c = bench_chromium.measure_once(binary, server) if binary else None
            if n:
                kiosk.append(k)
                floor.append(f)
                if c is not None:
                    chromium.append(c)
    kiosk_s = statistics.median(s.paint_s for s in kiosk)
    floor_s = statistics.median(s.paint_s for s in floor)
    figures.update({
        "kiosk_cold_start_s": round(kiosk_s, 4),
        "kiosk_cold_start_min_s": round(min(s.paint_s for s in kiosk), 4),
        "floor_cold_start_s": round(floor_s, 4),
        "floor_cold_start_min_s": round(min(s.paint_s for s in floor), 4),
        "kiosk_vs_floor_x": round(kiosk_s / floor_s, 2),
        # after the first paint the kiosk loads its settings models, catalog, outbox and the other screens'
        # machinery; a touch in that time is served once it is done
        "kiosk_ready_s": round(statistics.median(s.ready_s for s in kiosk), 4),
        "kiosk_cpu_to_paint_s": round(statistics.median(s.cpu_s for s in kiosk), 3),
        "floor_cpu_to_paint_s": round(statistics.median(s.cpu_s for s in floor), 3),
        "target_vs_floor_x": "<= 1.5",
    })
    if chromium:
        chromium_s = statistics.median(s.paint_s for s in chromium)
        figures.update({
            "chromium_first_paint_s": round(chromium_s, 4),
            "chromium_vs_kiosk_x": round(chromium_s / kiosk_s, 2),
            "chromium_cpu_to_paint_s": round(statistics.median(s.cpu_s for s in chromium), 3),
            "target_chromium_vs_kiosk_x": ">= 2",
        })
    else:
        figures["chromium"] = "absent: row skipped"
    figures["load_average_after"] = paint_probe.machine_load()
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<40} {value}")
