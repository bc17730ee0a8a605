"""Distribution networks: one import for building, tracing, isolating and impact analysis.

The work lives in small modules (``build`` with ``joins``, ``sources`` and ``blocks``,
``trace``, ``isolate``); this package's face is flat, what the API and the analyses import.
The per-campus memoised networks live in the service layer (``twin.service.derived``).
"""

from __future__ import annotations

from twin.distribution.build import Networks, build_networks, is_source
from twin.distribution.isolate import (
    Impact,
    ImpactedSpace,
    Isolation,
    IsolationPoint,
    Suggestion,
    impact,
    isolate,
    isolate_nodes,
)
from twin.distribution.trace import (
    Suspect,
    Trace,
    TraceStep,
    common_cause,
    common_cause_groups,
    node_of,
    trace,
)

__all__ = [
    "Impact",
    "ImpactedSpace",
    "Isolation",
    "IsolationPoint",
    "Networks",
    "Suggestion",
    "Suspect",
    "Trace",
    "TraceStep",
    "build_networks",
    "common_cause",
    "common_cause_groups",
    "impact",
    "is_source",
    "isolate",
    "isolate_nodes",
    "node_of",
    "trace",
]
