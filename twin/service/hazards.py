"""The hazard ledger as the service runs it: hazards placed in the served campus, moves checked
against the caller's role, exports per building.

The lifecycle itself (legal moves, owner/deadline/approver rules, audit) is the store's
(:class:`twin.live.hazards.HazardRepository`); where a GlobalId is in the served models and who
may accept a risk are rules of the service, kept here so the router only parses and shapes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from twin.errors import Forbidden
from twin.export.hazards import hazards_csv, hazards_html
from twin.live.hazards import Hazard
from twin.live.store import LiveStore
from twin.live.tickets import place_of
from twin.service.campus import Campus
from twin.service.tickets import twin_holding

__all__ = [
    "APPROVER_ROLES",
    "building_hazards_csv",
    "building_hazards_html",
    "move_hazard",
    "report_hazard",
]

#: Roles that may accept a risk (the approver is the caller).
APPROVER_ROLES = frozenset({"operator", "admin"})


def report_hazard(
    store: LiveStore,
    campus: Campus,
    *,
    location: str,
    category: str,
    risk: str,
    description: str,
    actor: str,
    owner: str | None = None,
    deadline: datetime | None = None,
) -> Hazard:
    """Record a hazard at a room or element GlobalId, placed (room, storey, building) by the
    served twin holding it (404 when models are served and none holds it)."""
    twin = twin_holding(campus, location)
    space = storey = building = None
    if twin is not None:
        is_space = location in twin.spaces
        element, space = (None, location) if is_space else (location, None)
        storey, building = place_of(twin, element, space)
        if element is not None:
            space = twin.element(element).space
    return store.hazards.create(
        location=location, category=category, risk=risk, description=description, actor=actor,
        space=space, storey=storey, building=building, owner=owner, deadline=deadline,
    )  # fmt: skip


def move_hazard(
    store: LiveStore, hazard_id: int, to: str, *, actor: str, role: str, note: str = ""
) -> Hazard:
    """Move a hazard; accepting a risk is for an operator or admin, who is its approver."""
    approver = None
    if to == "accepted_risk":
        if role not in APPROVER_ROLES:
            raise Forbidden("accepting a risk needs an operator or admin key (the approver)")
        approver = actor
    return store.hazards.transition(hazard_id, to, actor, note, approver=approver)


def _of_building(store: LiveStore, campus: Campus, guid: str) -> tuple[str, list[Hazard]]:
    _twin, building = campus.building(guid)
    return building.name or guid, store.hazards.list(building=guid, limit=100_000)


def building_hazards_csv(store: LiveStore, campus: Campus, guid: str) -> str:
    """The building's ledger as CSV (rooms and storeys named from the served twin)."""
    twin, _b = campus.building(guid)
    _name, found = _of_building(store, campus, guid)
    return hazards_csv(found, datetime.now(UTC), twin)


def building_hazards_html(store: LiveStore, campus: Campus, guid: str) -> str:
    """The building's ledger as a printable HTML page."""
    twin, _b = campus.building(guid)
    name, found = _of_building(store, campus, guid)
    return hazards_html(name, found, datetime.now(UTC), twin)
