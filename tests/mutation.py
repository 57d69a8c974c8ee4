"""Mutation testing of the core modules with mutmut (`make mutation`; docs/TESTING.md).

    python -m tests.mutation                  # every core module
    python -m tests.mutation journey fees     # some of them
    python -m tests.mutation --report         # only the report of what the last runs found

mutmut's settings are in pyproject.toml ([tool.mutmut]): the modules to mutate and the fast test files that
cover them; for each mutant mutmut runs only the tests that execute the mutated function. The report gives,
per module, the mutants killed, the survivors and the score (killed / (all - equivalent)); mutants listed in
EQUIVALENT (below, with the reason) cannot be told apart from the original by any test.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORE = ("journey", "outbox", "validation", "idcard", "vietqr", "telex", "catalog.search", "fees", "staff_auth",
        "sync")
TARGET = 0.90

# Mutants that behave exactly like the original code: no test can kill them. Name → reason.
EQUIVALENT: dict[str, str] = {}

_NAME = re.compile(r"^\s*(kiosk\.[\w.]+?)\.x[_ǁ].*?:\s*(.+)$")


def _mutmut(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=REPO, env=env, text=True,
                          capture_output=True, check=False)


def run(module: str, children: int) -> None:
    print(f"mutation: kiosk.{module} …", file=sys.stderr, flush=True)
    done = _mutmut("run", "--max-children", str(children), f"kiosk.{module}.*")
    if done.returncode != 0:
        sys.exit(f"mutmut failed on kiosk.{module}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def results() -> dict[str, dict[str, str]]:
    """Module → mutant name → status, for every mutant mutmut has generated."""
    done = _mutmut("results", "--all", "true")
    if done.returncode != 0:
        sys.exit(f"mutmut results failed:\n{done.stderr[-2000:]}")
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for line in done.stdout.splitlines():
        match = _NAME.match(line)
        if match:
            found[match.group(1)][line.split(":")[0].strip()] = match.group(2).strip()
    return found


def report(modules: list[str]) -> int:
    """Print the score table and the survivors; 1 when a module that was run is below the target."""
    found = results()
    below = 0
    print(f"{'module':<24}{'mutants':>8}{'killed':>8}{'survived':>9}{'no tests':>9}{'other':>7}{'equiv.':>7}"
          f"{'score':>8}")
    survivors: list[str] = []
    for module in modules:
        statuses = found.get(f"kiosk.{module}", {})
        checked = {name: status for name, status in statuses.items() if status != "not checked"}
        if not checked:
            print(f"kiosk.{module:<18}{'not run':>8}")
            continue
        counts = Counter(checked.values())
        equivalent = sum(1 for name in checked if name in EQUIVALENT)
        killed = counts["killed"] + counts["caught by type check"] + counts["timeout"]
        live = len(checked) - equivalent
        score = killed / live if live else 1.0
        below += score < TARGET
        other = len(checked) - killed - counts["survived"] - counts["no tests"]
        print(f"kiosk.{module:<18}{len(checked):>8}{killed:>8}{counts['survived']:>9}{counts['no tests']:>9}"
              f"{other:>7}{equivalent:>7}{score:>8.1%}")
        survivors += [f"{name}: {status}" for name, status in sorted(checked.items())
                      if status not in ("killed", "caught by type check", "timeout") and name not in EQUIVALENT]
    if survivors:
        print("\nNot killed (see each with `.venv/bin/mutmut show <name>`):")
        print("\n".join(f"  {line}" for line in survivors))
    return 1 if below else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"core modules (default: all): {', '.join(CORE)}")
    parser.add_argument("--report", action="store_true", help="only report on the last runs")
    parser.add_argument("--children", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    args = parser.parse_args(argv)
    modules = list(args.modules or CORE)
    unknown = sorted(set(modules) - set(CORE))
    if unknown:
        parser.error(f"not a core module: {', '.join(unknown)}")
    if not args.report:
        for module in modules:
            run(module, args.children)
    return report(modules)


if __name__ == "__main__":
    sys.exit(main())
