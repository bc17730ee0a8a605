"""A staffed demo: technicians on shift, placed in the demo building, so dispatch and the live
views have someone to show on a fresh start. Runs only when the store has no technician yet, so
it never overwrites real data.
"""

from __future__ import annotations

import logging

from twin.live.demo_alarms import seed_demo_alarms
from twin.live.demo_assets import seed_demo_assets
from twin.live.demo_energy import seed_demo_energy
from twin.live.demo_planned import seed_demo_planned
from twin.live.demo_safety import seed_demo_safety
from twin.live.discovery import discover_sensors
from twin.live.records import AlarmRule, SensorSpec
from twin.live.store import LiveStore
from twin.model import Twin

__all__ = ["DEMO_TECHNICIANS", "demo_rules", "seed_demo", "seed_demo_rules"]

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
    """Register the demo crew in corridors/plant rooms of ``twin`` (and the demo's
    auto-ticketing rules, :func:`seed_demo_rules`); returns how many technicians were added."""
    seed_demo_rules(store, twin)
    seed_demo_assets(store, twin)
    seed_demo_safety(store, twin)
    seed_demo_planned(store, twin)
    seed_demo_energy(store)
    seed_demo_alarms(store)
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


def _demo_rule(s: SensorSpec) -> tuple[str, float | None, float, str, str, str] | None:
    """(kind, threshold, hysteresis, severity, ticket priority, label) for one sensor, or None."""
    if s.quantity == "oxygen_pressure":
        return "below", s.lower, 5.0, "critical", "emergency", "oxygen low"
    if s.quantity == "temperature" and s.criticality == "cold_chain":
        return "above", s.upper, 0.5, "critical", "urgent", "cold room warm"
    if s.quantity == "pressure" and s.host is not None:
        return "below", s.lower, 5.0, "major", "urgent", "pump trip"
    return None


def demo_rules(specs: list[SensorSpec]) -> list[AlarmRule]:
    """Auto-ticketing rules for the faults the demo simulator injects (twin.simulator): an
    oxygen pressure below its lower limit (emergency), a cold room above its upper limit and a
    pressure held by a pump below its lower limit (urgent). One rule per sensor, at its limit."""
    out: list[AlarmRule] = []
    for s in specs:
        found = _demo_rule(s)
        if found is None or found[1] is None:
            continue
        kind, threshold, hysteresis, severity, priority, label = found
        out.append(
            AlarmRule(
                0, kind, sensor=s.id, threshold=threshold, hysteresis=hysteresis,
                severity=severity, auto_ticket=True, ticket_priority=priority,
                name=f"{label}: {s.name}"[:200],
            )
        )  # fmt: skip
    return out


def seed_demo_rules(store: LiveStore, twin: Twin) -> int:
    """Add :func:`demo_rules` for ``twin`` when the store has no rule yet; returns how many."""
    if store.rules():
        return 0
    rules = demo_rules(discover_sensors(twin))
    for rule in rules:
        store.add_rule(rule)
    log.info("demo: %d auto-ticketing alarm rules", len(rules))
    return len(rules)
