"""Memory: the kiosk idle on its attract screen beside the floor and Chromium, and its growth over 1,000 sessions.

Idle: the same launches as the start-up bench (bench/paint_probe.py), sampled one second after the kiosk's
`ready` (the floor and Chromium: their paint), warm (the kiosk's data directory and Chromium's profile reused
from run to run); RSS and PSS summed over each program's processes, median of RUNS interleaved runs. Both
ratios (to the floor, to Chromium) get a verdict on PSS — shared pages divided among the processes mapping
them, the fair sum for a program of nine processes — and on RSS; void on a busy machine (bench/load.py).
Growth: bench/soak_ui.py in a subprocess drives 50 warm-up sessions (every screen gets built once), then
1,000 scripted sessions through the real screens; every 100 sessions it collects garbage and samples the
resident set twice: as it is, and after glibc's malloc_trim(0) has handed free heap pages back (the live
memory; without the trim the figure wanders by ±10 MB with what the allocator keeps from the last burst).
Growth is the least-squares slope of the live samples; the slope of the untrimmed ones is reported too,
and, to say where a growth is, the slopes of the C heap in use (glibc's mallinfo2: allocations still
held) and of SQLite's share of it (page caches, bounded), with the window's QObject count.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import bench_chromium, load, paint_probe

RUNS = 5
SESSIONS = 1000
WARMUP = 50
TARGET_VS_FLOOR = 1.5  # idle memory ≤ this × the floor's, on PSS and on RSS
TARGET_VS_CHROMIUM = 0.25  # ≤ this × Chromium's (whose profile is reused, as the kiosk's data directory is)
TARGET_GROWTH_MB = 5.0  # per 1,000 sessions


def slope_per_1000(samples: list[tuple[int, int]]) -> float:
    """MB per 1,000 sessions, least squares over (sessions done, RSS KiB)."""
    xs = [float(x) for x, _ in samples]
    ys = [y / 1024 for _, y in samples]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread * 1000


def idle_memory(machine: load.LoadWatch) -> dict[str, float | str]:
    kiosk: list[paint_probe.Sample] = []
    floor: list[paint_probe.Sample] = []
    chromium: list[paint_probe.Sample] = []
    binary = bench_chromium.chromium_binary()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp, bench_chromium.page_server() as server:
        env = paint_probe.qt_env(Path(tmp))
        profile = Path(tmp) / "chromium"  # kept from run to run, as the kiosk's data directory is
        paint_probe.compile_bytecode()
        paint_probe.measure(paint_probe.kiosk_command(), env, wait_ready=True)  # the first start creates the outbox
        if binary:
            bench_chromium.measure_once(binary, server, profile)  # and Chromium's its profile
        for _ in range(RUNS):
            kiosk.append(paint_probe.measure(paint_probe.kiosk_command(), env, wait_ready=True))
            floor.append(paint_probe.measure(paint_probe.floor_command(), env))
            if binary:
                chromium.append(bench_chromium.measure_once(binary, server, profile))
    figures: dict[str, float | str] = {}
    for name, samples in (("kiosk", kiosk), ("floor", floor), ("chromium", chromium)):
        if samples:
            figures[f"{name}_idle_rss_mb"] = round(statistics.median(s.rss_kb for s in samples) / 1024, 1)
            figures[f"{name}_idle_pss_mb"] = round(statistics.median(s.pss_kb for s in samples) / 1024, 1)
            figures[f"{name}_processes"] = statistics.median(s.processes for s in samples)
    for kind in ("pss", "rss"):
        ratio = round(float(figures[f"kiosk_idle_{kind}_mb"]) / float(figures[f"floor_idle_{kind}_mb"]), 2)
        figures[f"kiosk_vs_floor_{kind}_x"] = ratio
        figures[f"verdict_{kind}_vs_floor"] = machine.verdict(ratio, "<=", TARGET_VS_FLOOR, "x")
    if chromium:
        for kind in ("pss", "rss"):
            ratio = round(float(figures[f"kiosk_idle_{kind}_mb"]) / float(figures[f"chromium_idle_{kind}_mb"]), 3)
            figures[f"kiosk_vs_chromium_{kind}_x"] = ratio
            figures[f"verdict_{kind}_vs_chromium"] = machine.verdict(ratio, "<=", TARGET_VS_CHROMIUM, "x")
    else:
        figures["chromium"] = "absent: no verdict"
    return figures


def growth() -> dict[str, float | str]:
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        report_path = Path(tmp) / "soak.json"
        command = [sys.executable, str(paint_probe.HERE / "soak_ui.py"), "--sessions", str(SESSIONS),
                   "--warmup", str(WARMUP), "--every", "100", "--json", str(report_path)]
        done = subprocess.run(command, env=paint_probe.qt_env(Path(tmp)), capture_output=True, text=True,
                              timeout=3600, check=False, cwd=paint_probe.REPO)
        if not report_path.exists():
            raise RuntimeError(f"the soak failed (code {done.returncode}): {done.stderr[-2000:]}")
        report = json.loads(report_path.read_text("utf-8"))
    raw = [(int(n), int(kb)) for n, kb, _ in report["rss_samples_kb"]]
    live = [(int(n), int(kb)) for n, _, kb in report["rss_samples_kb"]]
    heap = [(int(n), int(kb)) for n, kb, _, _ in report["heap_samples"]]
    sqlite = [(int(n), int(kb)) for n, _, kb, _ in report["heap_samples"]]
    qobjects = [int(count) for _, _, _, count in report["heap_samples"]]
    return {
        "sessions": SESSIONS,
        "dossiers_submitted": report["submitted"],
        "rss_after_warmup_mb": round(report["rss_before_kb"] / 1024, 1),
        "rss_after_1000_sessions_mb": round(report["rss_after_kb"] / 1024, 1),
        "live_after_warmup_mb": round(report["live_before_kb"] / 1024, 1),
        "live_after_1000_sessions_mb": round(report["live_after_kb"] / 1024, 1),
        "growth_mb_per_1000_sessions": round(slope_per_1000(live), 2),
        "growth_rss_untrimmed_mb_per_1000": round(slope_per_1000(raw), 2),
        # Where the live growth is: allocations still held (a leak or a filling cache), SQLite's page
        # caches among them (bounded: they level off at cache_size), and widgets or other QObjects piling up.
        "growth_heap_in_use_mb_per_1000": round(slope_per_1000(heap), 2),
        "growth_sqlite_mb_per_1000": round(slope_per_1000(sqlite), 2),
        "sqlite_memory_after_mb": round(sqlite[-1][1] / 1024, 2),
        "window_qobjects_min_max": f"{min(qobjects)}-{max(qobjects)}",
        "soak_problems": report["problem_count"],
    }


def run() -> dict[str, float | str]:
    figures: dict[str, float | str] = {}
    with load.watch() as machine:
        figures.update(idle_memory(machine))
        figures.update(growth())
    figures["verdict_growth"] = machine.verdict(float(figures["growth_mb_per_1000_sessions"]), "<=", TARGET_GROWTH_MB,
                                                " MB")
    figures.update(machine.figures())
    return figures


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<40} {value}")
