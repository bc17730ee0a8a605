"""The command-centre figures on one screen (issue 16), each with a link to the records behind
it. Aggregates come from the store's indexed queries (:mod:`twin.live.kpis`); SLA clocks are
judged here with the served SLA policies, systems and rooms come from the served models.

Definitions (docs/kpis.md):

- *open tickets*: status new, assigned, en_route or on_site, by priority and status;
- *SLA compliance* over the last 24 h / 7 d / 30 d: of the tickets created in the window whose
  respond (arrive) clock has ended (met, or run out without being met), the share met; a clock
  still running is not counted (``pending``);
- *mean time to acknowledge*: alarms raised in the last 30 d and acknowledged, acknowledged
  minus raised; *mean time to repair*: tickets created in the last 30 d and resolved, resolved
  minus created;
- *active alarms* (raised or acknowledged) by storey and by system (the IfcSystems of the
  alarm's element; an element in none counts under ``""``);
- *critical rooms affected now*: rooms of active alarms whose criticality is not ``normal``;
- *energy today*: consumption of the root meters since midnight (UTC) against their weekday-hour
  baselines of the four weeks before;
- *patrol completion* over the last 7 d: of the patrol rounds starting in the window whose time
  window has closed, the share ``done`` (every checkpoint checked in on time);
- *overdue hazards*: past their deadline while ``new`` or ``rectifying``;
- *inspections expiring / expired*: the latest certificate of each element expiring within
  :data:`twin.service.condition_alarms.CERT_EXPIRING_DAYS` days, or expired.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from twin.energy import Baseline, compare
from twin.errors import InvalidInput, NotFound
from twin.live.hazards import is_overdue
from twin.live.kpis import KpiRepository
from twin.live.maintenance import expiry_state
from twin.live.sla import DEFAULT_SLA, SlaPolicy
from twin.live.store import LiveStore
from twin.live.tickets import OPEN_STATES
from twin.service import energy
from twin.service.campus import Campus
from twin.service.condition_alarms import CERT_EXPIRING_DAYS

__all__ = ["WINDOWS", "Figure", "command_centre", "sla_compliance"]

WINDOWS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


OUTCOMES = ("met", "breached", "pending")
OPEN_LINK = ",".join(sorted(OPEN_STATES))
ACTIVE_LINK = "/alarms?state=active"


@dataclass(frozen=True, slots=True)
class Figure:
    """One number on the wall with what it is and where its records are."""

    key: str
    value: float | None
    href: str
    detail: Mapping[str, Any] = field(default_factory=dict)


def _us(d: datetime) -> int:
    return int(d.timestamp() * 1_000_000)


def _td_us(d: timedelta) -> int:
    return int(d.total_seconds() * 1_000_000)


def sla_compliance(
    repo: KpiRepository, policies: Mapping[str, SlaPolicy], now: datetime
) -> dict[str, dict[str, dict[str, int | float | None]]]:
    """window -> clock -> met / breached / pending counts and ``compliance``, the share met of
    the clocks that ended (None when none ended). A priority without a policy gets normal's."""
    due = {p: (_td_us(x.respond), _td_us(x.arrive)) for p, x in policies.items()}
    base = policies.get("normal", DEFAULT_SLA["normal"])
    windows = {name: _us(now - span) for name, span in WINDOWS.items()}
    counts = repo.sla_counts(_us(now), windows, due, (_td_us(base.respond), _td_us(base.arrive)))
    out: dict[str, dict[str, dict[str, int | float | None]]] = {}
    for name in WINDOWS:
        for clock in ("respond", "arrive"):
            met, breached, pending = (counts[(name, clock, o)] for o in OUTCOMES)
            ended = met + breached
            out.setdefault(name, {})[clock] = {
                "met": met, "breached": breached, "pending": pending,
                "compliance": met / ended if ended else None,
            }  # fmt: skip
    return out


def _systems(campus: Campus, element: str | None) -> list[str]:
    if not element:
        return [""]
    try:
        twin = campus.twin_of(element)
    except NotFound:
        return [""]
    el = twin.elements.get(element)
    names = [twin.systems[s].name for s in (el.systems if el else ()) if s in twin.systems]
    return names or [""]


@lru_cache(maxsize=512)
def _day_baseline(store: LiveStore, meter: energy.Meter, midnight: datetime) -> Baseline | None:
    """The four-week baseline before ``midnight``, fitted once per meter and day (readings
    back-filled into those weeks later that day show from the next day on)."""
    try:
        return energy.fit_baseline(store, meter, midnight, weeks=4)
    except InvalidInput:
        return None


def _today(
    store: LiveStore, m: energy.Meter, midnight: datetime, now: datetime
) -> dict[float, float]:
    found = energy.meter_intervals(store, m, midnight, now)[0]
    return {i.start: i.value for i in found if i.value is not None}


def _energy_today(campus: Campus, store: LiveStore, now: datetime) -> Figure:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    actual = expected = 0.0
    meters: list[str] = []
    for m in energy.list_meters(campus, store):
        if m.parent is not None or m.quantity != "energy" or now <= midnight:
            continue
        base = _day_baseline(store, m, midnight)
        if base is None:  # no history to compare with: the meter is left out
            continue
        c = compare(base, _today(store, m, midnight, now))
        actual, expected = actual + c.actual, expected + c.expected
        meters.append(m.id)
    dev = (actual - expected) / expected if expected else None
    href = f"/energy/rollup?by=meter&period=day&start={midnight.isoformat()}"
    detail = {"actual_kwh": actual, "expected_kwh": expected, "meters": meters}
    return Figure("energy_today_vs_baseline", dev, href, detail)


def _ticket_figures(
    repo: KpiRepository, policies: Mapping[str, SlaPolicy], now: datetime
) -> list[Figure]:
    open_ = repo.open_tickets()
    figs = [
        Figure(f"open_tickets.{p}.{st}", n, f"/tickets?status={st}&priority={p}")
        for (p, st), n in sorted(open_.items())
    ]
    figs.append(Figure("open_tickets", sum(open_.values()), f"/tickets?status={OPEN_LINK}"))
    since30 = _us(now - WINDOWS["30d"])
    for name, clocks in sla_compliance(repo, policies, now).items():
        for clock, d in clocks.items():
            figs.append(Figure(f"sla.{clock}.{name}", d["compliance"], "/tickets?at_risk=true", d))
    ack, n_ack = repo.mean_ack_us(since30)
    mtta = None if ack is None else ack / 1e6
    figs.append(Figure("mtta_s.30d", mtta, "/alarms?state=acknowledged", {"alarms": n_ack}))
    rep, n_rep = repo.mean_repair_us(since30)
    mttr = None if rep is None else rep / 1e6
    detail = {"tickets": n_rep}
    figs.append(Figure("mttr_s.30d", mttr, "/tickets?status=resolved,closed", detail))
    return figs


def _alarm_figures(campus: Campus, repo: KpiRepository) -> list[Figure]:
    active = repo.active_alarms()
    figs: list[Figure] = []
    for storey, n in sorted(Counter(a.storey or "" for a in active).items()):
        figs.append(Figure(f"active_alarms.storey.{storey}", n, f"{ACTIVE_LINK}&storey={storey}"))
    by_system = Counter(s for a in active for s in _systems(campus, a.element))
    for system, n in sorted(by_system.items()):
        figs.append(Figure(f"active_alarms.system.{system}", n, ACTIVE_LINK))
    figs.append(Figure("active_alarms", len(active), ACTIVE_LINK))
    rooms = sorted(
        {(a.space, a.criticality) for a in active if a.space and a.criticality != "normal"}
    )
    listed = [{"space": s, "criticality": c, "href": f"/spaces/{s}"} for s, c in rooms]
    figs.append(Figure("critical_rooms_affected", len(rooms), ACTIVE_LINK, {"rooms": listed}))
    return figs


def _safety_figures(store: LiveStore, now: datetime) -> list[Figure]:
    """Patrol completion (7 d), overdue hazards, expiring and expired inspections, each with
    the links of its records."""
    start = now - WINDOWS["7d"]
    closed = [
        (r, store.patrols.report(r, now=now))
        for r in store.patrols.rounds(start=start, end=now, limit=1_000_000)
        if r.due_end <= now
    ]
    done = sum(rep.status == "done" for _, rep in closed)
    rounds = [{"id": r.id, "status": rep.status, "href": f"/patrols/{r.id}/check-ins"}
              for r, rep in closed]  # fmt: skip
    span = f"/patrols?start={start.isoformat()}&end={now.isoformat()}"
    figs = [
        Figure("patrol_completion.7d", done / len(closed) if closed else None, span,
               {"done": done, "closed": len(closed), "rounds": rounds}),
    ]  # fmt: skip
    late = [h for h in store.hazards.list(status="new,rectifying", limit=1_000_000)
            if is_overdue(h, now)]  # fmt: skip
    listed = [
        {"id": h.id, "risk": h.risk, "deadline": h.deadline.isoformat() if h.deadline else None,
         "href": f"/hazards/{h.id}"}
        for h in sorted(late, key=lambda h: h.id)
    ]  # fmt: skip
    figs.append(Figure("hazards_overdue", len(late), "/hazards?overdue=true", {"hazards": listed}))
    today = now.date()
    soon = today + timedelta(days=CERT_EXPIRING_DAYS)
    by_state: dict[str, list[dict[str, Any]]] = {"expiring": [], "expired": []}
    for c in store.maintenance.certificates(valid_until_before=soon):
        by_state[expiry_state(c, today)].append(
            {"id": c.id, "element": c.element, "number": c.number,
             "valid_until": c.valid_until.isoformat(), "href": f"/certificates?element={c.element}"}
        )  # fmt: skip
    href = f"/certificates?expiring_within_days={CERT_EXPIRING_DAYS}"
    for state, certs in by_state.items():
        figs.append(Figure(f"inspections_{state}", len(certs), href, {"certificates": certs}))
    return figs


def command_centre(
    campus: Campus,
    store: LiveStore,
    policies: Mapping[str, SlaPolicy],
    now: datetime | None = None,
    *,
    with_energy: bool = True,
) -> list[Figure]:
    """Every figure of the wall display at ``now``."""
    now = now or datetime.now(UTC)
    repo = KpiRepository(store.engine)
    figs = _ticket_figures(repo, policies, now) + _alarm_figures(campus, repo)
    figs += _safety_figures(store, now)
    if with_energy:
        figs.append(_energy_today(campus, store, now))
    return figs
