"""Distribution networks: one import for building, tracing, isolating and impact analysis.

The work lives in small modules (``network_build``, ``trace``, ``isolate``); this module is the
flat public face the API and the fault analysis import, plus the campus-memoised builder.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import TYPE_CHECKING

from twin.networks.isolate import (
    Impact,
    ImpactedSpace,
    Isolation,
    IsolationPoint,
    Suggestion,
    impact,
    isolate,
    isolate_nodes,
)
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
    "Suggestion",
    "Suspect",
    "Trace",
    "TraceStep",
    "build_networks",
    "common_cause",
    "common_cause_groups",
    "freeze_long_lived",
    "impact",
    "is_source",
    "isolate",
    "isolate_nodes",
    "networks_of",
    "node_of",
    "trace",
]


log = logging.getLogger(__name__)


def freeze_long_lived() -> float:
    """Collect once, then move every live object to the permanent generation; seconds taken.

    Why: a served twin and its networks are about a million immutable, GC-tracked objects that
    live as long as the model. Left in the collected generations, each full collection rescans
    all of them, and it lands on whichever request happens to allocate enough (on the large
    hospital a trace downstream paid 0.8 s for a second-generation and 1.7 s for a full
    collection, its p99). ``gc.freeze()`` after one collection takes them out of every later
    collection; what they leave behind when a model is unloaded is only reference cycles.
    """
    t0 = time.perf_counter()
    gc.collect()
    gc.freeze()
    seconds = time.perf_counter() - t0
    log.info("froze %d long-lived objects in %.2f s", gc.get_freeze_count(), seconds)
    return seconds


def _build_and_freeze(twin: Twin) -> Networks:
    nets = build_networks(twin)
    freeze_long_lived()
    return nets


def networks_of(campus: Campus, twin: Twin) -> Networks:
    """The twin's networks, built once per twin and shared between requests.

    The heap is frozen after the build (``freeze_long_lived``) so that no request pays for the
    garbage collector rescanning the twin and its graphs.
    """
    return campus.derived(twin, "networks", _build_and_freeze)
