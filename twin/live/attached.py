"""Live records attached to a model's products by GlobalId, across a model revision.

Live state (sensors, alarms, tickets) names elements and rooms by GlobalId and lives in the
store, not in the twin, so a revision that keeps a GlobalId keeps everything attached to it.
What a revision removes can leave records pointing at nothing: :func:`records_at` lists them so
the revision's job result can say which sensors, active alarms and open tickets need a look.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import or_, select

from twin.live.discovery import spec_for_element
from twin.live.store import LiveStore
from twin.live.tables import alarms, sensors
from twin.live.tables_ops import tickets
from twin.live.tickets import OPEN_STATES
from twin.model import Twin

__all__ = ["records_at", "register_served_sensors"]

_CHUNK = 500  # GlobalIds per IN list: well under every backend's bound-parameter limit


def records_at(store: LiveStore, guids: Collection[str]) -> dict[str, list[dict[str, Any]]]:
    """Sensors, active alarms and open tickets whose element, room or host is in ``guids``."""
    out: dict[str, list[dict[str, Any]]] = {"sensors": [], "alarms": [], "tickets": []}
    ids = sorted(guids)
    with store.engine.connect() as conn:
        for i in range(0, len(ids), _CHUNK):
            part = ids[i : i + _CHUNK]
            q = select(sensors.c.id, sensors.c.element, sensors.c.space, sensors.c.host).where(
                or_(
                    sensors.c.element.in_(part), sensors.c.space.in_(part), sensors.c.host.in_(part)
                )
            )
            out["sensors"] += [dict(r._mapping) for r in conn.execute(q)]
            q = select(alarms.c.id, alarms.c.sensor, alarms.c.element, alarms.c.space).where(
                alarms.c.active.is_(True),
                or_(alarms.c.element.in_(part), alarms.c.space.in_(part)),
            )
            out["alarms"] += [dict(r._mapping) for r in conn.execute(q)]
            q = select(tickets.c.id, tickets.c.status, tickets.c.element, tickets.c.space).where(
                tickets.c.status.in_(sorted(OPEN_STATES)),
                or_(tickets.c.element.in_(part), tickets.c.space.in_(part)),
            )
            out["tickets"] += [dict(r._mapping) for r in conn.execute(q)]
    for rows in out.values():
        rows.sort(key=lambda r: str(r["id"]))
    return out


def register_served_sensors(store: LiveStore, served: Twin, model_id: str) -> int:
    """Register (again) the IfcSensors one model brought into a served building twin.

    In a federated building a sensor of the HVAC model is placed in the architecture's rooms
    only by the federation, so its room, storey and criticality come from the served twin."""
    specs = [
        spec_for_element(served, e)
        for e in sorted(served.elements.values(), key=lambda e: e.guid)
        if e.kind == "sensor" and served.model_of(e.guid) in (model_id, None)
    ]
    return store.register_sensors(specs)
