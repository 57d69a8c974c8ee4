"""Search over procedure names, codes and keywords, insensitive to case and diacritics."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.catalog.models import Procedure

_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: 'Đăng ký KẾT HÔN' → 'dang ky ket hon'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = "".join(ch if ch.isalnum() or ch == "." else " " for ch in stripped.casefold())
    return " ".join(cleaned.split())


class SearchIndex:
    """Ranks procedures for a query: whole phrase in the name, then all words, then codes and keywords."""

    def __init__(self, procedures: Sequence[Procedure]) -> None:
        self._names = [fold(p.name.vi) + " | " + fold(p.name.en) for p in procedures]
        self._words = [set(n.replace("|", " ").split()) for n in self._names]
        self._codes = [p.code.casefold() for p in procedures]
        self._extra = [fold(" ".join(p.keywords)) + " " + fold(p.summary.vi) for p in procedures]

    def search(self, query: str, limit: int = 50) -> list[int]:
        q = fold(query[:200])
        if not q:
            return list(range(min(limit, len(self._names))))
        terms = q.split()
        scored: list[tuple[float, int]] = []
        for i, name in enumerate(self._names):
            score = 0.0
            if q in self._codes[i]:
                score = 100.0 if self._codes[i].startswith(q) else 60.0
            elif q in name:
                score = 90.0 if name.startswith(q) else 80.0
            else:
                words = self._words[i]
                hits = 0.0
                for term in terms:
                    if term in words:
                        hits += 1.0
                    elif any(w.startswith(term) for w in words):
                        hits += 0.8
                    elif term in self._extra[i]:
                        hits += 0.5
                if hits and hits >= len(terms) * 0.5:
                    score = 50.0 * hits / len(terms)
            if score:
                scored.append((-score, i))
        scored.sort()
        return [i for _, i in scored[:limit]]
