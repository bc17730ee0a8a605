"""Alarm states as ISA-18.2 names them, derived from what the store records.

The store keeps facts (active or not, acknowledged when, shelved until when, which targets are
suppressed by design); the state an operator sees is a pure function of those facts and the
clock, so a shelf that expires needs no sweeper: the next query shows the alarm again.

Precedence (first that applies): ``suppressed`` (by design: the alarm's sensor, space or element
is out of service, e.g. a zone closed by a renovation scenario), ``shelved`` (by an operator,
with a reason, until its expiry), then the alarm's own state: ``active-unacknowledged``,
``active-acknowledged``, ``cleared-unacknowledged`` (returned to normal, nobody acknowledged it)
and ``normal`` (cleared and acknowledged: history, not in the inbox).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from twin.live.records_alarm_inbox import InboxRow

__all__ = [
    "ACTIVE_ACK",
    "ACTIVE_UNACK",
    "CLEARED_UNACK",
    "INBOX_STATES",
    "PRIORITIES",
    "STATES",
    "InboxRow",
    "counts_by",
    "in_inbox",
    "state_of",
]

ACTIVE_UNACK = "active-unacknowledged"
ACTIVE_ACK = "active-acknowledged"
CLEARED_UNACK = "cleared-unacknowledged"
SHELVED = "shelved"
SUPPRESSED = "suppressed"
NORMAL = "normal"

#: Every state, in the order the viewer lists them.
STATES: tuple[str, ...] = (ACTIVE_UNACK, ACTIVE_ACK, CLEARED_UNACK, SHELVED, SUPPRESSED, NORMAL)
#: States an operator has to look at (the inbox proper); shelved, suppressed and normal alarms
#: are recorded and can be asked for by name.
INBOX_STATES: frozenset[str] = frozenset({ACTIVE_UNACK, ACTIVE_ACK, CLEARED_UNACK})
#: Alarm priority is the rule's severity, highest first (ISA-18.2 asks for few levels).
PRIORITIES: tuple[str, ...] = ("critical", "major", "minor", "info")


def state_of(row: InboxRow, now_us: int, suppressed: Collection[str] = ()) -> str:
    """The ISA-18.2 state of ``row`` at ``now_us``; ``suppressed`` holds the sensor ids,
    space and element GlobalIds that are out of service by design."""
    if suppressed and (
        row.sensor in suppressed
        or (row.space is not None and row.space in suppressed)
        or (row.element is not None and row.element in suppressed)
    ):
        return SUPPRESSED
    if row.shelved_until_us is not None and row.shelved_until_us > now_us:
        return SHELVED
    if row.active:
        return ACTIVE_ACK if row.acknowledged_us is not None else ACTIVE_UNACK
    return CLEARED_UNACK if row.acknowledged_us is None else NORMAL


def in_inbox(state: str) -> bool:
    return state in INBOX_STATES


def counts_by(keys: Iterable[str | None]) -> dict[str, int]:
    """Counts per key, ``None`` counted under ``"none"`` (alarms placed nowhere still count)."""
    c = Counter("none" if k is None else k for k in keys)
    return dict(sorted(c.items()))


def systems_of(row: InboxRow, element_systems: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The IfcSystem GlobalIds of the alarm's element (none for a room sensor)."""
    if row.element is None:
        return ()
    return element_systems.get(row.element, ())
