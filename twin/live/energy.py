"""Energy records of the live store (``store.energy``): meter replacements registered through the
API, and the carbon and cost factors per energy carrier (tables in
:mod:`twin.live.tables_energy`). Every write is audited in its own transaction."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update

from twin.errors import Conflict, InvalidInput
from twin.live import audit
from twin.live.db import now_us
from twin.live.tables_energy import energy_factors, meter_replacements
from twin.live.txn import Db, transaction

__all__ = ["CARRIERS", "EnergyFactor", "EnergyRepository", "MeterReplacement"]

#: Energy carriers a factor can be set for, with the unit it is given per.
CARRIERS: dict[str, str] = {
    "electricity": "kWh", "heat": "kWh", "cooling": "kWh", "gas": "m3", "water": "m3",
    "oil": "m3",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class MeterReplacement:
    id: int
    meter: str
    at: datetime
    old_final: float
    new_initial: float
    created_by: str


@dataclass(frozen=True, slots=True)
class EnergyFactor:
    carrier: str
    unit: str
    co2_kg: float  # kg CO2e per unit
    cost: float  # currency per unit
    currency: str
    source: str
    updated: datetime
    updated_by: str


def _dt(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1e6, UTC)


class EnergyRepository:
    """Tables ``meter_replacements`` and ``energy_factors``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    # ---- meter replacements --------------------------------------------------------------
    def replace(
        self, meter: str, *, at: datetime, old_final: float, new_initial: float, actor: str
    ) -> MeterReplacement:
        """Register that ``meter``'s register was swapped at ``at``: the old one's last value
        and the new one's first. One per meter and instant (409 for a second)."""
        for v in (old_final, new_initial):
            if not (v == v and abs(v) < 1e15):  # NaN or absurd
                raise InvalidInput("register values must be finite numbers")
        t = int(at.timestamp() * 1_000_000)
        with transaction(self._db) as conn:
            q = select(meter_replacements.c.id).where(
                (meter_replacements.c.meter == meter) & (meter_replacements.c.t == t)
            )
            if conn.execute(q).first() is not None:
                raise Conflict(f"meter {meter!r} already has a replacement at {at.isoformat()}")
            rid = conn.execute(
                insert(meter_replacements).values(
                    meter=meter, t=t, old_final=old_final, new_initial=new_initial,
                    created=now_us(), created_by=actor,
                ).returning(meter_replacements.c.id)
            ).scalar_one()  # fmt: skip
            audit.record(conn, actor, "meter.replace", f"sensor:{meter}",
                         {"at": at.isoformat(), "old_final": old_final,
                          "new_initial": new_initial})  # fmt: skip
        return MeterReplacement(int(rid), meter, _dt(t), old_final, new_initial, actor)

    def replacements(self, meter: str) -> builtins.list[MeterReplacement]:
        """A meter's registered replacements, oldest first."""
        q = (
            select(meter_replacements)
            .where(meter_replacements.c.meter == meter)
            .order_by(meter_replacements.c.t)
        )
        with transaction(self._db) as conn:
            return [
                MeterReplacement(r.id, r.meter, _dt(r._mapping["t"]), r.old_final, r.new_initial,
                                 r.created_by)
                for r in conn.execute(q)
            ]  # fmt: skip

    # ---- carbon and cost factors ---------------------------------------------------------
    def set_factor(
        self, carrier: str, *, co2_kg: float, cost: float, currency: str, actor: str,
        source: str = "",
    ) -> EnergyFactor:  # fmt: skip
        """Set (or replace) the factors of ``carrier`` per its unit (:data:`CARRIERS`)."""
        if carrier not in CARRIERS:
            raise InvalidInput(f"carrier must be one of {', '.join(CARRIERS)}", carrier=carrier)
        if not (0 <= co2_kg < 1e6 and 0 <= cost < 1e6):
            raise InvalidInput("factors are finite and not negative")
        t = now_us()
        values = {
            "unit": CARRIERS[carrier],
            "co2_kg": co2_kg,
            "cost": cost,
            "currency": currency,
            "source": source,
            "updated": t,
            "updated_by": actor,
        }
        with transaction(self._db) as conn:
            done = conn.execute(
                update(energy_factors).where(energy_factors.c.carrier == carrier).values(**values)
            ).rowcount
            if not done:
                conn.execute(insert(energy_factors).values(carrier=carrier, **values))
            audit.record(conn, actor, "energy.factor", f"carrier:{carrier}",
                         {"co2_kg": co2_kg, "cost": cost, "currency": currency})  # fmt: skip
        return EnergyFactor(carrier, CARRIERS[carrier], co2_kg, cost, currency, source, _dt(t),
                            actor)  # fmt: skip

    def delete_factor(self, carrier: str, actor: str) -> None:
        with transaction(self._db) as conn:
            conn.execute(delete(energy_factors).where(energy_factors.c.carrier == carrier))
            audit.record(conn, actor, "energy.factor.delete", f"carrier:{carrier}", {})

    def factors(self) -> dict[str, EnergyFactor]:
        with transaction(self._db) as conn:
            return {
                r.carrier: EnergyFactor(r.carrier, r.unit, r.co2_kg, r.cost, r.currency,
                                        r.source or "", _dt(r.updated), r.updated_by)
                for r in conn.execute(select(energy_factors).order_by(energy_factors.c.carrier))
            }  # fmt: skip
