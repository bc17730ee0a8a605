"""Energy meters of the served models and their consumption, read from the live store.

A meter is a registered sensor measuring a cumulative quantity (:data:`METER_UNITS`: ``energy``
in kWh, Wh, MWh, MJ or GJ, converted to kWh; ``gas_volume`` / ``water_volume`` in m³), whether
it came from an IfcSensor / IfcFlowMeter of a model or from ``POST /sensors``. Its parent meter
(sub-metering) is the nearest meter upstream of its host element in the distribution network
(``parent_from = "network"``); a meter without a host or without ports has no parent
(``parent_from = "none"``), so it is a root in every roll-up. Storey and building are the
sensor's; the system is the first IfcSystem its host is assigned to.

The pure work (register to intervals, roll-ups, baselines) is :mod:`twin.energy`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from twin.distribution import trace
from twin.energy import (
    Anomaly,
    Baseline,
    Comparison,
    Interval,
    MeterInfo,
    RegisterReport,
    Rollup,
    anomalies,
    compare,
    fit,
    intervals,
    rollup,
)
from twin.errors import InvalidInput, NotFound, TwinError
from twin.live.meter_readings import MeterReadingRepository
from twin.live.records import SensorSpec
from twin.live.store import LiveStore
from twin.service.campus import Campus
from twin.service.derived import networks_of

__all__ = [
    "METER_UNITS",
    "Meter",
    "baseline_comparison",
    "export_csv",
    "find_meter",
    "fit_baseline",
    "list_meters",
    "meter_intervals",
    "rollup_energy",
]

#: quantity -> {unit: factor to the quantity's reporting unit (kWh for energy, m3 for volumes)}
METER_UNITS: dict[str, dict[str, float]] = {
    "energy": {"kWh": 1.0, "Wh": 1e-3, "MWh": 1e3, "MJ": 1 / 3.6, "GJ": 1e3 / 3.6},
    "gas_volume": {"m3": 1.0},
    "water_volume": {"m3": 1.0},
    "oil_volume": {"m3": 1.0},
}
REPORT_UNIT = {"energy": "kWh", "gas_volume": "m3", "water_volume": "m3", "oil_volume": "m3"}
STEP_S = 3600.0
MAX_GAP_S = 3 * 3600.0  # a longer gap is left missing, never interpolated


@dataclass(frozen=True, slots=True)
class Meter:
    id: str
    name: str
    quantity: str
    unit: str  # the unit of the register as read
    report_unit: str  # what consumption is given in
    factor: float  # register unit -> report unit
    storey: str | None
    building: str | None
    system: str | None
    host: str | None
    parent: str | None
    parent_from: str  # "network" | "none"


def _is_meter(s: SensorSpec) -> bool:
    return s.quantity in METER_UNITS and s.unit in METER_UNITS[s.quantity]


def _system_of(campus: Campus, host: str | None) -> str | None:
    if not host:
        return None
    try:
        twin = campus.twin_of(host)
    except NotFound:
        return None
    el = twin.elements.get(host)
    if el is None or not el.systems:
        return None
    sys = twin.systems.get(el.systems[0])
    return sys.name if sys is not None else el.systems[0]


def _parent_of(campus: Campus, s: SensorSpec, hosts: dict[str, str]) -> str | None:
    """The meter on the nearest host upstream of ``s``'s host (not its own host)."""
    if not s.host:
        return None
    try:
        twin = campus.twin_of(s.host)
        t = trace(networks_of(campus, twin), s.host, direction="upstream")
    except TwinError:
        return None
    for step in t.steps[1:]:
        other = hosts.get(step.guid)
        if other is not None and step.guid != s.host:
            return other
    return None


def list_meters(campus: Campus, store: LiveStore) -> list[Meter]:
    """Every meter in the store, with its place and parent."""
    specs = [s for s in store.sensors() if _is_meter(s)]
    hosts: dict[str, str] = {}
    for s in sorted(specs, key=lambda s: s.id):
        if s.host:
            hosts.setdefault(s.host, s.id)
    out: list[Meter] = []
    for s in specs:
        parent = _parent_of(campus, s, hosts)
        out.append(
            Meter(
                s.id, s.name, s.quantity, s.unit, REPORT_UNIT[s.quantity],
                METER_UNITS[s.quantity][s.unit], s.storey, s.building,
                _system_of(campus, s.host), s.host, parent,
                "network" if parent else "none",
            )
        )  # fmt: skip
    return sorted(out, key=lambda m: m.id)


def find_meter(campus: Campus, store: LiveStore, meter_id: str) -> Meter:
    for m in list_meters(campus, store):
        if m.id == meter_id:
            return m
    raise NotFound(f"no meter {meter_id!r} (a sensor measuring {sorted(METER_UNITS)})")


#: The longest window one request may ask for (a year and a month), and the instants allowed.
MAX_WINDOW_S = 400 * 86400.0
EARLIEST, LATEST = datetime(1971, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError) as exc:  # unknown name, or a path-like one
        raise InvalidInput(f"unknown time zone {tz!r}") from exc


def _aware(d: datetime) -> datetime:
    """A naive instant is UTC (what the API documents)."""
    return d if d.tzinfo is not None else d.replace(tzinfo=UTC)


def _window(start: datetime, end: datetime) -> tuple[float, float]:
    start, end = _aware(start), _aware(end)
    if not (EARLIEST <= start < end <= LATEST):
        raise InvalidInput(f"need {EARLIEST:%Y} <= start < end <= {LATEST:%Y}")
    if (end - start).total_seconds() > MAX_WINDOW_S:
        raise InvalidInput(f"window longer than {MAX_WINDOW_S / 86400:.0f} days")
    return start.timestamp(), end.timestamp()


def meter_intervals(
    store: LiveStore, meter: Meter, start: datetime, end: datetime
) -> tuple[list[Interval], RegisterReport]:
    """Hourly consumption of ``meter`` in [start, end), in its report unit."""
    t0, t1 = _window(start, end)
    repo = MeterReadingRepository(store.engine)
    regs = repo.register(meter.id, int((t0 - MAX_GAP_S) * 1e6), int((t1 + MAX_GAP_S) * 1e6))
    found, report = intervals(regs, step=STEP_S, max_gap=MAX_GAP_S)
    scaled = [
        Interval(i.start, None if i.value is None else i.value * meter.factor, i.quality)
        for i in found
        if t0 <= i.start < t1
    ]
    return scaled, report


def _hourly(ivs: Iterable[Interval]) -> dict[float, float]:
    return {i.start: i.value for i in ivs if i.value is not None}


def rollup_energy(
    campus: Campus,
    store: LiveStore,
    *,
    by: str,
    period: str,
    start: datetime,
    end: datetime,
    tz: str = "UTC",
    quantity: str = "energy",
) -> Rollup:
    meters = [m for m in list_meters(campus, store) if m.quantity == quantity]
    series = {m.id: _hourly(meter_intervals(store, m, start, end)[0]) for m in meters}
    infos = {m.id: MeterInfo(m.id, m.parent, m.storey, m.system, m.building) for m in meters}
    return rollup(series, infos, by=by, period=period, tz=_zone(tz))


def fit_baseline(
    store: LiveStore, meter: Meter, before: datetime, *, weeks: int = 8, tz: str = "UTC"
) -> Baseline:
    """The bin baseline of ``meter`` fitted on the ``weeks`` weeks before ``before``."""
    t0 = _aware(before).timestamp()
    _zone(tz)
    if not 1 <= weeks <= 52:
        raise InvalidInput("weeks must be 1 .. 52")
    train_start = datetime.fromtimestamp(t0 - weeks * 7 * 86400, UTC)
    train = _hourly(meter_intervals(store, meter, train_start, before)[0])
    if not train:
        raise InvalidInput(f"meter {meter.id!r} has no consumption in the {weeks} weeks before")
    return fit(train, tz=tz)


def baseline_comparison(
    store: LiveStore, meter: Meter, start: datetime, end: datetime, *, weeks: int = 8,
    tz: str = "UTC", band: float = 0.2, min_hours: int = 3,
) -> tuple[Baseline, Comparison, list[Anomaly]]:  # fmt: skip
    """The bin baseline fitted on the ``weeks`` weeks before ``start``, compared with
    [start, end), and the runs of ``min_hours`` hours above it by more than ``band``."""
    _window(start, end)
    base = fit_baseline(store, meter, start, weeks=weeks, tz=tz)
    hourly = _hourly(meter_intervals(store, meter, start, end)[0])
    found = anomalies(base, hourly, band=band, min_hours=min_hours)
    return base, compare(base, hourly), found


def export_csv(store: LiveStore, meters: Iterable[Meter], start: datetime, end: datetime) -> str:
    """``meter,start,consumption,unit,quality`` per hour, ISO 8601 UTC instants."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["meter", "start", "consumption", "unit", "quality"])
    for m in meters:
        for i in meter_intervals(store, m, start, end)[0]:
            at = datetime.fromtimestamp(i.start, UTC).isoformat()
            w.writerow(
                [m.id, at, "" if i.value is None else f"{i.value:.6g}", m.report_unit, i.quality]
            )
    return buf.getvalue()
