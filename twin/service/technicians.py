"""Technicians placed in the served campus.

The store keeps where a technician is (:class:`twin.live.technicians.TechnicianRepository`);
finding the served twin that resolves a reported room or storey to its storey and building is
the service's part, kept here so the technicians router only parses and shapes.
"""

from __future__ import annotations

from twin.errors import NotFound
from twin.live.records import Technician
from twin.live.store import LiveStore
from twin.model import Twin
from twin.service.campus import Campus

__all__ = ["place_technician", "position_twin"]


def position_twin(campus: Campus, *, space: str | None, storey: str | None) -> Twin | None:
    """The served twin holding the reported room (else storey). An unknown room is NotFound;
    an unknown storey, or no model served, leaves the position unresolved (None)."""
    guid = space or storey
    if guid is None or len(campus) == 0:
        return None
    try:
        return campus.twin_of(guid)
    except NotFound:
        if space:
            raise
        return None


def place_technician(
    store: LiveStore,
    campus: Campus,
    technician_id: str,
    actor: str,
    *,
    space: str | None = None,
    point: tuple[float, float, float] | None = None,
    storey: str | None = None,
) -> Technician:
    """Record where the technician is: a room GlobalId and/or a point (with its storey)."""
    twin = position_twin(campus, space=space, storey=storey)
    return store.technicians.set_position(
        technician_id, actor, space=space, point=point, storey=storey, twin=twin
    )
