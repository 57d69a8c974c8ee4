"""This kiosk beside the kiosk of another revision, in the same run: start-up and idle memory, each against the
floor measured in that run too.

`python bench/baseline.py REVISION` (any git revision: a commit, a tag, `HEAD~20`;
`make bench-baseline REVISION=…`). The revision's `kiosk/`, `ui/`, `config/` and `assets/` are taken out of git
into a temporary directory (`git archive`); both kiosks then start the same way — this venv's Python,
`-m kiosk run --windowed`, offscreen, with the paint diagnostic, each from its own tree on PYTHONPATH — so they
differ only in their code (the revision must run on this venv's packages).
Runs are interleaved (floor, this tree, the revision) so a change in the machine's load touches all three alike:

- **cold**: new data directories, the page cache of every tree they read dropped before each start
  (as in bench_startup.py);
- **warm**: the same data directories every run, the first run a warm-up;
- **idle memory**: PSS (and RSS) one second after `ready`, from the warm runs.

Each kiosk's figure is divided by the floor's of the same run (`ready` ÷ the floor's paint, PSS ÷ the floor's
PSS): that is the ratio docs/PERFORMANCE.md compares, since the floor's own figures move between runs. The
verdict: this tree's ratio is no worse than the revision's (within `TOLERANCE`), void on a busy machine.

Revisions from before the `--exit-after-paint` flag took the same diagnostic from the environment
(KIOSK_BENCH_EXIT_AFTER_PAINT); the bench gives it to them that way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # run as a script: it imports `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load, paint_probe

COLD_RUNS = 7
WARM_RUNS = 11
TOLERANCE = 0.05  # this tree's ratio may be up to 5 % above the revision's: the runs' own spread
IDLE_MS = paint_probe.IDLE_MS * 3


def extract(revision: str, into: Path) -> Path:
    """The revision's kiosk (its `kiosk/`, `ui/`, `config/` and `assets/`) in `into`; ValueError if git cannot
    find the revision."""
    archive = into / "revision.tar"
    done = subprocess.run(["git", "archive", "--format=tar", f"--output={archive}", revision,
                           "kiosk", "ui", "config", "assets"], cwd=paint_probe.REPO, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise ValueError(f"git cannot give revision {revision!r}: {done.stderr.strip()}")
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def launch(tree: Path, home: Path) -> tuple[list[str], dict[str, str]]:
    """The command and environment that start the kiosk of `tree` with the paint diagnostic."""
    env = paint_probe.qt_env(home)
    env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-m", "kiosk", "run", "--windowed"]
    if "--exit-after-paint" in (tree / "kiosk" / "cli.py").read_text("utf-8"):
        command += ["--exit-after-paint", str(IDLE_MS)]
    else:
        env["KIOSK_BENCH_EXIT_AFTER_PAINT"] = str(IDLE_MS)
    return command, env


class Side:
    """One kiosk's samples, and the floor's taken in the same runs."""

    def __init__(self) -> None:
        self.ready: list[float] = []
        self.pss: list[float] = []
        self.rss: list[float] = []


def _ratios(kiosk: list[float], floor: list[float]) -> float:
    return statistics.median(kiosk) / statistics.median(floor)


def run(revision: str) -> dict[str, float | str]:
    trees = {"this": paint_probe.REPO}
    cold = {name: Side() for name in ("this", "revision", "floor")}
    warm = {name: Side() for name in ("this", "revision", "floor")}
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp, load.watch() as machine:
        root = Path(tmp)
        trees["revision"] = extract(revision, root)
        for tree in trees.values():
            paint_probe.compile_bytecode(tree)
        cache = [*paint_probe.cache_trees(), trees["revision"]]

        def once(name: str, home: Path, into: dict[str, Side], evict: bool) -> None:
            if evict:
                paint_probe.evict_page_cache(cache)
            if name == "floor":
                sample = paint_probe.measure(paint_probe.floor_command(IDLE_MS), paint_probe.qt_env(home))
            else:
                command, env = launch(trees[name], home)
                sample = paint_probe.measure(command, env, wait_ready=True, cwd=trees[name])
            into[name].ready.append(sample.ready_s)
            into[name].pss.append(sample.pss_kb / 1024)
            into[name].rss.append(sample.rss_kb / 1024)

        for n in range(COLD_RUNS):
            for name in cold:
                once(name, root / f"cold-{n}-{name}", cold, evict=True)
        for n in range(WARM_RUNS + 1):
            into = warm if n else {name: Side() for name in warm}  # run 0 is the warm-up
            for name in warm:
                once(name, root / f"warm-{name}", into, evict=False)
    figures: dict[str, float | str] = {"revision": revision, "revision_commit": commit_of(revision)}
    for kind, sides, pick in (("cold_ready", cold, "ready"), ("warm_ready", warm, "ready"),
                              ("idle_pss", warm, "pss"), ("idle_rss", warm, "rss")):
        floor = getattr(sides["floor"], pick)
        mine = _ratios(getattr(sides["this"], pick), floor)
        theirs = _ratios(getattr(sides["revision"], pick), floor)
        unit = "_mb" if "idle" in kind else "_s"
        figures.update({
            f"{kind}_this{unit}": round(statistics.median(getattr(sides["this"], pick)), 3),
            f"{kind}_revision{unit}": round(statistics.median(getattr(sides["revision"], pick)), 3),
            f"{kind}_floor{unit}": round(statistics.median(floor), 3),
            f"{kind}_this_vs_floor_x": round(mine, 3),
            f"{kind}_revision_vs_floor_x": round(theirs, 3),
        })
        if kind != "idle_rss":
            figures[f"verdict_{kind}_no_worse"] = machine.verdict(
                round(mine / theirs, 3), "<=", 1 + TOLERANCE, "× the revision's ratio")
    figures.update(machine.figures())
    return figures


def commit_of(revision: str) -> str:
    done = subprocess.run(["git", "rev-parse", "--short", revision], cwd=paint_probe.REPO, capture_output=True,
                          text=True, check=False)
    return done.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the git revision to compare with (a commit, a tag, HEAD~20)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        figures = run(args.revision)
    except ValueError as exc:
        print(f"baseline: {exc}", file=sys.stderr)
        return 2
    for key, value in figures.items():
        print(f"{key:<40} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
