"""Timing helpers the benchmark scripts share (imported as ``_timing``: scripts run from bench/)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["percentile", "times_ms"]


def times_ms(fn: Callable[[Any], object], items: Iterable[Any]) -> list[float]:
    """Wall time in milliseconds of ``fn(item)`` for each item, in order."""
    out = []
    for it in items:
        t0 = time.perf_counter()
        fn(it)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of a non-empty list."""
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]
