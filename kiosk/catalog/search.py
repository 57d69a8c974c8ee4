"""Search over procedure names, codes and keywords, insensitive to case and diacritics.

Everything that does not depend on the query is folded and indexed once, when the index is built:
a query then costs a few dictionary look-ups per word plus a pass over the procedures it matched.
"""

from __future__ import annotations

import heapq
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.catalog.models import Procedure

_FOLD = str.maketrans({"đ": "d", "Đ": "d"})
MAX_QUERY = 200

# Scores: a code match beats a name match, which beats words found anywhere.
CODE_PREFIX, CODE_INSIDE = 100.0, 60.0
NAME_EQUAL, NAME_START, NAME_PHRASE = 95.0, 90.0, 80.0
WORDS = 50.0
EXACT_WORD, PREFIX_WORD, EXTRA_WORD = 1.0, 0.8, 0.5


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: 'Đăng ký KẾT HÔN' → 'dang ky ket hon'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = "".join(ch if ch.isalnum() or ch == "." else " " for ch in stripped.casefold())
    return " ".join(cleaned.split())


def _prefix_map(tokens_per_item: Iterable[Iterable[str]]) -> dict[str, set[int]]:
    """Every prefix of every token → the items holding a token that starts with it."""
    result: dict[str, set[int]] = defaultdict(set)
    for index, tokens in enumerate(tokens_per_item):
        for token in set(tokens):
            for end in range(1, len(token) + 1):
                result[token[:end]].add(index)
    return dict(result)


class SearchIndex:
    """Ranks procedures for a query: code, then the phrase in a name, then the query's words.

    Ties go to the shorter name (the closer match), then to the catalog's order.
    """

    def __init__(self, procedures: Sequence[Procedure]) -> None:
        self._count = len(procedures)
        self._names = [(fold(p.name.vi), fold(p.name.en)) for p in procedures]
        self._name_length = [len(vi) for vi, _ in self._names]
        self._codes = [p.code.casefold() for p in procedures]
        name_tokens = [set(vi.split()) | set(en.split()) for vi, en in self._names]
        extra_tokens = [fold(" ".join(p.keywords) + " " + p.summary.vi + " " + p.summary.en).split()
                        for p in procedures]
        self._exact: dict[str, set[int]] = defaultdict(set)
        for index, tokens in enumerate(name_tokens):
            for token in tokens:
                self._exact[token].add(index)
        self._exact = dict(self._exact)
        self._prefix = _prefix_map(name_tokens)
        self._extra = _prefix_map(extra_tokens)

    def search(self, query: str, limit: int = 50) -> list[int]:  # noqa: C901 (the ranking's rules read best together)
        """Indices of the matching procedures, best first (the first `limit` when the query is empty)."""
        q = fold(query[:MAX_QUERY])
        if not q:
            return list(range(min(limit, self._count)))
        terms = q.split()
        empty: set[int] = set()
        in_name = [self._prefix.get(term, empty) for term in terms]
        scores: dict[int, float] = {}
        if any(ch.isdigit() for ch in q):
            for i, code in enumerate(self._codes):
                if code.startswith(q):
                    scores[i] = CODE_PREFIX
                elif q in code:
                    scores[i] = CODE_INSIDE
        # A phrase can only match where every word starts a word of the name.
        padded = " " + q
        smallest = min(in_name, key=len)
        for i in smallest.intersection(*in_name) if smallest else empty:
            best = scores.get(i, 0.0)
            for name in self._names[i]:
                if name == q:
                    best = max(best, NAME_EQUAL)
                elif name.startswith(q):
                    best = max(best, NAME_START)
                elif padded in " " + name:
                    best = max(best, NAME_PHRASE)
            if best:
                scores[i] = best
        if len(scores) < limit:  # word matches rank below every phrase and code match
            self._score_words(terms, in_name, scores)
        ranked = heapq.nsmallest(limit, ((-s, self._name_length[i], i) for i, s in scores.items()))
        return [i for _, _, i in ranked]

    def _score_words(self, terms: list[str], in_name: list[set[int]], scores: dict[int, float]) -> None:
        """Add procedures holding at least half of the words (in the name, or less in keywords and summary)."""
        hits: dict[int, float] = defaultdict(float)
        empty: set[int] = set()
        for term, prefix in zip(terms, in_name, strict=True):
            exact = self._exact.get(term, empty)
            for i in exact:
                hits[i] += EXACT_WORD
            for i in prefix - exact:
                hits[i] += PREFIX_WORD
            for i in self._extra.get(term, empty) - prefix:
                hits[i] += EXTRA_WORD
        needed = len(terms) * 0.5
        for i, value in hits.items():
            if value >= needed and i not in scores:
                scores[i] = WORDS * value / len(terms)
