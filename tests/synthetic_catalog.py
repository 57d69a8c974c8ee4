"""A large procedure catalog for search tests and the search bench: the bundled procedures, then variations
with other names and codes."""

from __future__ import annotations

import random
from pathlib import Path

from kiosk.catalog import Procedure, Text, load_catalog
from kiosk.files.paths import procedures_dir

WORDS_FILE = Path(__file__).resolve().parent / "data" / "vietnamese_words.txt"


def _words() -> list[str]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.startswith("#")]


def synthetic_catalog(size: int, seed: int = 7) -> list[Procedure]:
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
