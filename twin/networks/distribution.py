"""Distribution networks: one import for building, tracing, isolating and impact analysis.

The work lives in small modules (``network_build``, ``trace``, ``isolate``); this module is the
flat public face the API and the fault analysis import, plus the campus-memoised builder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twin.networks.isolate import Impact, ImpactedSpace, Isolation, IsolationPoint, impact, isolate
from twin.networks.network_build import Networks, build_networks, is_source
from twin.networks.trace import (
    Suspect,
    Trace,
    TraceStep,
    common_cause,
    common_cause_groups,
    node_of,
    trace,
)

if TYPE_CHECKING:
    from twin.campus import Campus
    from twin.model import Twin

__all__ = [
    "Impact",
    "ImpactedSpace",
    "Isolation",
    "IsolationPoint",
    "Networks",
    "Suspect",
    "Trace",
    "TraceStep",
    "build_networks",
    "common_cause",
    "common_cause_groups",
    "impact",
    "is_source",
    "isolate",
    "networks_of",
    "node_of",
    "trace",
]


def networks_of(campus: Campus, twin: Twin) -> Networks:
    """The twin's networks, built once per twin and shared between requests."""
    return campus.derived(twin, "networks", build_networks)
