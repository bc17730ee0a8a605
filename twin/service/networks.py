"""Network questions asked of the served campus: which model a GlobalId means, and where a
fault named by any record (element, room, sensor, alarm, ticket) is.

The analyses (:mod:`twin.distribution`, :func:`twin.analysis.faults.localize`) take one twin
and its networks; resolving a record through the live store and the campus to that twin is
the serving layer's part, kept here so the networks router only parses and shapes.
"""

from __future__ import annotations

from typing import Literal

from twin.analysis.faults import Localization, MediumHint, localize
from twin.distribution import Networks
from twin.errors import InvalidInput, NotFound, StoreUnavailable
from twin.live.store import LiveStore
from twin.model import Twin
from twin.service.campus import Campus
from twin.service.derived import networks_of
from twin.service.faults import record_hint, sensor_hint

__all__ = ["LocalizeBy", "localize_record", "model_and_twin", "twin_and_networks"]

#: What a localization request names.
LocalizeBy = Literal["element", "sensor", "alarm", "ticket", "space"]


def twin_and_networks(campus: Campus, guid: str) -> tuple[Twin, Networks]:
    """The served twin holding ``guid`` and its distribution networks (built once per twin)."""
    twin = campus.twin_of(guid)
    return twin, networks_of(campus, twin)


def model_and_twin(campus: Campus, guid: str) -> tuple[str, Twin]:
    """A model id, or a building GlobalId, to ``(model id, twin)``."""
    if guid in campus.models():
        return guid, campus.twin(guid)
    twin = campus.building(guid)[0]
    return campus.model_id(twin), twin


def _served(campus: Campus, guid: str) -> bool:
    try:
        campus.twin_of(guid)
    except NotFound:
        return False
    return True


def localize_record(
    campus: Campus,
    store: LiveStore | None,
    what: LocalizeBy,
    ident: str,
    *,
    medium: str | None = None,
) -> Localization:
    """Localize the fault ``what`` = ``ident`` names.

    Alarms and tickets resolve through the store to their element (else room) and say which
    medium the fault is on (a ticket's skill, an alarm's sensor quantity); a sensor id that is
    no served GlobalId resolves to the element or room it is bound to, its quantity giving the
    medium. ``medium`` counts only where no record says one. Raises :class:`StoreUnavailable`
    when a record needs the store and none is open."""
    target, hint = ident, None
    if what in ("alarm", "ticket"):
        target, hint = record_hint(store, what, ident)
    elif what == "sensor" and not _served(campus, ident):
        if store is None:
            raise StoreUnavailable("the live store is not open: sensors cannot be resolved")
        spec = store.sensor(ident)
        hint = sensor_hint(store, ident, "sensor quantity")
        target = spec.element or spec.space or ""
        if not target:
            raise InvalidInput(f"sensor {ident!r} names no element or space")
    if hint is None and medium is not None:
        hint = MediumHint(frozenset({medium}), "requested medium", f"medium {medium!r}")
    twin, nets = twin_and_networks(campus, target)
    return localize(twin, nets, target, hint=hint)
