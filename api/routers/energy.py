"""Energy sub-metering: meters, hourly consumption from their registers, roll-ups with the
unmetered remainder, baseline comparison and CSV export (docs/energy.md)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from api.auth import PrincipalDep
from api.deps import CampusDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.energy import (
    AnomalyOut,
    BaselineOut,
    EnpiOut,
    FactorIn,
    FactorOut,
    IntervalOut,
    IntervalsOut,
    MeterEnpiOut,
    MeterOut,
    RegisterReportOut,
    ReplacementIn,
    ReplacementOut,
    RollupOut,
    RollupRowOut,
    TemperatureBaselineOut,
    UseEnpiOut,
)
from twin.service import energy

__all__ = ["router"]

router = APIRouter(tags=["energy"], responses=PROBLEM_RESPONSES)

Start = Annotated[datetime | None, Query(description="Default: 24 h before end (naive = UTC).")]
End = Annotated[datetime | None, Query(description="Default: now (naive = UTC).")]


def _span(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    return start or end - timedelta(days=1), end


def _num(x: float) -> float | None:
    return None if math.isnan(x) or math.isinf(x) else x


def _at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


@router.get("/energy/meters", response_model=list[MeterOut], summary="Energy and volume meters")
def list_meters(store: StoreDep, campus: CampusDep) -> list[MeterOut]:
    """Meters found in the model (IfcFlowMeter, energy and volume sensors) and registered through
    the API: what each measures, its unit, the rooms it serves and its parent meter."""
    return [MeterOut.model_validate(m) for m in energy.list_meters(campus, store)]


@router.get(
    "/energy/meters/{sensor_id}/intervals",
    response_model=IntervalsOut,
    summary="Hourly consumption of a meter, with what the register conversion found",
)
def meter_intervals(
    sensor_id: str, store: StoreDep, campus: CampusDep, start: Start = None, end: End = None
) -> IntervalsOut:
    """A cumulative register turned into hourly consumption, with the resets, rollovers,
    replacements, gaps and duplicates found on the way."""
    m = energy.find_meter(campus, store, sensor_id)
    ivs, report = energy.meter_intervals(store, m, *_span(start, end))
    return IntervalsOut(
        meter=m.id,
        unit=m.report_unit,
        intervals=[IntervalOut(start=_at(i.start), value=i.value, quality=i.quality) for i in ivs],
        report=RegisterReportOut.model_validate(report),
    )


@router.get("/energy/rollup", response_model=RollupOut, summary="Consumption by group and period")
def rollup(
    store: StoreDep,
    campus: CampusDep,
    by: Annotated[
        Literal["meter", "storey", "system", "building", "department"],
        Query(
            description="Group by meter, storey, system, building or department (space "
            "category of the rooms served; a meter's net is split by their floor area)."
        ),
    ] = "storey",
    period: Literal["hour", "day", "month"] = "day",
    start: Start = None,
    end: End = None,
    tz: Annotated[str, Query(max_length=64, examples=["Europe/Berlin"])] = "UTC",
    quantity: Literal["energy", "gas_volume", "water_volume"] = "energy",
) -> RollupOut:
    """Consumption summed per meter, storey, system or building and per hour, day or month, with the
    unmetered remainder of each parent meter shown, never hidden."""
    r = energy.rollup_energy(
        campus, store, by=by, period=period, start=_span(start, end)[0],
        end=_span(start, end)[1], tz=tz, quantity=quantity,
    )  # fmt: skip
    rows = [
        RollupRowOut(group=x.group, period=_at(x.period), value=x.value,
                     unmetered=x.unmetered, meters=list(x.meters), co2_kg=x.co2_kg,
                     cost=x.cost)
        for x in r.rows
    ]  # fmt: skip
    co2 = [x.co2_kg for x in r.rows]
    cost = [x.cost for x in r.rows]
    currencies = sorted({f.currency for f in store.energy.factors().values()})
    notes = []
    if by == "department":
        notes.append("department = space category of the rooms a meter serves (IfcZone not "
                     "read); a meter's net is split by those rooms' floor area")  # fmt: skip
    if len(currencies) > 1:
        notes.append(f"factors in several currencies {currencies}: costs not summed")
    return RollupOut(
        by=by, period=period, unit=energy.REPORT_UNIT[quantity], rows=rows,
        total=sum(x.value for x in r.rows), over_read=[(m, _at(p)) for m, p in r.over_read],
        co2_kg=None if None in co2 else sum(c for c in co2 if c is not None),
        cost=None if None in cost or len(currencies) > 1 else sum(c for c in cost if c is not None),
        currency=currencies[0] if len(currencies) == 1 else None, assumptions=notes,
    )  # fmt: skip


@router.get(
    "/energy/enpi",
    response_model=EnpiOut,
    summary="Energy performance indicators per floor area and per use",
)
def enpi(
    store: StoreDep,
    campus: CampusDep,
    start: Start = None,
    end: End = None,
    quantity: Annotated[
        Literal["energy", "gas_volume", "water_volume"],
        Query(description="What the meters measure."),
    ] = "energy",
) -> EnpiOut:
    """Per meter: what it read over the floor area of the rooms it serves (kWh/m²); per use
    (space category): the meters' nets split by floor area over the metered area of that
    category (ISO 50006 EnPIs)."""
    s, e = _span(start, end)
    meters, uses = energy.enpi(campus, store, s, e, quantity)
    return EnpiOut(
        start=s, end=e, unit=energy.REPORT_UNIT[quantity],
        meters=[MeterEnpiOut.model_validate(m) for m in meters],
        uses=[UseEnpiOut.model_validate(u) for u in uses],
        assumptions=[
            "area: the model's NetFloorArea where declared, else the room's footprint",
            "rooms served: downstream of the meter's host in the distribution network; a meter "
            "without ports serves its own room (served_from space, assumed)",
        ],
    )  # fmt: skip


@router.get(
    "/energy/meters/{sensor_id}/replacements",
    response_model=list[ReplacementOut],
    summary="Registered replacements of a meter",
)
def list_replacements(sensor_id: str, store: StoreDep, campus: CampusDep) -> list[ReplacementOut]:
    """Every swap of the meter's register registered through the API, oldest first."""
    m = energy.find_meter(campus, store, sensor_id)
    return [ReplacementOut.model_validate(r) for r in store.energy.replacements(m.id)]


@router.post(
    "/energy/meters/{sensor_id}/replacements",
    status_code=201,
    response_model=ReplacementOut,
    summary="Register a meter replacement",
    responses={409: PROBLEM_RESPONSES[422] | {"description": "Already one at that instant"}},
)
def replace_meter(
    sensor_id: str, body: ReplacementIn, store: StoreDep, campus: CampusDep, who: PrincipalDep
) -> ReplacementOut:
    """The register was swapped at ``at``: the old one's last value and the new one's first.
    The interval conversion then splits the reading pair there, so the drop is neither a reset
    nor counted twice (audited as ``meter.replace``)."""
    m = energy.find_meter(campus, store, sensor_id)
    at = body.at if body.at.tzinfo else body.at.replace(tzinfo=UTC)
    r = store.energy.replace(m.id, at=at, old_final=body.old_final,
                             new_initial=body.new_initial, actor=who.name)  # fmt: skip
    return ReplacementOut.model_validate(r)


@router.get("/energy/factors", response_model=list[FactorOut],
            summary="Carbon and cost factors per energy carrier")  # fmt: skip
def list_factors(store: StoreDep) -> list[FactorOut]:
    """The factors roll-ups multiply consumption by, one per carrier (electricity, heat,
    cooling per kWh; gas, water, oil per m³). A carrier without factors has null carbon and
    cost in roll-ups."""
    return [FactorOut.model_validate(f) for f in store.energy.factors().values()]


@router.put(
    "/energy/factors/{carrier}",
    response_model=FactorOut,
    summary="Set the carbon and cost factors of an energy carrier",
)
def set_factor(
    carrier: Annotated[
        Literal["electricity", "heat", "cooling", "gas", "water", "oil"],
        Path(description="Energy carrier."),
    ],
    body: FactorIn,
    store: StoreDep,
    who: PrincipalDep,
) -> FactorOut:
    """kg CO2e and cost per unit of the carrier (kWh or m³), with where they come from;
    replaces earlier factors (audited as ``energy.factor``)."""
    f = store.energy.set_factor(
        carrier, co2_kg=body.co2_kg, cost=body.cost, currency=body.currency,
        source=body.source, actor=who.name,
    )  # fmt: skip
    return FactorOut.model_validate(f)


@router.get(
    "/energy/meters/{sensor_id}/temperature-baseline",
    response_model=TemperatureBaselineOut,
    summary="Consumption against a regression on outdoor temperature",
)
def temperature_baseline(
    sensor_id: str,
    store: StoreDep,
    campus: CampusDep,
    start: Start = None,
    end: End = None,
    weeks: Annotated[int, Query(ge=1, le=52, description="Training weeks before start.")] = 8,
    temperature_sensor: Annotated[
        str | None,
        Query(max_length=64, description="Outdoor temperature sensor; default: the building's."),
    ] = None,
) -> TemperatureBaselineOut:
    """Daily consumption regressed on the daily mean outdoor temperature over the weeks before
    ``start`` (y = a + b·T), its validity by ASHRAE Guideline 14 (CV(RMSE), NMBE), and the
    complete days of [start, end) compared with it at the temperatures measured then."""
    m = energy.find_meter(campus, store, sensor_id)
    s, e = _span(start, end)
    c = energy.temperature_baseline(store, m, s, e, weeks=weeks, sensor_id=temperature_sensor)
    b = c.baseline
    return TemperatureBaselineOut(
        meter=m.id, unit=m.report_unit, temperature_sensor=c.sensor, training_days=b.n,
        intercept=_num(b.intercept), slope=_num(b.slope), r2=_num(b.r2),
        cv_rmse=_num(b.cv_rmse), nmbe=_num(b.nmbe), valid=b.valid, days=c.days,
        actual=c.actual, expected=c.expected, deviation=_num(c.deviation),
        compared_cv_rmse=_num(c.cv_rmse), compared_nmbe=_num(c.nmbe),
    )  # fmt: skip


@router.get(
    "/energy/meters/{sensor_id}/baseline",
    response_model=BaselineOut,
    summary="Consumption against the weekday-hour baseline of the weeks before",
)
def baseline(
    sensor_id: str,
    store: StoreDep,
    campus: CampusDep,
    start: Start = None,
    end: End = None,
    weeks: Annotated[int, Query(ge=1, le=52)] = 8,
    tz: Annotated[str, Query(max_length=64)] = "UTC",
    band: Annotated[float, Query(gt=0, le=10, description="0.2: 20 % above expected")] = 0.2,
    min_hours: Annotated[int, Query(ge=1, le=168)] = 3,
) -> BaselineOut:
    """A meter's consumption against its weekday-hour baseline, with the baseline's validity
    (CV(RMSE) and NMBE as ASHRAE Guideline 14 measures it) and the anomalies found."""
    m = energy.find_meter(campus, store, sensor_id)
    b, c, found = energy.baseline_comparison(
        store, m, *_span(start, end), weeks=weeks, tz=tz, band=band, min_hours=min_hours
    )
    return BaselineOut(
        meter=m.id, unit=m.report_unit, training_hours=b.n, cv_rmse=_num(b.cv_rmse),
        nmbe=_num(b.nmbe), valid=b.valid, actual=c.actual, expected=c.expected, hours=c.hours,
        deviation=_num(c.deviation), compared_cv_rmse=_num(c.cv_rmse),
        compared_nmbe=_num(c.nmbe),
        anomalies=[AnomalyOut(start=_at(a.start), end=_at(a.end), hours=a.hours,
                              actual=a.actual, expected=a.expected) for a in found],
    )  # fmt: skip


@router.get(
    "/energy/export.csv",
    summary="Hourly consumption of every meter (or one) as CSV",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"example": "meter,start,consumption,unit,quality\n"}}}
    },
)
def export(
    store: StoreDep,
    campus: CampusDep,
    meter: Annotated[str | None, Query(max_length=64)] = None,
    start: Start = None,
    end: End = None,
) -> Response:
    """Hourly consumption per meter as CSV, for a spreadsheet or an energy-management tool."""
    meters = energy.list_meters(campus, store)
    if meter is not None:
        meters = [energy.find_meter(campus, store, meter)]
    text = energy.export_csv(store, meters, *_span(start, end))
    return Response(text, media_type="text/csv")
