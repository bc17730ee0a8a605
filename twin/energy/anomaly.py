"""Consumption above the baseline band for a while: the energy anomaly rule (pure).

An hour is *over* when its consumption exceeds the baseline's expectation by more than ``band``
(a fraction: 0.2 is 20 % above expected). A run of at least ``min_hours`` consecutive over hours
(missing hours break a run) is one anomaly, reported with its start, end and the excess energy.
Hours the baseline has no bin for are not judged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from twin.energy.baseline import Baseline

__all__ = ["Anomaly", "anomalies"]


@dataclass(frozen=True, slots=True)
class Anomaly:
    start: float  # first over hour (epoch s)
    end: float  # end of the last over hour
    hours: int
    actual: float
    expected: float


def anomalies(
    baseline: Baseline,
    hourly: Mapping[float, float],
    *,
    band: float = 0.2,
    min_hours: int = 3,
    step: float = 3600.0,
) -> list[Anomaly]:
    """Runs of at least ``min_hours`` consecutive hours above ``expected * (1 + band)``."""
    out: list[Anomaly] = []
    run: list[tuple[float, float, float]] = []

    def close() -> None:
        if len(run) >= min_hours:
            out.append(Anomaly(run[0][0], run[-1][0] + step, len(run),
                               sum(r[1] for r in run), sum(r[2] for r in run)))  # fmt: skip
        run.clear()

    for t in sorted(hourly):
        expected = baseline.predict(t)
        over = expected is not None and hourly[t] > expected * (1 + band)
        if run and (not over or t - run[-1][0] > step):
            close()
        if over and expected is not None:
            run.append((t, hourly[t], expected))
    close()
    return out
