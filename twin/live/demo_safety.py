"""Demo lock-out and hazard records: a planned work order on an ICU medical-oxygen outlet (its
isolation plan then shows the storey valve and the ICU notice) and a few hazards, one overdue.
Runs only on a store with no hazard yet, so it never adds to real data."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from twin.live.store import LiveStore
from twin.model import Twin

__all__ = ["seed_demo_safety"]

log = logging.getLogger(__name__)


def _oxygen_outlet(twin: Twin, criticality: str) -> str | None:
    """An oxygen terminal in a room of ``criticality`` (system names say "oxygen")."""
    oxygen = {g for g, s in twin.systems.items() if "oxygen" in (s.name or "").lower()}
    for e in sorted(twin.elements.values(), key=lambda e: e.guid):
        sp = twin.spaces.get(e.space) if e.space else None
        if (
            e.kind == "terminal"
            and sp
            and sp.criticality == criticality
            and oxygen & set(e.systems)
        ):
            return e.guid
    return None


def seed_demo_safety(store: LiveStore, twin: Twin) -> int:
    """Seed the demo's lock-out order and hazards; returns how many hazards were added."""
    if store.hazards.list(limit=1):
        return 0
    outlet = _oxygen_outlet(twin, "icu")
    if outlet is not None:
        store.tickets.create(
            title="Replace ICU oxygen outlet (lock-out needed)", priority="planned",
            actor="demo", element=outlet, skill="medical_gas", twin=twin,
            description="See the isolation plan: storey valve, ICU notice.",
        )  # fmt: skip
    rooms = sorted(twin.spaces.values(), key=lambda s: s.guid)
    now = datetime.now(UTC)
    picks = (
        ("icu", "gas", "high", "Oxygen outlet hisses at bed head", 7),
        ("plant", "electrical", "critical", "Distribution board door does not close", -2),
        ("normal", "water", "low", "Ceiling stain under the riser", 30),
    )
    added = 0
    for crit, category, risk, text, days in picks:
        room = next((s for s in rooms if s.criticality == crit), None)
        if room is None:
            continue
        h = store.hazards.create(
            location=room.guid, category=category, risk=risk, description=text, actor="demo",
            space=room.guid, storey=room.storey, building=room.building,
        )  # fmt: skip
        store.hazards.update(h.id, actor="demo", owner="tech-gn-1",
                             deadline=now + timedelta(days=days))  # fmt: skip
        added += 1
    log.info("demo: %d hazards, lock-out order on %s", added, outlet)
    return added
