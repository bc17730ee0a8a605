"""Alarms about records, evaluated by the API's periodic timer (:mod:`twin.service.periodic`):
energy anomalies, expiring and expired inspection certificates, overdue hazards.

Each function states which conditions hold *now*; :meth:`LiveStore.sync_condition_alarms`
raises one alarm per meter / certificate / hazard while its condition holds and clears it when
it stops holding (consumption back in the band, certificate renewed, hazard rectified, closed or
its risk accepted). The alarms are ordinary rows of the alarm table, so they reach the inbox,
escalation and notification delivery (docs/alarms.md, "Condition alarms").

Rules (docs/energy.md, docs/maintenance.md, docs/hazards.md):

- ``energy_anomaly`` (one per meter): the meter's last :data:`ENERGY_LOOKBACK_H` hours hold a
  run of at least :data:`ENERGY_MIN_HOURS` hours above its baseline by more than
  :data:`ENERGY_BAND` (:func:`twin.energy.anomalies`, the same rule as
  ``GET /energy/meters/{id}/baseline``) and that run reaches the latest hour judged: the
  anomaly is still going on. The baseline is fitted on the :data:`ENERGY_WEEKS` weeks before
  the previous midnight (UTC), once per meter and day, so the evaluated hours are never in it.
  A meter without history there is not judged.
- ``inspection_expiring`` / ``inspection_expired`` (one per certificate): the latest
  certificate of an element expires within :data:`CERT_EXPIRING_DAYS` days (minor) or has
  expired (major). A certificate that turns from expiring to expired clears the first alarm and
  raises the second (a worse state needs a new acknowledgement); a renewal supersedes the old
  certificate and clears its alarm.
- ``hazard_overdue`` (one per hazard): past its deadline while ``new`` or ``rectifying``
  (:func:`twin.live.hazards.is_overdue`); the severity follows the hazard's risk.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from twin.energy import Baseline, anomalies
from twin.errors import InvalidInput, TwinError
from twin.live.condition_alarms import Condition
from twin.live.hazards import is_overdue
from twin.live.maintenance import expiry_state
from twin.live.store import LiveStore
from twin.live.tickets import place_of
from twin.service import energy
from twin.service.campus import Campus
from twin.service.tickets import twin_holding

__all__ = [
    "CERT_EXPIRING_DAYS",
    "ENERGY_BAND",
    "ENERGY_LOOKBACK_H",
    "ENERGY_MIN_HOURS",
    "ENERGY_WEEKS",
    "HAZARD_SEVERITY",
    "ConditionRun",
    "certificate_conditions",
    "energy_conditions",
    "evaluate",
    "hazard_conditions",
]

log = logging.getLogger(__name__)

ENERGY_BAND = 0.2
ENERGY_MIN_HOURS = 3
ENERGY_LOOKBACK_H = 24
ENERGY_WEEKS = 4
CERT_EXPIRING_DAYS = 30
#: Alarm severity of an overdue hazard by its risk.
HAZARD_SEVERITY: Mapping[str, str] = {
    "low": "minor",
    "medium": "minor",
    "high": "major",
    "critical": "critical",
}


@dataclass(frozen=True, slots=True)
class ConditionRun:
    rule: str
    raised: tuple[int, ...]
    cleared: tuple[int, ...]


@lru_cache(maxsize=512)
def _baseline(store: LiveStore, meter: energy.Meter, before: datetime) -> Baseline | None:
    try:
        return energy.fit_baseline(store, meter, before, weeks=ENERGY_WEEKS)
    except InvalidInput:
        return None


def energy_conditions(campus: Campus, store: LiveStore, now: datetime) -> list[Condition]:
    """Meters whose consumption is in an anomaly that reaches the latest hour judged."""
    end = now.replace(minute=0, second=0, microsecond=0)  # complete hours only
    start = end - timedelta(hours=ENERGY_LOOKBACK_H)
    before = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    out: list[Condition] = []
    for m in energy.list_meters(campus, store):
        base = _baseline(store, m, before)
        if base is None:
            continue
        ivs = energy.meter_intervals(store, m, start, end)[0]
        hourly = {i.start: i.value for i in ivs if i.value is not None}
        judged = [t for t in hourly if base.predict(t) is not None]
        found = anomalies(base, hourly, band=ENERGY_BAND, min_hours=ENERGY_MIN_HOURS)
        if not found or not judged or found[-1].end < max(judged) + energy.STEP_S:
            continue
        a = found[-1]
        out.append(
            Condition(
                m.id, "major",
                f"{m.name or m.id}: {a.hours} h above baseline ({a.actual:.1f} {m.report_unit}"
                f" against {a.expected:.1f} expected, band {ENERGY_BAND:.0%})",
                value=a.actual, threshold=a.expected * (1 + ENERGY_BAND), element=m.host,
                storey=m.storey, building=m.building,
            )
        )  # fmt: skip
    return out


def certificate_conditions(
    campus: Campus, store: LiveStore, today: date
) -> dict[str, list[Condition]]:
    """``inspection_expiring`` and ``inspection_expired`` conditions of the latest certificate
    of each element."""
    soon = today + timedelta(days=CERT_EXPIRING_DAYS)
    out: dict[str, list[Condition]] = {"inspection_expiring": [], "inspection_expired": []}
    for c in store.maintenance.certificates(valid_until_before=soon):
        state = expiry_state(c, today)
        try:
            twin = twin_holding(campus, c.element)
        except TwinError:
            twin = None
        storey, building = place_of(twin, c.element, None) if twin else (None, None)
        verb = "expired on" if state == "expired" else "expires on"
        out[f"inspection_{state}"].append(
            Condition(
                f"certificate:{c.id}", "major" if state == "expired" else "minor",
                f"inspection certificate {c.number} ({c.issuer}) of {c.element} {verb}"
                f" {c.valid_until.isoformat()}",
                element=c.element, storey=storey, building=building,
            )
        )  # fmt: skip
    return out


def hazard_conditions(store: LiveStore, now: datetime) -> list[Condition]:
    """Hazards past their deadline while still ``new`` or ``rectifying``."""
    out: list[Condition] = []
    for h in store.hazards.list(status="new,rectifying", limit=100_000):
        if not is_overdue(h, now) or h.deadline is None:
            continue
        out.append(
            Condition(
                f"hazard:{h.id}", HAZARD_SEVERITY.get(h.risk, "major"),
                f"{h.category} hazard {h.id} ({h.risk}) at {h.location} overdue since"
                f" {h.deadline.isoformat()}",
                space=h.space, storey=h.storey, building=h.building,
            )
        )  # fmt: skip
    return out


def evaluate(campus: Campus, store: LiveStore, now: datetime | None = None) -> list[ConditionRun]:
    """Sync every condition rule with what holds at ``now``; one failing rule is logged and does
    not stop the others."""
    now = datetime.now(UTC) if now is None else now
    t_us = int(now.timestamp() * 1_000_000)
    runs: list[ConditionRun] = []

    def run(rule: str, kind: str, conds: list[Condition]) -> None:
        res = store.sync_condition_alarms(rule, kind, conds, t_us)
        runs.append(ConditionRun(rule, res.raised, res.cleared))

    try:
        run("energy_anomaly", "energy", energy_conditions(campus, store, now))
    except Exception:
        log.exception("energy anomaly alarms failed")
    try:
        for rule, conds in certificate_conditions(campus, store, now.date()).items():
            run(rule, "inspection", conds)
    except Exception:
        log.exception("inspection certificate alarms failed")
    try:
        run("hazard_overdue", "hazard", hazard_conditions(store, now))
    except Exception:
        log.exception("overdue hazard alarms failed")
    return runs
