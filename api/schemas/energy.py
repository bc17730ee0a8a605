"""Energy: meters, hourly intervals with the register report, roll-ups and baseline figures."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnomalyOut",
    "BaselineOut",
    "IntervalOut",
    "IntervalsOut",
    "MeterOut",
    "RegisterReportOut",
    "RollupOut",
    "RollupRowOut",
]


class MeterOut(BaseModel):
    # Read from :class:`twin.service.energy.Meter`.
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    quantity: str = Field(examples=["energy"])
    unit: str = Field(description="Unit of the register as read.", examples=["kWh"])
    report_unit: str = Field(description="Unit consumption is given in.", examples=["kWh"])
    storey: str | None
    building: str | None
    system: str | None
    host: str | None
    parent: str | None = Field(description="The meter upstream of this one (sub-metering).")
    parent_from: str = Field(description="network (traced upstream) or none", examples=["network"])


class IntervalOut(BaseModel):
    start: datetime
    value: float | None
    quality: str = Field(examples=["measured"], description="measured|interpolated|partial|missing")


class RegisterReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    readings: int
    duplicates: int
    conflicts: int
    out_of_order: int
    resets: list[float] = Field(description="Epoch seconds of the readings after a drop.")
    rollovers: list[float]
    replacements: int
    gaps: list[tuple[float, float]] = Field(description="(from, to) spans left missing.")
    gap_energy: float
    interpolated: int


class IntervalsOut(BaseModel):
    meter: str
    unit: str
    intervals: list[IntervalOut]
    report: RegisterReportOut


class RollupRowOut(BaseModel):
    group: str = Field(description="Meter id, storey, system or building ('' when none).")
    period: datetime
    value: float
    unmetered: bool = Field(description="A parent meter's net: consumption no child covers.")
    meters: list[str] = Field(description="The meters behind the figure.")


class RollupOut(BaseModel):
    by: str
    period: str
    unit: str
    rows: list[RollupRowOut]
    total: float
    over_read: list[tuple[str, datetime]] = Field(description="(parent, period) children exceed.")


class AnomalyOut(BaseModel):
    start: datetime
    end: datetime
    hours: int
    actual: float
    expected: float


class BaselineOut(BaseModel):
    meter: str
    unit: str
    training_hours: int
    cv_rmse: float | None = Field(description="In-sample CV(RMSE) (ASHRAE Guideline 14).")
    nmbe: float | None = Field(description="In-sample NMBE (0 for the bin model).")
    valid: bool = Field(description="CV(RMSE) <= 30 % and |NMBE| <= 10 % (hourly, Guideline 14).")
    actual: float
    expected: float
    hours: int
    deviation: float | None = Field(description="(actual - expected) / expected.")
    compared_cv_rmse: float | None
    compared_nmbe: float | None
    anomalies: list[AnomalyOut] = Field(
        description="Runs of min_hours or more hours above expected by more than band."
    )
