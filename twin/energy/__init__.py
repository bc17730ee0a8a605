"""Energy sub-metering, pure: registers to intervals, roll-ups with unmetered remainders,
baselines measured as ASHRAE Guideline 14 does. No store and no campus (the service layer,
:mod:`twin.service.energy`, reads readings and meters and calls these)."""

from twin.energy.anomaly import Anomaly, anomalies
from twin.energy.baseline import Baseline, Comparison, compare, cv_rmse, fit, nmbe
from twin.energy.registers import Interval, RegisterReport, Replacement, intervals
from twin.energy.regression import TemperatureBaseline, fit_temperature
from twin.energy.rollup import MeterInfo, Rollup, RollupRow, period_start, rollup

__all__ = [
    "Anomaly",
    "Baseline",
    "Comparison",
    "Interval",
    "MeterInfo",
    "RegisterReport",
    "Replacement",
    "Rollup",
    "RollupRow",
    "TemperatureBaseline",
    "anomalies",
    "compare",
    "cv_rmse",
    "fit",
    "fit_temperature",
    "intervals",
    "nmbe",
    "period_start",
    "rollup",
]
