"""Demo patrol templates, maintenance plans and inspection certificates (issue 15), so a fresh
``make demo`` shows planned work. Seeds only an empty area, never over real data; rounds and
orders are then generated through the API (``POST /patrol-templates/{id}/rounds``,
``POST /pm-orders/generate``), where the planner and the campus are at hand."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from twin.live.store import LiveStore
from twin.model import Twin

__all__ = ["seed_demo_planned"]

log = logging.getLogger(__name__)

#: (plan name, target field, value, interval, statutory inspection)
DEMO_PLANS = (
    ("Pump service", "ifc_class", "IfcPump", "quarterly", False),
    ("Air handling unit filters", "ifc_class", "IfcUnitaryEquipment", "monthly", False),
    ("Valve exercise", "ifc_class", "IfcValve", "yearly", False),
    ("Lift maintenance", "kind", "lift", "monthly", False),
    ("Lift statutory inspection", "kind", "lift", "yearly", True),
)


def seed_demo_planned(store: LiveStore, twin: Twin) -> None:
    """A night round through the plant rooms and the plans above; one certificate per lift,
    the first one close to expiry so the expiring list is not empty."""
    today = datetime.now(UTC).date()
    if not store.maintenance.plans():
        for name, field, value, interval, inspection in DEMO_PLANS:
            store.maintenance.create_plan(
                name=name, interval=interval, anchor=today + timedelta(days=7), actor="demo",
                lead_days=14, checklist=["visual check", "function test", "log readings"],
                inspection=inspection, **{field: value},  # type: ignore[arg-type]
            )  # fmt: skip
        lifts = sorted(e.guid for e in twin.elements_of_kind("lift"))
        for i, guid in enumerate(lifts):
            store.maintenance.add_certificate(
                element=guid, number=f"LIFT-{today.year - 1}-{i + 1:03d}", issuer="Notified body",
                issued=today - timedelta(days=350 - 30 * i),
                valid_until=today + timedelta(days=15 + 30 * i), actor="demo",
            )  # fmt: skip
    if not store.patrols.templates():
        plant = sorted(
            (s for s in twin.spaces.values() if s.criticality == "plant"),
            key=lambda s: (s.elevation or 0.0, s.number),
        )[:6]
        if plant:
            store.patrols.create_template(
                name="Plant rooms night round", schedule="daily at 22:00", window_minutes=90,
                team=["tech-gn-1", "tech-hv-1"], actor="demo",
                checkpoints=[{"place": s.guid, "label": s.number or s.name, "items": [
                    {"key": "leak", "kind": "yesno", "expect": False, "label": "Any leak?"},
                    {"key": "temperature_c", "kind": "reading", "min": 5, "max": 35},
                ]} for s in plant],
            )  # fmt: skip
    log.info("demo: patrol templates and maintenance plans seeded")
