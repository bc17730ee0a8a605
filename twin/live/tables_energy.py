"""Energy tables of the live store (issue 16): meter replacements registered through the API
(the register-to-interval logic splits a reading pair at each) and the carbon and cost factors
per energy carrier that roll-ups show."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table

from twin.live.db import metadata

__all__ = ["ENERGY_TABLES", "energy_factors", "meter_replacements"]

_ID = BigInteger().with_variant(Integer(), "sqlite")

meter_replacements = Table(
    "meter_replacements",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("meter", String(64), nullable=False),
    Column("t", BigInteger, nullable=False),  # µs: the instant of the swap
    Column("old_final", Float, nullable=False),  # last register value of the old meter
    Column("new_initial", Float, nullable=False),  # first register value of the new one
    Column("created", BigInteger, nullable=False),
    Column("created_by", String(100), nullable=False),
    Index("ix_meter_replacements_meter_t", "meter", "t"),
)

energy_factors = Table(
    "energy_factors",
    metadata,
    Column("carrier", String(30), primary_key=True),
    Column("unit", String(10), nullable=False),  # per what: kWh or m3
    Column("co2_kg", Float, nullable=False),  # kg CO2e per unit
    Column("cost", Float, nullable=False),  # currency per unit
    Column("currency", String(3), nullable=False),
    Column("source", String(200), nullable=False, default=""),
    Column("updated", BigInteger, nullable=False),
    Column("updated_by", String(100), nullable=False),
)

#: Creation order; revision 0014 creates exactly these.
ENERGY_TABLES: tuple[str, ...] = ("meter_replacements", "energy_factors")
