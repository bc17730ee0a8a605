"""Build a model's shared indexes in the background as soon as it is served.

The first dispatcher of the day should not wait for the navigation graph (about 8 s on the large
demo hospital), nor the first fault lookup for the distribution networks: they are built right
after the model is loaded, off the request path. A request arriving meanwhile waits on the same
per-key lock in :meth:`twin.service.campus.Campus.derived` instead of building a second copy. A
failure here is logged and left for the request that needs the index to report.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from twin.model import Twin
from twin.service.campus import Campus
from twin.service.derived import navigation_of, networks_of, spatial_index

__all__ = ["warm_up", "warm_up_in_background"]

log = logging.getLogger(__name__)


def _builders() -> list[tuple[str, Callable[[Campus, Twin], object]]]:
    def spatial_index_and_search(campus: Campus, twin: Twin) -> object:
        index = spatial_index(campus, twin)
        index.prepare_search()
        return index

    return [
        ("spatial index", spatial_index_and_search),
        ("navigation graph", navigation_of),
        ("distribution networks", networks_of),
    ]


def warm_up(campus: Campus, twin: Twin) -> dict[str, float]:
    """Build every shared index of ``twin``; seconds per index (failed ones are left out)."""
    took: dict[str, float] = {}
    for name, build in _builders():
        t0 = time.perf_counter()
        try:
            build(campus, twin)
        except Exception:  # a broken index must not take the service down; requests report it
            log.exception("warm-up of %s for %s failed", name, twin.source.path)
            continue
        took[name] = time.perf_counter() - t0
    log.info(
        "warm-up of %s: %s",
        twin.source.path,
        ", ".join(f"{n} {s:.1f} s" for n, s in took.items()),
    )
    return took


def warm_up_in_background(campus: Campus, twin: Twin) -> threading.Thread:
    thread = threading.Thread(
        target=warm_up, args=(campus, twin), name=f"warm-up {Campus.model_id(twin)}", daemon=True
    )
    thread.start()
    return thread
