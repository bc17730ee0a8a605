"""A staffed demo: technicians on shift, placed in the demo building, so dispatch and the live
views have someone to show on a fresh start. Runs only when the store has no technician yet, so
it never overwrites real data.
"""

from __future__ import annotations

import logging

from twin.live.store import LiveStore
from twin.model import Twin

__all__ = ["DEMO_TECHNICIANS", "seed_demo"]

log = logging.getLogger(__name__)

#: (id, name, skills) of the demo crew: one per trade a hospital estates team covers.
DEMO_TECHNICIANS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("tech-el-1", "Amira Haddad", ("electrical", "general")),
    ("tech-pl-1", "Jonas Weber", ("plumbing", "general")),
    ("tech-hv-1", "Li Wei", ("hvac",)),
    ("tech-mg-1", "Sofia Marques", ("medical_gas", "plumbing")),
    ("tech-lf-1", "Tom Becker", ("lifts", "electrical")),
    ("tech-gn-1", "Eva Novak", ("general",)),
)


def seed_demo(store: LiveStore, twin: Twin) -> int:
    """Register the demo crew in corridors/plant rooms of ``twin``; returns how many were added."""
    if store.technicians.list(available=False):
        return 0
    places = sorted(
        (s for s in twin.spaces.values() if s.criticality == "plant" or "corridor" in s.category),
        key=lambda s: (s.elevation or 0.0, s.number),
    )
    for i, (tid, name, skills) in enumerate(DEMO_TECHNICIANS):
        store.technicians.register(tid, name=name, skills=skills, actor="demo")
        if places:
            space = places[(i * 7) % len(places)]
            store.technicians.set_position(tid, "demo", space=space.guid, twin=twin)
    log.info("demo: %d technicians on shift", len(DEMO_TECHNICIANS))
    return len(DEMO_TECHNICIANS)
