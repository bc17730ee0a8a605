"""The alarm inbox (issue 15): classify, group by topology, filter, count; and the operator's
writes on alarms (acknowledge, shelve, unshelve, design suppressions), each with its audit entry
in the same transaction.

Why here: the inbox joins the store (alarms, shelves, suppressions) with the campus (which
system an element belongs to, what an upstream element feeds); the rules themselves are pure
functions in :mod:`twin.analysis.alarm_states` and :mod:`twin.analysis.alarm_grouping`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from twin.analysis.alarm_grouping import Reach, group_consequences
from twin.analysis.alarm_health import Health, health
from twin.analysis.alarm_states import INBOX_STATES, PRIORITIES, STATES, counts_by, state_of
from twin.distribution import trace
from twin.errors import InvalidInput, TwinError
from twin.live.db import now_us
from twin.live.records import Alarm
from twin.live.records_alarm_inbox import InboxRow, Shelf, Suppression
from twin.live.store import LiveStore
from twin.service.campus import Campus
from twin.service.derived import networks_of

__all__ = [
    "MAX_SHELVE_MINUTES",
    "InboxItem",
    "InboxResult",
    "acknowledge",
    "day_health",
    "inbox",
    "reach_in_campus",
    "shelve",
    "suppress",
    "unshelve",
    "unsuppress",
    "warm_rows",
]

log = logging.getLogger(__name__)

#: Shelving is temporary by definition (ISA-18.2): at most a week, then the alarm comes back.
MAX_SHELVE_MINUTES = 7 * 24 * 60


@dataclass(frozen=True, slots=True)
class InboxItem:
    alarm: Alarm
    inbox_state: str
    cause: int | None  # the alarm this one is a consequence of (topology grouping)
    consequences: tuple[int, ...]  # alarms grouped under this one
    systems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InboxResult:
    items: list[InboxItem]
    total: int  # items matching the filters before the limit
    by_state: dict[str, int]
    by_storey: dict[str, int]
    by_system: dict[str, int]
    by_priority: dict[str, int]
    grouped: int  # consequences hidden under their causes
    assumptions: tuple[str, ...] = field(default_factory=tuple)


ReachFn = Callable[[str], Reach | None]
SystemsFn = Callable[[str], tuple[str, ...]]


def reach_in_campus(campus: Campus) -> tuple[ReachFn, SystemsFn]:
    """What an element feeds (downstream trace of its distribution network, and the rooms of
    the elements reached) and which systems it belongs to, memoised per served twin."""

    def reach(guid: str) -> Reach | None:
        try:
            twin = campus.twin_of(guid)
        except TwinError:
            return None
        memo: dict[str, Reach | None] = campus.derived(twin, "alarm_reach", lambda _t: {})
        if guid in memo:
            return memo[guid]
        try:
            t = trace(networks_of(campus, twin), guid, direction="downstream")
            elements = frozenset(t.guids) - {guid}
        except TwinError:
            elements = frozenset()
        spaces = frozenset(
            s for e in elements if (s := getattr(twin.elements.get(e), "space", None)) is not None
        )
        own = getattr(twin.elements.get(guid), "space", None)
        got = Reach(elements, spaces - ({own} if own else set())) if elements else None
        memo[guid] = got
        return got

    def systems(guid: str) -> tuple[str, ...]:
        try:
            twin = campus.twin_of(guid)
        except TwinError:
            return ()
        e = twin.elements.get(guid)
        return e.systems if e is not None else ()

    return reach, systems


def warm_rows(store: LiveStore, buildings: Sequence[str]) -> int:
    """Read the inbox rows of every served building (and of the whole campus) once, so the
    first operator query after a process starts finds them cached and only follows the alarm
    events since (a cold read of 10,000 alarms is ~130 ms, a warm one ~25 ms: docs/alarms.md).
    Returns how many rows were read; a failure is logged and left for the first query."""
    n = 0
    try:
        for building in (None, *buildings):
            n += len(store.alarm_inbox.rows(building=building))
    except Exception:  # the store may be unreachable at start; the query will say so
        log.exception("warming the alarm inbox rows failed")
    return n


def _no_reach(_guid: str) -> Reach | None:
    return None


def _no_systems(_guid: str) -> tuple[str, ...]:
    return ()


def inbox(
    store: LiveStore,
    *,
    building: str | None = None,
    storey: str | None = None,
    system: str | None = None,
    priority: str | None = None,
    state: str | None = None,
    consequences: bool = False,
    limit: int = 200,
    reach: ReachFn = _no_reach,
    systems: SystemsFn = _no_systems,
    now: int | None = None,
) -> InboxResult:
    """The inbox: alarms an operator has to look at (``state`` None), or those of one state
    (``state="shelved"`` …, ``"all"``), highest priority first then newest; consequences of an
    alarming upstream element are hidden under it unless ``consequences`` is true."""
    if state is not None and state != "all" and state not in STATES:
        raise InvalidInput(f"state must be one of {(*STATES, 'all')}")
    if priority is not None and priority not in PRIORITIES:
        raise InvalidInput(f"priority must be one of {PRIORITIES}")
    now = now_us() if now is None else now
    history = state in ("normal", "all")
    rows = store.alarm_inbox.rows(building=building, storey=storey, history=history)
    suppressed = store.alarm_inbox.suppressed_targets()
    states = {r.id: state_of(r, now, suppressed) for r in rows}
    live = [r for r in rows if states[r.id] in INBOX_STATES]
    cause_of = group_consequences(live, reach)
    under: dict[int, list[int]] = {}
    for cid, cause in cause_of.items():
        under.setdefault(cause, []).append(cid)
    memo: dict[str, tuple[str, ...]] = {}
    sys_of: dict[int, tuple[str, ...]] = {}
    if systems is not _no_systems:
        for r in rows:
            if r.element is not None:
                if r.element not in memo:
                    memo[r.element] = systems(r.element)
                sys_of[r.id] = memo[r.element]
    by_state = counts_by(states.values())
    chosen: list[InboxRow] = []
    for r in rows:
        st = states[r.id]
        if state is None and st not in INBOX_STATES:
            continue
        if state not in (None, "all") and st != state:
            continue
        if r.id in cause_of and not consequences:
            continue
        if priority is not None and r.severity != priority:
            continue
        if system is not None and system not in sys_of.get(r.id, ()):
            continue
        chosen.append(r)
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    chosen.sort(key=lambda r: (rank.get(r.severity, len(rank)), -r.raised_us, -r.id))
    page = chosen[:limit]
    full = store.alarm_inbox.alarms([r.id for r in page])
    items = [
        InboxItem(
            a,
            states[a.id],
            cause_of.get(a.id),
            tuple(sorted(under.get(a.id, ()))),
            sys_of.get(a.id, ()),
        )
        for a in full
    ]
    return InboxResult(
        items=items,
        total=len(chosen),
        by_state=by_state,
        by_storey=counts_by(r.storey for r in chosen),
        by_system=counts_by(s for r in chosen for s in (sys_of.get(r.id) or (None,))),
        by_priority=counts_by(r.severity for r in chosen),
        grouped=len(cause_of),
    )


# ---- writes, each with its audit entry in one transaction ---------------------------------
def acknowledge(store: LiveStore, alarm_id: int, actor: str) -> Alarm:
    """Active-unacknowledged -> active-acknowledged, cleared-unacknowledged -> normal."""
    with store.transaction() as tx:
        alarm = tx.alarm_inbox.acknowledge(alarm_id, actor)
        tx.audit.record(actor, "alarm.ack", f"alarm:{alarm_id}")
    return alarm


def shelve(store: LiveStore, alarm_id: int, actor: str, reason: str, minutes: int) -> Shelf:
    """Shelve for ``minutes`` (1 … a week) with a reason; back in the inbox when it expires."""
    if not 1 <= minutes <= MAX_SHELVE_MINUTES:
        raise InvalidInput(f"minutes must be between 1 and {MAX_SHELVE_MINUTES}")
    if not reason.strip():
        raise InvalidInput("a shelved alarm needs a reason")
    with store.transaction() as tx:
        shelf = tx.alarm_inbox.shelve(alarm_id, actor, reason, now_us() + minutes * 60_000_000)
        tx.audit.record(
            actor,
            "alarm.shelve",
            f"alarm:{alarm_id}",
            {"reason": reason, "minutes": minutes},
        )
    return shelf


def unshelve(store: LiveStore, alarm_id: int, actor: str) -> Shelf:
    with store.transaction() as tx:
        shelf = tx.alarm_inbox.unshelve(alarm_id)
        tx.audit.record(actor, "alarm.unshelve", f"alarm:{alarm_id}")
    return shelf


def suppress(store: LiveStore, target: str, reason: str, actor: str) -> Suppression:
    """Suppress by design every alarm of a sensor, space or element (e.g. a closed zone)."""
    if not reason.strip():
        raise InvalidInput("a suppression needs a reason")
    with store.transaction() as tx:
        sup = tx.alarm_inbox.suppress(target, reason, actor)
        tx.audit.record(actor, "alarm.suppress", f"alarm_suppression:{sup.id}", {"target": target})
    return sup


def unsuppress(store: LiveStore, suppression_id: int, actor: str) -> Suppression:
    with store.transaction() as tx:
        sup = tx.alarm_inbox.unsuppress(suppression_id)
        tx.audit.record(actor, "alarm.unsuppress", f"alarm_suppression:{suppression_id}")
    return sup


def day_health(
    store: LiveStore, day: date, *, building: str | None = None, operators: int = 1
) -> Health:
    """The EEMUA 191 / ISA-18.2 health report of one UTC day."""
    start = int(datetime.combine(day, time(0), tzinfo=UTC).timestamp() * 1_000_000)
    end = start + 24 * 3600 * 1_000_000
    rows = store.alarm_inbox.rows(building=building, history=True, since_us=start, until_us=end)
    return health(rows, start_us=start, end_us=end, operators=operators)
