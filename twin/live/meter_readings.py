"""Register readings of a meter over a time range (the energy service's one read of readings).

A repository of its own rather than a method on the readings facade: it is a range scan on the
``(sensor, t_us)`` unique index of ``readings`` and nothing else, bound to the store's engine
by :func:`twin.service.energy.meter_readings`.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from twin.live.tables import readings

__all__ = ["MeterReadingRepository"]


class MeterReadingRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def register(
        self, sensor_id: str, start_us: int | None = None, end_us: int | None = None
    ) -> list[tuple[float, float]]:
        """``(epoch second, value)`` of ``sensor_id`` in ``[start_us, end_us]``, in time order."""
        q = select(readings.c.t_us, readings.c.value).where(readings.c.sensor == sensor_id)
        if start_us is not None:
            q = q.where(readings.c.t_us >= start_us)
        if end_us is not None:
            q = q.where(readings.c.t_us <= end_us)
        with self._engine.connect() as conn:
            return [(r[0] / 1e6, float(r[1])) for r in conn.execute(q.order_by(readings.c.t_us))]
