"""SLA clocks of work orders: pure functions of a ticket and ``now`` (no database, no wall clock).

Two clocks run from the ticket's creation: *respond* (someone accepts it: the first assignment)
and *arrive* (a technician on site). Defaults follow common hospital estates practice (response
and attendance times for critical-care faults are measured in minutes, planned work in days):

============  =========  =========
priority      respond    on site
============  =========  =========
emergency     30 min     30 min
urgent        15 min     1 h
normal        1 h        2 h
planned       24 h       168 h
============  =========  =========

Override with a mapping ``{"urgent": {"respond_min": 10, "arrive_min": 45}, ...}`` or the same
as JSON text (the API's ``TWIN_SLA`` setting, read once by ``api/settings.py`` and turned into
policies when the app is created; nothing here reads the environment). A clock is *at risk*
when less than ``at_risk_fraction`` (25 %) of its window remains and it is neither met nor
breached.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from twin.errors import InvalidInput
from twin.live.records import Ticket, iso

__all__ = [
    "DEFAULT_SLA",
    "PRIORITIES",
    "SlaPolicy",
    "SlaStatus",
    "load_policies",
    "sla_status",
]


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    respond: timedelta
    arrive: timedelta


DEFAULT_SLA: Mapping[str, SlaPolicy] = {
    "emergency": SlaPolicy(timedelta(minutes=30), timedelta(minutes=30)),
    "urgent": SlaPolicy(timedelta(minutes=15), timedelta(hours=1)),
    "normal": SlaPolicy(timedelta(hours=1), timedelta(hours=2)),
    "planned": SlaPolicy(timedelta(hours=24), timedelta(hours=168)),
}
PRIORITIES: tuple[str, ...] = tuple(DEFAULT_SLA)
AT_RISK_FRACTION = 0.25
_STOPPED = frozenset({"cancelled"})


@dataclass(frozen=True, slots=True)
class SlaStatus:
    priority: str
    respond_due: datetime
    arrive_due: datetime
    respond_remaining_s: float | None  # None once met; negative when overdue
    arrive_remaining_s: float | None
    time_to_respond_s: float | None  # how long it took, once met
    time_to_arrive_s: float | None
    respond_breached: bool
    arrive_breached: bool
    at_risk: bool
    stopped: bool  # cancelled tickets have no running clock

    @property
    def breached(self) -> bool:
        return self.respond_breached or self.arrive_breached

    def as_dict(self) -> dict[str, Any]:
        return {
            "priority": self.priority,
            "respond_due": iso(self.respond_due),
            "arrive_due": iso(self.arrive_due),
            "respond_remaining_s": self.respond_remaining_s,
            "arrive_remaining_s": self.arrive_remaining_s,
            "time_to_respond_s": self.time_to_respond_s,
            "time_to_arrive_s": self.time_to_arrive_s,
            "respond_breached": self.respond_breached,
            "arrive_breached": self.arrive_breached,
            "breached": self.breached,
            "at_risk": self.at_risk,
            "stopped": self.stopped,
        }


def load_policies(*layers: Mapping[str, Any] | str) -> dict[str, SlaPolicy]:
    """Defaults, then each layer in order (minutes: ``respond_min``, ``arrive_min``): a mapping,
    or its JSON text (an empty string is no layer). Raises InvalidInput for text that is not a
    JSON object."""
    policies = dict(DEFAULT_SLA)
    for layer in layers:
        if isinstance(layer, str):
            if not layer.strip():
                continue
            try:
                layer = json.loads(layer)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"TWIN_SLA is not JSON: {exc}") from exc
            if not isinstance(layer, Mapping):
                raise InvalidInput("TWIN_SLA must be a JSON object of priorities")
        for prio, spec in layer.items():
            if isinstance(spec, SlaPolicy):
                policies[prio] = spec
                continue
            base = policies.get(prio, DEFAULT_SLA["normal"])
            policies[prio] = SlaPolicy(
                timedelta(
                    minutes=float(spec.get("respond_min", base.respond.total_seconds() / 60))
                ),
                timedelta(minutes=float(spec.get("arrive_min", base.arrive.total_seconds() / 60))),
            )
    return policies


def _clock(
    start: datetime, window: timedelta, met: datetime | None, now: datetime, frac: float
) -> tuple[datetime, float | None, float | None, bool, bool]:
    due = start + window
    if met is not None:
        return due, None, (met - start).total_seconds(), met > due, False
    remaining = (due - now).total_seconds()
    breached = remaining < 0
    at_risk = not breached and remaining < frac * window.total_seconds()
    return due, remaining, None, breached, at_risk


def sla_status(
    ticket: Ticket,
    now: datetime,
    policies: Mapping[str, SlaPolicy] | None = None,
    at_risk_fraction: float = AT_RISK_FRACTION,
) -> SlaStatus:
    """The ticket's clocks at ``now``. Resolving or closing without an arrival stops the arrive
    clock at the resolution time (the fault was dealt with remotely)."""
    pol = (policies or DEFAULT_SLA).get(ticket.priority)
    if pol is None:
        raise InvalidInput(f"unknown priority {ticket.priority!r}", priority=ticket.priority)
    stopped = ticket.status in _STOPPED
    end = ticket.resolved or ticket.closed
    responded = ticket.responded or (end if end else None)
    arrived = ticket.arrived or (end if end else None)
    r_due, r_rem, r_took, r_br, r_risk = _clock(
        ticket.created, pol.respond, responded, now, at_risk_fraction
    )
    a_due, a_rem, a_took, a_br, a_risk = _clock(
        ticket.created, pol.arrive, arrived, now, at_risk_fraction
    )
    if stopped:
        r_risk = a_risk = False
        r_br = r_br and responded is not None
        a_br = a_br and arrived is not None
    return SlaStatus(
        priority=ticket.priority,
        respond_due=r_due,
        arrive_due=a_due,
        respond_remaining_s=None if stopped else r_rem,
        arrive_remaining_s=None if stopped else a_rem,
        time_to_respond_s=r_took,
        time_to_arrive_s=a_took,
        respond_breached=r_br,
        arrive_breached=a_br,
        at_risk=(r_risk or a_risk) and not (r_br or a_br),
        stopped=stopped,
    )
