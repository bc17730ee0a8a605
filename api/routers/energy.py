"""Energy sub-metering: meters, hourly consumption from their registers, roll-ups with the
unmetered remainder, baseline comparison and CSV export (docs/energy.md)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import CampusDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.energy import (
    AnomalyOut,
    BaselineOut,
    IntervalOut,
    IntervalsOut,
    MeterOut,
    RegisterReportOut,
    RollupOut,
    RollupRowOut,
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
    by: Literal["meter", "storey", "system", "building"] = "storey",
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
                     unmetered=x.unmetered, meters=list(x.meters))
        for x in r.rows
    ]  # fmt: skip
    return RollupOut(
        by=by, period=period, unit=energy.REPORT_UNIT[quantity], rows=rows,
        total=sum(x.value for x in r.rows), over_read=[(m, _at(p)) for m, p in r.over_read],
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
