"""Structures derived from a served twin, built once per twin and shared between requests.

Why here: memoising per campus is the serving layer's job; the library packages
(:mod:`twin.navigation`, :mod:`twin.distribution`, :mod:`twin.spatial`) build from a twin and
never see the campus.
"""

from __future__ import annotations

import gc
import logging
import time

from twin.distribution import Networks, build_networks
from twin.model import Twin
from twin.navigation.build import build_navigation
from twin.navigation.navgraph import NavGraph
from twin.service.campus import Campus
from twin.spatial.index import SpatialIndex, build_index

__all__ = ["freeze_long_lived", "navigation_of", "networks_of", "spatial_index"]

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
    """The twin's distribution networks, built once per twin and shared between requests.

    The heap is frozen after the build (``freeze_long_lived``) so that no request pays for the
    garbage collector rescanning the twin and its graphs.
    """
    return campus.derived(twin, "networks", _build_and_freeze)


def navigation_of(campus: Campus, twin: Twin) -> NavGraph:
    """The twin's navigation graph, built once per twin and shared between requests."""
    return campus.derived(twin, "navigation", build_navigation)


def spatial_index(campus: Campus, twin: Twin) -> SpatialIndex:
    """The twin's spatial index, built on first use and shared afterwards."""
    return campus.derived(twin, "spatial_index", build_index)
