"""Procedure search on a 2,000-procedure catalog: time per query (target: p95 ≤ 2 ms)."""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from kiosk.catalog import Procedure, Text, load_catalog
from kiosk.catalog.search import SearchIndex
from kiosk.files.paths import procedures_dir

SIZE = 2000
ROUNDS = 200
QUERIES = [
    "dang ky ket hon",
    "Đăng ký KẾT HÔN",
    "ket hon",
    "khai sinh",
    "1.004873",
    "chung thuc",
    "ban sao",
]
WORDS_FILE = Path(__file__).resolve().parent.parent / "tests" / "data" / "vietnamese_words.txt"


def _words() -> list[str]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


def synthetic_catalog(size: int = SIZE, seed: int = 7) -> list[Procedure]:
    """`size` procedures: the bundled ones, then variations with other names and codes."""
    bundled = load_catalog(procedures_dir()).procedures
    words = _words()
    rng = random.Random(seed)
    result = list(bundled)
    n = 0
    while len(result) < size:
        base = bundled[n % len(bundled)]
        n += 1
        extra = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        name = Text(vi=f"{base.name.vi} {extra}", en=f"{base.name.en} ({n})")
        code = f"{rng.choice('123')}.{900000 + n:06d}.000.00.00.H{rng.randint(10, 99)}"
        result.append(base.model_copy(update={"name": name, "code": code}))
    return result


def run() -> dict[str, float | str]:
    procedures = synthetic_catalog()
    started = time.perf_counter()
    index = SearchIndex(procedures)
    build_ms = (time.perf_counter() - started) * 1000
    for query in QUERIES:  # warm up
        index.search(query)
    samples: list[float] = []
    for _ in range(ROUNDS):
        for query in QUERIES:
            t0 = time.perf_counter()
            index.search(query)
            samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    return {
        "procedures": float(len(procedures)),
        "queries": float(len(samples)),
        "index_build_ms": round(build_ms, 1),
        "query_p50_ms": round(statistics.median(samples), 3),
        "query_p95_ms": round(p95, 3),
        "query_max_ms": round(samples[-1], 3),
        "target": "p95 <= 2 ms",
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<20} {value}")
