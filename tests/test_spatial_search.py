"""The indexed search and box queries answer exactly what a linear scan answers.

The references are the former linear scans, kept as the specification (the search one lives in
``twin.spatial.index.scan_search``, which the bench also times as its baseline): the indexes must
agree with them hit for hit, order included, on real twins.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.samples.spatial import hand_twin
from twin.model import BBox, Twin
from twin.spatial.index import SearchHit, build_index, scan_rows, scan_search


def _scan_search(twin: Twin, text: str, limit: int = 20) -> list[SearchHit]:
    return scan_search(scan_rows(twin), text, limit)


def _scan_box(twin: Twin, b: BBox, kinds: set[str] | None) -> list[str]:
    return sorted(
        e.guid
        for e in twin.elements.values()
        if e.bbox is not None
        and all(e.bbox[i] <= b[i + 3] and e.bbox[i + 3] >= b[i] for i in range(3))
        and (not kinds or e.kind in kinds)
    )


def _needles(twin: Twin, rnd: random.Random) -> list[str]:
    spaces = list(twin.spaces.values())
    elements = list(twin.elements.values())
    out = ["", "  ", "a", "zz-no-such-thing", "0", "1."]
    for s in rnd.sample(spaces, min(15, len(spaces))):
        out += [s.number, s.number[: max(1, len(s.number) // 2)], s.long_name[1:5], s.guid]
    for e in rnd.sample(elements, min(15, len(elements))):
        out += [e.name[:3], e.name[2:8].upper(), e.guid.lower(), e.type_name[:4]]
    return out


def _check(twin: Twin) -> None:
    rnd = random.Random(3)
    idx = build_index(twin)
    for needle in _needles(twin, rnd):
        for limit in (1, 5, 20, 200):
            assert idx.search(needle, limit=limit) == _scan_search(twin, needle, limit), needle
    pool = list(twin.elements.values())
    boxes = [e.bbox for e in rnd.sample(pool, min(30, len(pool))) if e.bbox is not None]
    for b in boxes:
        grown: Any = (b[0] - 2, b[1] - 2, b[2] - 0.5, b[3] + 2, b[4] + 2, b[5] + 0.5)
        for kinds in (None, {"door"}, {"terminal", "wall"}):
            got = [e.guid for e in idx.elements_in_box(grown, kinds=kinds)]
            assert sorted(got) == _scan_box(twin, grown, kinds)
            assert len(got) == len(set(got))
        assert b is not None and any(e.bbox == b for e in idx.elements_in_box(b))  # touching


def test_hand_twin_matches_scan() -> None:
    _check(hand_twin())


@pytest.mark.slow
def test_small_hospital_matches_scan(small_twin: Twin) -> None:
    _check(small_twin)


@pytest.mark.slow
def test_duplex_matches_scan(shared_twin: Any) -> None:
    _check(shared_twin("Duplex_A_20110907.ifc"))


def test_box_outside_everything_is_empty() -> None:
    idx = build_index(hand_twin())
    assert idx.elements_in_box((1e6, 1e6, 1e6, 1e6 + 1, 1e6 + 1, 1e6 + 1)) == []


def test_prepare_search_builds_the_same_index() -> None:
    twin = hand_twin()
    eager, lazy = build_index(twin), build_index(twin)
    eager.prepare_search()
    for needle in ("0.0", "room", "S1W", "terminal", "x"):
        assert eager.search(needle) == lazy.search(needle) == _scan_search(twin, needle)
