"""The benches' rule for a busy machine (bench/load.py): figures are kept, verdicts are void."""

from __future__ import annotations

import os

from bench import load


def test_a_busy_moment_voids_every_verdict_but_keeps_the_figure() -> None:
    # 2 CPUs: quiet up to 1 (the bench's own process) + 0.5 x 2 = 2.0; one reading above it is enough
    machine = load.LoadWatch(cpus=2, samples=[(0.6, 0.5, 0.4), (2.6, 1.2, 0.7), (1.1, 1.1, 0.7)])
    assert machine.verdict(1.62, "<=", 1.5, "x") == "VOID (busy machine): 1.62x (target <= 1.5x)"
    assert machine.verdict(1.2, "<=", 1.5, "x") == "VOID (busy machine): 1.2x (target <= 1.5x)"
    figures = machine.figures()
    assert figures["machine"] == "BUSY: verdicts void"
    assert figures["load_1min_peak"] == 2.6
    assert figures["load_average_before"] == "0.60 0.50 0.40"
    assert figures["load_average_after"] == "1.10 1.10 0.70"


def test_on_a_quiet_machine_the_verdict_says_met_or_not_met() -> None:
    machine = load.LoadWatch(cpus=2, samples=[(1.2, 1.0, 0.8), (2.0, 1.4, 0.9)])  # at the limit: still quiet
    assert machine.figures()["machine"] == "quiet"
    assert machine.verdict(1.62, "<=", 1.5, "x") == "NOT MET: 1.62x (target <= 1.5x)"
    assert machine.verdict(24.1, "<=", 150, " ms") == "met: 24.1 ms (target <= 150 ms)"
    assert machine.verdict(2.31, ">=", 2, "x") == "met: 2.31x (target >= 2x)"
    assert machine.verdict(1.27, ">=", 2, "x") == "NOT MET: 1.27x (target >= 2x)"


def test_the_limit_grows_with_the_processors() -> None:
    assert load.threshold(2) == 2.0
    assert load.threshold(8) == 5.0
    assert load.LoadWatch(cpus=8, samples=[(4.5, 4.0, 3.0)]).figures()["machine"] == "quiet"


def test_a_watched_bench_has_the_load_read_before_and_after_it() -> None:
    with load.watch(every_s=3600) as machine:
        assert len(machine.samples) == 1
    assert len(machine.samples) == 2
    assert machine.cpus == os.cpu_count()
    assert all(len(reading) == 3 and min(reading) >= 0 for reading in machine.samples)
