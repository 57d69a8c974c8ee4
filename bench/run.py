"""Run every bench/bench_*.py and write bench/results.json plus a readable table."""

from __future__ import annotations

import importlib.util
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script: the benches import `bench.*`
    sys.path.insert(0, str(HERE.parent))

from bench import load  # noqa: E402


def main(argv: list[str]) -> int:
    only = set(argv)
    results: dict[str, object] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "taken_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "benches": {},
    }
    failed = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {name}", flush=True)
        try:
            figures = module.run()
        except Exception as exc:  # a bench that breaks is reported, the others still run
            failed.append(name)
            figures = {"error": f"{type(exc).__name__}: {exc}"}
        results["benches"][name] = figures  # type: ignore[index]
        for key, value in figures.items():
            print(f"   {key:<48} {value}")
    results["quiet_rule"] = (f"a bench's verdicts count only when the processes other than the bench's used at "
                             f"most {load.OTHERS_SHARE:g} of all CPUs while it ran (/proc/stat minus the bench's "
                             f"own and its children's CPU time); otherwise VOID")
    (HERE / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), "utf-8")
    print("\n== verdicts")
    for name, figures in results["benches"].items():  # type: ignore[attr-defined]
        for key, value in figures.items():
            if key.startswith("verdict_"):
                print(f"   {name + ': ' + key.removeprefix('verdict_'):<48} {value}")
    print(f"wrote {HERE / 'results.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
