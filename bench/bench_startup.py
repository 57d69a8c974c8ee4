"""Start-up: the kiosk until `ready` against the floor's and Chromium's paint of their form, cold and warm.

Each run starts a new process: the venv's `kiosk run --windowed` (as deploy/kiosk.service starts it) offscreen
with `--exit-after-paint MS` (ui/shell/first_paint.py prints `painted` once the attract screen's first paint
has been handled, then `ready` once the second half of start-up — settings models, catalog, outbox, the rest
of the window — is attached: from then on every screen can be used), bench/floor.py (a bare PySide6 window
showing the form: it is usable at its first paint) and Chromium headless on the same form
(bench/bench_chromium.py: its first contentful paint is the whole form). The kiosk's figure is `ready`;
its first paint is reported beside it but decides nothing.

- **Cold**: each program on a directory it has never seen — a new kiosk data directory (the first start
  creates the outbox and its key), a new Chromium `--user-data-dir` — after the page cache of the files
  they read (the venv, Python's library, the kiosk's sources, Chromium, the system's shared libraries and
  fonts) has been dropped with posix_fadvise(DONTNEED) (paint_probe.evict_page_cache; pages that another
  running process has mapped stay cached, so on a shared machine "cold" is "as cold as can be without
  root"). This is the first start of a newly installed kiosk or browser after a reboot.
- **Warm**: each program on the directory it used before (one kiosk data directory, one Chromium profile,
  as a kiosk's browser keeps it), with the page cache as the previous run left it; the first run of each
  is a warm-up and not counted (it also brings back the page cache the cold runs dropped, which come
  first). This is the daily start of an installed kiosk.

The programs are interleaved run by run so a change in the machine's load touches them alike; figures are
medians. Targets (docs/PERFORMANCE.md): `ready` ≤ 1.5× the floor's paint, and Chromium's paint ≥ 2× the
kiosk's `ready`, both cold and both warm; verdicts are void on a busy machine (bench/load.py).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from bench import bench_chromium, load, paint_probe

COLD_RUNS = 7
WARM_RUNS = 11
TARGET_VS_FLOOR = 1.5  # the kiosk's ready ≤ this × the floor's paint
TARGET_VS_CHROMIUM = 2.0  # Chromium's paint ≥ this × the kiosk's ready


class Runs:
    def __init__(self) -> None:
        self.kiosk: list[paint_probe.Sample] = []
        self.floor: list[paint_probe.Sample] = []
        self.chromium: list[paint_probe.Sample] = []


def _median(values: list[float]) -> float:
    return statistics.median(values)


def figures_of(kind: str, runs: Runs, machine: load.LoadWatch) -> dict[str, float | str]:
    ready = _median([s.ready_s for s in runs.kiosk])
    floor = _median([s.paint_s for s in runs.floor])
    out: dict[str, float | str] = {
        f"{kind}_runs": len(runs.kiosk),
        f"{kind}_kiosk_ready_s": round(ready, 4),
        f"{kind}_kiosk_ready_min_s": round(min(s.ready_s for s in runs.kiosk), 4),
        f"{kind}_kiosk_first_paint_s": round(_median([s.paint_s for s in runs.kiosk]), 4),
        f"{kind}_kiosk_cpu_to_ready_s": round(_median([s.ready_cpu_s for s in runs.kiosk]), 3),
        f"{kind}_floor_paint_s": round(floor, 4),
        f"{kind}_floor_paint_min_s": round(min(s.paint_s for s in runs.floor), 4),
        f"{kind}_floor_cpu_to_paint_s": round(_median([s.cpu_s for s in runs.floor]), 3),
        f"{kind}_ready_vs_floor_x": round(ready / floor, 2),
    }
    out[f"verdict_{kind}_ready_vs_floor"] = machine.verdict(round(ready / floor, 2), "<=", TARGET_VS_FLOOR, "x")
    if runs.chromium:
        chromium = _median([s.paint_s for s in runs.chromium])
        out.update({
            f"{kind}_chromium_paint_s": round(chromium, 4),
            f"{kind}_chromium_paint_min_s": round(min(s.paint_s for s in runs.chromium), 4),
            f"{kind}_chromium_cpu_to_paint_s": round(_median([s.cpu_s for s in runs.chromium]), 3),
            f"{kind}_chromium_vs_ready_x": round(chromium / ready, 2),
        })
        out[f"verdict_{kind}_chromium_vs_ready"] = machine.verdict(round(chromium / ready, 2), ">=",
                                                                   TARGET_VS_CHROMIUM, "x")
    else:
        out[f"{kind}_chromium"] = "absent: no verdict"
    return out


def run() -> dict[str, float | str]:
    binary = bench_chromium.chromium_binary()
    paint_probe.compile_bytecode()
    trees = paint_probe.cache_trees()
    cold, warm = Runs(), Runs()
    with load.watch() as machine, tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp, \
            bench_chromium.page_server() as server:
        root = Path(tmp)
        for n in range(COLD_RUNS):  # new directories, page cache dropped before each program
            fresh = root / f"cold-{n}"
            paint_probe.evict_page_cache(trees)
            cold.kiosk.append(paint_probe.measure(paint_probe.kiosk_command(), paint_probe.qt_env(fresh / "kiosk"),
                                                  wait_ready=True))
            paint_probe.evict_page_cache(trees)
            cold.floor.append(paint_probe.measure(paint_probe.floor_command(), paint_probe.qt_env(fresh / "floor")))
            if binary:
                paint_probe.evict_page_cache(trees)
                cold.chromium.append(bench_chromium.measure_once(binary, server, fresh / "chromium"))
        env = paint_probe.qt_env(root / "warm")
        profile = root / "warm" / "chromium"
        for n in range(WARM_RUNS + 1):  # the same directories every time; run 0 is the warm-up
            k = paint_probe.measure(paint_probe.kiosk_command(), env, wait_ready=True)
            f = paint_probe.measure(paint_probe.floor_command(), env)
            c = bench_chromium.measure_once(binary, server, profile) if binary else None
            if n:
                warm.kiosk.append(k)
                warm.floor.append(f)
                if c is not None:
                    warm.chromium.append(c)
    figures: dict[str, float | str] = {
        "cold": "new data directory / profile, page cache of the programs' files dropped (posix_fadvise)",
        "warm": "the same data directory / profile each run, page cache as left",
    }
    figures.update(figures_of("cold", cold, machine))
    figures.update(figures_of("warm", warm, machine))
    figures.update(machine.figures())
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<40} {value}")
