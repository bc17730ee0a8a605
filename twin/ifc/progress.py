"""Progress of a long ingest as ``(phase, fraction of the whole ingest in 0..1)``.

Why one callback type: the CLI draws it as a bar on stderr, upload jobs expose it through
``/jobs/{id}``, and both must see the same phases and percentages. The geometry pass is most of
a cold ingest, so it gets most of the range; its fraction comes from the engine's own counter.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["PHASES", "Progress", "phase_start", "report"]

Progress = Callable[[str, float], None]

#: Phase name -> (start, end) of its share of the whole ingest, in order.
PHASES: dict[str, tuple[float, float]] = {
    "open": (0.0, 0.05),
    "semantics": (0.05, 0.1),
    "geometry": (0.1, 0.85),
    "assembly": (0.85, 0.99),
    "done": (1.0, 1.0),
}


def phase_start(phase: str) -> float:
    return PHASES[phase][0]


def report(progress: Progress | None, phase: str, within: float = 0.0) -> None:
    """Tell ``progress`` that ``phase`` is ``within`` (0..1) done; no-op without a callback."""
    if progress is None:
        return
    lo, hi = PHASES[phase]
    progress(phase, lo + (hi - lo) * min(1.0, max(0.0, within)))
