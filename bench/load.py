"""How busy the machine was while a bench ran, and verdicts that are void when it was busy.

Every bench runs inside `watch()`: the 1-minute load average (`os.getloadavg()`) is read before the bench,
every SAMPLE_S seconds while it runs, and after it. The bench itself keeps about one process busy (the kiosk,
the floor or Chromium start one at a time; a soak or a drain is one process, or two taking turns), so the
machine counts as **quiet** when the highest 1-minute load read stays at or below

    OWN_LOAD + OTHERS_PER_CPU × CPUs   (1 + 0.5 × 2 = 2.0 on the project's 2-CPU machine)

that is, when whatever else runs used at most half a CPU per CPU on average. Otherwise the machine was
**busy**: the figures are still reported, but every verdict reads `VOID (busy machine)` instead of met or
not met. The load figures and the rule are written to bench/results.json with each bench's figures.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

OWN_LOAD = 1.0  # the bench's own busy process
OTHERS_PER_CPU = 0.5  # what the rest of the machine may add, per CPU, for a run to count as quiet
SAMPLE_S = 5.0

COMPARISONS = {"<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


def threshold(cpus: int | None = None) -> float:
    """The highest 1-minute load average of a quiet run on a machine with `cpus` CPUs."""
    return OWN_LOAD + OTHERS_PER_CPU * (cpus or os.cpu_count() or 1)


def verdict(value: float, op: str, target: float, busy: bool, unit: str = "") -> str:
    """`met`, `NOT MET` or, on a busy machine, `VOID`, with the figure that decides it and the target."""
    shown = f"{value:g}{unit} (target {op} {target:g}{unit})"
    if busy:
        return f"VOID (busy machine): {shown}"
    return f"met: {shown}" if COMPARISONS[op](value, target) else f"NOT MET: {shown}"


@dataclass
class LoadWatch:
    """The load averages read during one bench."""

    cpus: int = field(default_factory=lambda: os.cpu_count() or 1)
    samples: list[tuple[float, float, float]] = field(default_factory=list)

    def sample(self) -> None:
        self.samples.append(os.getloadavg())

    @property
    def peak(self) -> float:
        return max((one for one, _, _ in self.samples), default=0.0)

    @property
    def limit(self) -> float:
        return threshold(self.cpus)

    @property
    def busy(self) -> bool:
        return self.peak > self.limit

    def verdict(self, value: float, op: str, target: float, unit: str = "") -> str:
        return verdict(value, op, target, self.busy, unit)

    def figures(self) -> dict[str, float | str]:
        def shown(loads: tuple[float, float, float]) -> str:
            return " ".join(f"{x:.2f}" for x in loads)

        return {
            "load_average_before": shown(self.samples[0]) if self.samples else "unknown",
            "load_average_after": shown(self.samples[-1]) if self.samples else "unknown",
            "load_1min_peak": round(self.peak, 2),
            "load_1min_quiet_limit": f"{self.limit:g} ({OWN_LOAD:g} own + {OTHERS_PER_CPU:g} x {self.cpus} CPUs)",
            "machine": "quiet" if not self.busy else "BUSY: verdicts void",
        }


@contextmanager
def watch(every_s: float = SAMPLE_S) -> Iterator[LoadWatch]:
    """Read the load average before, every `every_s` seconds during, and after the body."""
    load = LoadWatch()
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
