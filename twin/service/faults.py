"""Campus-wide fault questions: records read from the live store, the model found in the campus.

An operator asks "what do these tickets have in common" with alarm and ticket numbers; the
analyses (:mod:`twin.analysis.faults`) know only GlobalIds of one twin and its networks. Reading
the records from the store and finding the twin that holds them is the serving layer's part.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from twin.analysis.candidates import MediumHint, hint_from_quantity, hint_from_skill
from twin.analysis.faults import common_cause
from twin.distribution.trace import Suspect
from twin.errors import InvalidInput, NotFound, StoreUnavailable
from twin.live.records import Alarm, Ticket
from twin.live.store import LiveStore
from twin.service.campus import Campus
from twin.service.derived import networks_of

__all__ = ["RecordKind", "common_cause_for", "record_hint", "record_target", "sensor_hint"]

RecordKind = Literal["alarm", "ticket"]


def _record(store: LiveStore | None, what: RecordKind, ident: str | int) -> Alarm | Ticket:
    if store is None:
        raise StoreUnavailable(f"the live store is not open: {what}s cannot be resolved")
    text = str(ident).strip()
    if not text.isdigit():
        raise NotFound(f"no {what} {ident!r} (ids are integers)", **{what: text})
    if what == "alarm":
        return store.alarm(int(text))
    return store.tickets.get(int(text))


def _target_of(record: Alarm | Ticket, what: RecordKind, ident: str | int) -> str:
    target = record.element or record.space
    if not target:
        text = str(ident).strip()
        raise InvalidInput(f"{what} {text} names no element or space", **{what: text})
    return str(target)


def record_target(store: LiveStore | None, what: RecordKind, ident: str | int) -> str:
    """The element (else the room) an alarm or ticket names, read from the live store.

    Why here and not in the API: an operator asks "what do these tickets have in common" with
    ticket numbers, and the analyses only know GlobalIds; one resolver serves every caller.
    """
    return _target_of(_record(store, what, ident), what, ident)


def sensor_hint(
    store: LiveStore, sensor: str, rule: str = "alarm sensor quantity"
) -> MediumHint | None:
    """The medium a sensor's quantity measures (oxygen pressure -> gas), if the store knows it."""
    try:
        spec = store.sensor(sensor)
    except NotFound:
        return None
    return hint_from_quantity(spec.quantity, rule)


def record_hint(
    store: LiveStore | None, what: RecordKind, ident: str | int
) -> tuple[str, MediumHint | None]:
    """An alarm's or ticket's target and what the record says about the medium of the fault:
    a ticket's skill (medical_gas -> gas), an alarm's sensor quantity (oxygen_pressure -> gas).
    ``None`` where the record says nothing (skill "general", a quantity of no network)."""
    record = _record(store, what, ident)
    target = _target_of(record, what, ident)
    if isinstance(record, Ticket):
        return target, hint_from_skill(record.skill)
    assert store is not None  # _record raised otherwise
    return target, sensor_hint(store, record.sensor)


def common_cause_for(
    campus: Campus,
    store: LiveStore | None = None,
    *,
    guids: Sequence[str] = (),
    alarms: Sequence[str | int] = (),
    tickets: Sequence[str | int] = (),
    system: str | None = None,
    limit: int = 10,
) -> list[Suspect]:
    """Nearest shared upstream elements of elements, sensors, rooms, alarms and tickets.

    Alarms and tickets resolve through ``store`` to the element (else the room) they name and
    the medium they name (:func:`record_hint`); :func:`twin.analysis.faults.common_cause` does
    the rest on the model holding the first input.
    """
    hinted: list[tuple[str, MediumHint | None]] = [(g, None) for g in guids]
    hinted += [record_hint(store, "alarm", a) for a in alarms]
    hinted += [record_hint(store, "ticket", t) for t in tickets]
    if not hinted:
        raise InvalidInput("give at least one guid, alarm or ticket")
    twin = campus.twin_of(hinted[0][0])
    return common_cause(twin, networks_of(campus, twin), hinted, system=system, limit=limit)
