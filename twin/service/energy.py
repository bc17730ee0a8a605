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
import math
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
    Replacement,
    Rollup,
    TemperatureBaseline,
    anomalies,
    compare,
    cv_rmse,
    fit,
    fit_temperature,
    intervals,
    nmbe,
    rollup,
)
from twin.errors import InvalidInput, NotFound, TwinError
from twin.live.meter_readings import MeterReadingRepository
from twin.live.records import SensorSpec
from twin.live.store import LiveStore
from twin.model import Space, Twin
from twin.service.campus import Campus
from twin.service.derived import networks_of

__all__ = [
    "METER_UNITS",
    "Meter",
    "MeterEnpi",
    "TemperatureComparison",
    "UseEnpi",
    "baseline_comparison",
    "enpi",
    "export_csv",
    "find_meter",
    "fit_baseline",
    "list_meters",
    "meter_intervals",
    "outdoor_sensor",
    "rollup_energy",
    "room_area",
    "temperature_baseline",
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
    carrier: str = "electricity"  # what carbon and cost factors apply (CARRIERS)
    served: tuple[str, ...] = ()  # room GlobalIds the meter serves
    served_from: str = "none"  # "network" (downstream trace) | "space" (assumed) | "none"
    area_m2: float | None = None  # floor area of the served rooms


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


def room_area(space: Space) -> float | None:
    """A room's floor area in m²: the model's NetFloorArea where declared, else its footprint."""
    if space.declared_area is not None and space.declared_area > 0:
        return space.declared_area
    return space.footprint.area if space.footprint is not None else None


def _served(campus: Campus, s: SensorSpec) -> tuple[tuple[str, ...], str, Twin | None]:
    """Rooms a meter serves: those of the elements downstream of its host in the distribution
    network (``network``); else the meter's own room, assumed (``space``); else none."""
    twin = None
    for guid in (s.host, s.space, s.element):
        if guid:
            try:
                twin = campus.twin_of(guid)
                break
            except TwinError:
                continue
    if twin is not None and s.host:
        memo: dict[str, tuple[str, ...]] = campus.derived(twin, "meter_rooms", lambda _t: {})
        if s.host not in memo:
            try:
                t = trace(networks_of(campus, twin), s.host, direction="downstream")
                found = {sp for g in t.guids[1:] if (el := twin.elements.get(g)) is not None
                         and (sp := el.space) is not None}  # fmt: skip
            except TwinError:
                found = set()
            memo[s.host] = tuple(sorted(found))  # memoised per twin: the networks are fixed
        if memo[s.host]:
            return memo[s.host], "network", twin
    if twin is not None and s.space and s.space in twin.spaces:
        return (s.space,), "space", twin
    return (), "none", twin


def _carrier(quantity: str, system: str | None) -> str:
    """The energy carrier of a meter: volumes by their quantity; energy is heat or cooling when
    its system says so (by name), else electricity."""
    if quantity != "energy":
        return {"gas_volume": "gas", "water_volume": "water", "oil_volume": "oil"}[quantity]
    name = (system or "").lower()
    if "cool" in name or "chill" in name:
        return "cooling"
    if "heat" in name or "hot water" in name:
        return "heat"
    return "electricity"


def list_meters(campus: Campus, store: LiveStore) -> list[Meter]:
    """Every meter in the store, with its place, parent, carrier and the rooms it serves."""
    specs = [s for s in store.sensors() if _is_meter(s)]
    hosts: dict[str, str] = {}
    for s in sorted(specs, key=lambda s: s.id):
        if s.host:
            hosts.setdefault(s.host, s.id)
    out: list[Meter] = []
    for s in specs:
        parent = _parent_of(campus, s, hosts)
        system = _system_of(campus, s.host)
        rooms, served_from, twin = _served(campus, s)
        areas = [a for r in rooms if twin is not None and (a := room_area(twin.spaces[r]))]
        out.append(
            Meter(
                s.id, s.name, s.quantity, s.unit, REPORT_UNIT[s.quantity],
                METER_UNITS[s.quantity][s.unit], s.storey, s.building, system, s.host, parent,
                "network" if parent else "none", _carrier(s.quantity, system), rooms,
                served_from, sum(areas) if areas else None,
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
    a, b = int((t0 - MAX_GAP_S) * 1e6), int((t1 + MAX_GAP_S) * 1e6)
    regs, count = repo.register_thin(meter.id, a, b)  # long windows: hourly rollups (PostgreSQL)
    swaps = [  # registered through the API: split the reading pair at each swap
        Replacement(r.at.timestamp(), r.old_final, r.new_initial)
        for r in store.energy.replacements(meter.id)
    ]
    found, report = intervals(regs, step=STEP_S, max_gap=MAX_GAP_S, replacements=swaps)
    report.readings = count
    scaled = [
        Interval(i.start, None if i.value is None else i.value * meter.factor, i.quality)
        for i in found
        if t0 <= i.start < t1
    ]
    return scaled, report


def _hourly(ivs: Iterable[Interval]) -> dict[float, float]:
    return {i.start: i.value for i in ivs if i.value is not None}


def _department_shares(campus: Campus, meters: list[Meter]) -> dict[str, dict[str, float]]:
    """Meter id -> {department (space category, "" when none): share by floor area} of the
    rooms whose consumption its *net* covers: the rooms it serves that no child meter serves
    (all it serves when its children cover every one). Rooms without an area count equally."""
    children: dict[str, set[str]] = {}
    for m in meters:
        if m.parent:
            children.setdefault(m.parent, set()).update(m.served)
    out: dict[str, dict[str, float]] = {}
    for m in meters:
        rooms = [r for r in m.served if r not in children.get(m.id, set())] or list(m.served)
        if not rooms:
            continue
        twin = campus.twin_of(rooms[0])
        weights: dict[str, float] = {}
        for r in rooms:
            sp = twin.spaces[r]
            weights[sp.category] = weights.get(sp.category, 0.0) + (room_area(sp) or 0.0)
        total = sum(weights.values())
        if total <= 0:  # no areas: each room counts the same
            weights = {}
            for r in rooms:
                cat = twin.spaces[r].category
                weights[cat] = weights.get(cat, 0.0) + 1.0
            total = float(len(rooms))
        out[m.id] = {k: v / total for k, v in weights.items()}
    return out


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
    """Consumption per group and period, each row with its carbon and cost where every meter
    behind it has factors for its carrier (``store.energy.factors()``)."""
    meters = [m for m in list_meters(campus, store) if m.quantity == quantity]
    series = {m.id: _hourly(meter_intervals(store, m, start, end)[0]) for m in meters}
    shares = _department_shares(campus, meters) if by == "department" else {}
    factors = store.energy.factors()
    infos = {}
    for m in meters:
        f = factors.get(m.carrier)
        infos[m.id] = MeterInfo(
            m.id, m.parent, m.storey, m.system, m.building, shares.get(m.id, {}),
            None if f is None else f.co2_kg, None if f is None else f.cost,
        )  # fmt: skip
    return rollup(series, infos, by=by, period=period, tz=_zone(tz))


@dataclass(frozen=True, slots=True)
class MeterEnpi:
    meter: str
    carrier: str
    consumption: float  # what the meter read in the window (gross), report unit
    area_m2: float | None
    per_m2: float | None  # consumption / area
    served_from: str


@dataclass(frozen=True, slots=True)
class UseEnpi:
    department: str  # space category ("" when rooms have none)
    consumption: float  # net consumption allocated to it by floor area
    area_m2: float  # floor area of the metered rooms of that category
    per_m2: float | None


def enpi(
    campus: Campus, store: LiveStore, start: datetime, end: datetime, quantity: str = "energy"
) -> tuple[list[MeterEnpi], list[UseEnpi]]:
    """Energy performance indicators normalised by floor area: per meter (what it reads over
    the area of the rooms it serves) and per use (each department's share of the nets over the
    area of the metered rooms of that category). ISO 50006 calls both EnPIs."""
    meters = [m for m in list_meters(campus, store) if m.quantity == quantity]
    total = {m.id: sum(_hourly(meter_intervals(store, m, start, end)[0]).values()) for m in meters}
    per_meter = [
        MeterEnpi(m.id, m.carrier, total[m.id], m.area_m2,
                  total[m.id] / m.area_m2 if m.area_m2 else None, m.served_from)
        for m in meters
    ]  # fmt: skip
    children: dict[str, float] = {}
    for m in meters:
        if m.parent in total:
            children[m.parent] = children.get(m.parent, 0.0) + total[m.id]
    used: dict[str, float] = {}
    for mid, shares in _department_shares(campus, meters).items():
        net = total[mid] - children.get(mid, 0.0)
        for dep, share in shares.items():
            used[dep] = used.get(dep, 0.0) + net * share
    area: dict[str, float] = {}
    seen: set[str] = set()
    for m in meters:
        for r in m.served:
            if r in seen:
                continue
            seen.add(r)
            sp = campus.twin_of(r).spaces[r]
            area[sp.category] = area.get(sp.category, 0.0) + (room_area(sp) or 0.0)
    per_use = [
        UseEnpi(d, v, area.get(d, 0.0), v / area[d] if area.get(d) else None)
        for d, v in sorted(used.items())
    ]
    return per_meter, per_use


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


#: Quantities (or, for ``temperature``, name words) that mark an outdoor temperature sensor.
OUTDOOR_QUANTITIES = ("outdoor_temperature", "outside_temperature", "outdoor_air_temperature")
_OUTDOOR_WORDS = ("outdoor", "outside", "ambient", "weather")


def outdoor_sensor(store: LiveStore, meter: Meter, sensor_id: str | None) -> SensorSpec:
    """The outdoor temperature sensor a regression baseline reads: ``sensor_id`` when given,
    else one of the meter's building whose quantity says outdoor temperature, or a temperature
    sensor named outdoor/outside/ambient/weather (first by id). InvalidInput when none."""
    specs = store.sensors()
    if sensor_id is not None:
        for s in specs:
            if s.id == sensor_id:
                if "temperature" not in s.quantity:
                    raise InvalidInput(f"sensor {sensor_id!r} does not measure a temperature")
                return s
        raise NotFound(f"no sensor {sensor_id!r}")
    for s in sorted(specs, key=lambda s: s.id):
        if meter.building not in (None, s.building) and s.building is not None:
            continue
        named = s.quantity == "temperature" and any(w in s.name.lower() for w in _OUTDOOR_WORDS)
        if s.quantity in OUTDOOR_QUANTITIES or named:
            return s
    raise InvalidInput(
        "no outdoor temperature sensor: register one (quantity outdoor_temperature) or name "
        "it with temperature_sensor"
    )


def _daily(hourly: dict[float, float]) -> dict[float, float]:
    """UTC day start -> consumption, for days whose 24 hours are all known."""
    days: dict[float, list[float]] = {}
    for t, v in hourly.items():
        days.setdefault(t - t % 86400, []).append(v)
    return {d: sum(v) for d, v in days.items() if len(v) == 24}


def _daily_mean(points: list[tuple[float, float]]) -> dict[float, float]:
    days: dict[float, list[float]] = {}
    for t, v in points:
        days.setdefault(t - t % 86400, []).append(v)
    return {d: sum(v) / len(v) for d, v in days.items()}


@dataclass(frozen=True, slots=True)
class TemperatureComparison:
    sensor: str
    baseline: TemperatureBaseline
    days: int  # compared days (complete days with a temperature)
    actual: float
    expected: float
    deviation: float  # (actual - expected) / expected; NaN when nothing compared
    cv_rmse: float
    nmbe: float


def temperature_baseline(
    store: LiveStore, meter: Meter, start: datetime, end: datetime, *, weeks: int = 8,
    sensor_id: str | None = None,
) -> TemperatureComparison:  # fmt: skip
    """Daily consumption regressed on the daily mean outdoor temperature over the ``weeks``
    weeks before ``start`` (:func:`twin.energy.fit_temperature`), compared day by day with
    [start, end) at the temperatures measured then."""
    t0, t1 = _window(start, end)
    if not 1 <= weeks <= 52:
        raise InvalidInput("weeks must be 1 .. 52")
    spec = outdoor_sensor(store, meter, sensor_id)
    train_start = datetime.fromtimestamp(t0 - weeks * 7 * 86400, UTC)
    repo = MeterReadingRepository(store.engine)
    temps = _daily_mean(repo.register(spec.id, int(train_start.timestamp() * 1e6), int(t1 * 1e6)))
    train = _daily(_hourly(meter_intervals(store, meter, train_start, _aware(start))[0]))
    base = fit_temperature(train, temps)
    seen = _daily(_hourly(meter_intervals(store, meter, start, end)[0]))
    days = sorted(d for d in seen if d in temps)
    ys = [seen[d] for d in days]
    fs = [base.expected(temps[d]) for d in days]
    actual, expected = sum(ys), sum(fs)
    dev = (actual - expected) / expected if days and expected else math.nan
    return TemperatureComparison(
        spec.id, base, len(days), actual, expected, dev, cv_rmse(ys, fs), nmbe(ys, fs)
    )


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
