"""Text search over rooms and elements, answered from indexes built once per twin.

The ranking is the one :meth:`twin.spatial.index.SpatialIndex.search` documents: room number
exact 1.0, GlobalId exact 0.95, room number prefix 0.8, room name substring 0.6, element
name/type substring 0.5; ties by label then GlobalId. A linear scan over 55,000 rows took
several milliseconds per query on the large hospital; here

- exact numbers and GlobalIds are dictionary hits,
- number prefixes are a ``bisect`` range over the sorted distinct numbers,
- substrings are tested against the *distinct* name texts only (a hospital repeats "Segment"
  thousands of times), narrowed by a trigram index when the needle has three or more
  characters, and every distinct text maps to a numpy array of its rows,
- the final order comes from one precomputed rank per row (its place in label, GlobalId
  order), so only the ``limit`` best of each tier are ever sorted.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["SearchRow", "TextIndex"]


@dataclass(frozen=True, slots=True)
class SearchRow:
    """One searchable thing; ``number`` and ``words`` already lower-cased."""

    guid: str
    kind: str  # "space" or the element kind
    number: str
    words: str
    label: str
    storey: str | None
    building: str | None


_EMPTY = np.zeros(0, dtype=np.int64)


def _trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


def _ids(rows: Iterable[int]) -> np.ndarray:
    return np.fromiter(rows, dtype=np.int64)


class TextIndex:
    """Immutable search structures over ``rows`` (see module doc)."""

    def __init__(self, rows: Sequence[SearchRow]) -> None:
        self.rows = list(rows)
        order = sorted(range(len(self.rows)), key=lambda i: (self.rows[i].label, self.rows[i].guid))
        self._rank = np.empty(len(self.rows), dtype=np.int64)
        self._rank[np.asarray(order, dtype=np.int64)] = np.arange(len(self.rows))
        by_number: dict[str, list[int]] = defaultdict(list)
        self._by_guid: dict[str, int] = {}
        texts: dict[tuple[bool, str], list[int]] = defaultdict(list)
        for i, r in enumerate(self.rows):
            if r.number:
                by_number[r.number].append(i)
            self._by_guid.setdefault(r.guid.lower(), i)
            texts[(r.kind == "space", r.words)].append(i)
        self._numbers = sorted(by_number)
        self._number_rows = [_ids(by_number[n]) for n in self._numbers]
        self._number_at = {n: k for k, n in enumerate(self._numbers)}
        self._texts = list(texts)
        self._text_rows = [_ids(texts[t]) for t in self._texts]
        grams: dict[str, list[int]] = defaultdict(list)
        for k, (_, words) in enumerate(self._texts):
            for g in _trigrams(words):
                grams[g].append(k)
        self._grams = {g: frozenset(ks) for g, ks in grams.items()}

    def _exact_number(self, needle: str) -> np.ndarray:
        k = self._number_at.get(needle)
        return self._number_rows[k] if k is not None else _EMPTY

    def _number_prefix(self, needle: str) -> np.ndarray:
        lo = bisect.bisect_left(self._numbers, needle)
        hi = bisect.bisect_left(self._numbers, needle + "\U0010ffff")
        parts = [self._number_rows[k] for k in range(lo, hi) if self._numbers[k] != needle]
        return np.concatenate(parts) if parts else _EMPTY

    def _substring(self, needle: str, space: bool) -> np.ndarray:
        candidates: Iterable[int]
        if len(needle) >= 3:
            sets = [self._grams.get(g, frozenset()) for g in _trigrams(needle)]
            candidates = frozenset.intersection(*sets) if sets else frozenset()
        else:
            candidates = range(len(self._texts))
        parts = [
            self._text_rows[k]
            for k in candidates
            if self._texts[k][0] == space and needle in self._texts[k][1]
        ]
        return np.concatenate(parts) if parts else _EMPTY

    def search(self, text: str, limit: int = 20) -> list[tuple[SearchRow, float]]:
        """The ``limit`` best (row, score) pairs for ``text``, best first."""
        needle = text.strip().lower()
        if not needle or limit <= 0:
            return []
        guid = self._by_guid.get(needle)
        tiers = (
            (1.0, self._exact_number(needle)),
            (0.95, _ids([guid]) if guid is not None else _EMPTY),
            (0.8, self._number_prefix(needle)),
            (0.6, self._substring(needle, True)),
            (0.5, self._substring(needle, False)),
        )
        seen: set[int] = set()
        out: list[tuple[SearchRow, float]] = []
        for score, ids in tiers:
            if len(out) >= limit:
                break
            if len(ids) == 0:
                continue
            ids = np.unique(ids)  # a row sits once per tier; duplicates only across tiers
            need = limit - len(out) + len(seen)  # rows of earlier tiers may reappear here
            ranks = self._rank[ids]
            if len(ids) > need:
                keep = np.argpartition(ranks, need - 1)[:need]
                ids, ranks = ids[keep], ranks[keep]
            for i in ids[np.argsort(ranks, kind="stable")].tolist():
                if i in seen:
                    continue
                seen.add(i)
                out.append((self.rows[i], score))
                if len(out) >= limit:
                    break
        return out
