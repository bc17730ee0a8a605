"""Energy: meters, hourly intervals with the register report, roll-ups and baseline figures."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.strict import StrictIn

__all__ = [
    "AnomalyOut",
    "BaselineOut",
    "EnpiOut",
    "FactorIn",
    "FactorOut",
    "IntervalOut",
    "IntervalsOut",
    "MeterEnpiOut",
    "MeterOut",
    "RegisterReportOut",
    "ReplacementIn",
    "ReplacementOut",
    "RollupOut",
    "RollupRowOut",
    "TemperatureBaselineOut",
    "UseEnpiOut",
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
    carrier: str = Field(
        description="Energy carrier its carbon and cost factors are looked up by.",
        examples=["electricity"],
    )
    served: list[str] = Field(description="GlobalIds of the rooms the meter serves.")
    served_from: str = Field(
        description="network (downstream of its host), space (its own room, assumed) or none",
        examples=["network"],
    )
    area_m2: float | None = Field(description="Floor area of the rooms served, m².")


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
    co2_kg: float | None = Field(
        None, description="kg CO2e; null when a meter behind the row has no carbon factor."
    )
    cost: float | None = Field(
        None, description="Cost in the factors' currency; null when a factor is missing."
    )


class RollupOut(BaseModel):
    by: str
    period: str
    unit: str
    rows: list[RollupRowOut]
    total: float
    over_read: list[tuple[str, datetime]] = Field(description="(parent, period) children exceed.")
    co2_kg: float | None = Field(None, description="Sum of the rows' carbon; null if any is.")
    cost: float | None = Field(None, description="Sum of the rows' cost; null if any is.")
    currency: str | None = Field(None, description="Currency of the cost (one per store).")
    assumptions: list[str] = Field(default_factory=list)


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


class ReplacementIn(StrictIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "at": "2026-11-20T10:15:00Z", "old_final": 48211.4, "new_initial": 0.0}]},
        extra="forbid", allow_inf_nan=False)  # fmt: skip

    at: datetime = Field(description="When the register was swapped (naive = UTC).")
    old_final: float = Field(ge=0, lt=1e15, description="Last value of the old register.")
    new_initial: float = Field(ge=0, lt=1e15, description="First value of the new register.")


class ReplacementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    meter: str
    at: datetime
    old_final: float
    new_initial: float
    created_by: str


class FactorIn(StrictIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "co2_kg": 0.38, "cost": 0.27, "currency": "EUR",
        "source": "supplier mix 2026; tariff 2026"}]},
        extra="forbid", allow_inf_nan=False)  # fmt: skip

    co2_kg: float = Field(ge=0, lt=1e6, description="kg CO2e per unit of the carrier.")
    cost: float = Field(ge=0, lt=1e6, description="Cost per unit of the carrier.")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code.", examples=["EUR"])
    source: str = Field("", max_length=200, description="Where the factors come from.")


class FactorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    carrier: Literal["electricity", "heat", "cooling", "gas", "water", "oil"]
    unit: str = Field(description="Per what: kWh or m3.")
    co2_kg: float
    cost: float
    currency: str
    source: str
    updated: datetime
    updated_by: str


class MeterEnpiOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    meter: str
    carrier: str
    consumption: float = Field(description="What the meter read in the window (gross).")
    area_m2: float | None
    per_m2: float | None = Field(description="consumption / area_m2 (e.g. kWh/m²).")
    served_from: str


class UseEnpiOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    department: str = Field(description="Space category ('' when the rooms have none).")
    consumption: float = Field(description="Net consumption allocated by floor area.")
    area_m2: float
    per_m2: float | None


class EnpiOut(BaseModel):
    start: datetime
    end: datetime
    unit: str
    meters: list[MeterEnpiOut]
    uses: list[UseEnpiOut]
    assumptions: list[str]


class TemperatureBaselineOut(BaseModel):
    meter: str
    unit: str
    temperature_sensor: str
    training_days: int
    intercept: float | None = Field(description="Consumption per day at 0 °C.")
    slope: float | None = Field(description="Consumption per day per °C (< 0: heating).")
    r2: float | None
    cv_rmse: float | None = Field(description="In-sample CV(RMSE), n - 2 degrees of freedom.")
    nmbe: float | None
    valid: bool = Field(description="CV(RMSE) <= 30 % and |NMBE| <= 10 % (Guideline 14).")
    days: int = Field(description="Complete days compared.")
    actual: float
    expected: float
    deviation: float | None
    compared_cv_rmse: float | None
    compared_nmbe: float | None
