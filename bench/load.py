"""How busy the machine was while a bench ran, and verdicts that are void when it was busy.

Every bench runs inside `watch()`, which measures what the *rest* of the machine did meanwhile: the CPU time
all processes used (`/proc/stat`: user, nice, system, irq, softirq and steal time; waiting for the disk is not
work) minus the CPU time of the bench itself and of every program it started and waited for (`os.times()`:
its own and its children's), divided by the wall time and the number of CPUs. The run counts as **quiet**
when that share is at most OTHERS_SHARE (a quarter of the machine: half a CPU on the project's 2-CPU
machine). Otherwise the machine was **busy**: the figures are still reported, but every verdict reads
`VOID (busy machine)` instead of met or not met.

The 1-minute load average is read too (before, every SAMPLE_S seconds, after) and reported, but it does not
decide: the bench's own processes count in it — Chromium starts nine at once, and a cold start's processes
waiting for the disk count as load — so a bench alone on an idle machine could read as busy.
The figures and the rule are written to bench/results.json with each bench's figures.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

OTHERS_SHARE = 0.25  # the share of all CPUs the rest of the machine may use for a run to count as quiet
SAMPLE_S = 5.0
_WORK_FIELDS = (0, 1, 2, 5, 6, 7)  # /proc/stat cpu: user nice system [idle iowait] irq softirq steal

COMPARISONS = {"<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def machine_cpu_s() -> float:
    """CPU seconds all processes of the machine have used since boot (`/proc/stat`), waiting for I/O aside."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = stat.readline().split()[1:]
    return sum(int(fields[i]) for i in _WORK_FIELDS if i < len(fields)) / os.sysconf("SC_CLK_TCK")


_unwaited_s = [0.0]  # CPU seconds of the bench's programs' helpers that it ends but cannot wait for


def count_unwaited(seconds: float) -> None:
    """Count as the bench's own the CPU time of processes its programs started and that it stops without
    waiting for them (Chromium's helpers: when Chromium ends, init reaps them, and their time is lost to
    `os.times()`)."""
    _unwaited_s[0] += max(0.0, seconds)


def own_cpu_s() -> float:
    """CPU seconds this process, the programs it started and waited for, and their helpers have used."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system + _unwaited_s[0]


def verdict(value: float, op: str, target: float, busy: bool, unit: str = "") -> str:
    """`met`, `NOT MET` or, on a busy machine, `VOID`, with the figure that decides it and the target."""
    shown = f"{value:g}{unit} (target {op} {target:g}{unit})"
    if busy:
        return f"VOID (busy machine): {shown}"
    return f"met: {shown}" if COMPARISONS[op](value, target) else f"NOT MET: {shown}"


@dataclass
class LoadWatch:
    """What the rest of the machine used during one bench, and the load averages read meanwhile."""

    cpus: int = field(default_factory=lambda: os.cpu_count() or 1)
    samples: list[tuple[float, float, float]] = field(default_factory=list)
    _start: tuple[float, float, float] = (0.0, 0.0, 0.0)  # wall, machine CPU, own CPU
    _end: tuple[float, float, float] | None = None

    def begin(self) -> None:
        self._start = (time.monotonic(), machine_cpu_s(), own_cpu_s())

    def end(self) -> None:
        self._end = (time.monotonic(), machine_cpu_s(), own_cpu_s())

    def sample(self) -> None:
        self.samples.append(os.getloadavg())

    @property
    def others_share(self) -> float:
        """The share of all CPUs used by other processes than the bench's, from begin() to end() (or now)."""
        end = self._end or (time.monotonic(), machine_cpu_s(), own_cpu_s())
        wall = end[0] - self._start[0]
        if wall <= 0:
            return 0.0
        others = (end[1] - self._start[1]) - (end[2] - self._start[2])
        return max(0.0, others) / (wall * self.cpus)

    @property
    def peak(self) -> float:
        return max((one for one, _, _ in self.samples), default=0.0)

    @property
    def busy(self) -> bool:
        return self.others_share > OTHERS_SHARE

    def verdict(self, value: float, op: str, target: float, unit: str = "") -> str:
        return verdict(value, op, target, self.busy, unit)

    def figures(self) -> dict[str, float | str]:
        def shown(loads: tuple[float, float, float]) -> str:
            return " ".join(f"{x:.2f}" for x in loads)

        return {
            "others_cpu_share": round(self.others_share, 3),
            "others_cpu_share_quiet_limit": OTHERS_SHARE,
            "load_average_before": shown(self.samples[0]) if self.samples else "unknown",
            "load_average_after": shown(self.samples[-1]) if self.samples else "unknown",
            "load_1min_peak": round(self.peak, 2),
            "machine": "quiet" if not self.busy else "BUSY: verdicts void",
        }


@contextmanager
def watch(every_s: float = SAMPLE_S) -> Iterator[LoadWatch]:
    """Measure what the rest of the machine used during the body; read the load average before, every
    `every_s` seconds during, and after it."""
    load = LoadWatch()
    load.begin()
    load.sample()
    done = threading.Event()

    def sampler() -> None:
        while not done.wait(every_s):
            load.sample()

    thread = threading.Thread(target=sampler, name="bench-load", daemon=True)
    thread.start()
    try:
        yield load
    finally:
        done.set()
        thread.join()
        load.sample()
        load.end()
