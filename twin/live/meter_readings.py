"""Register readings of a meter over a time range (the energy service's one read of readings).

A repository of its own rather than a method on the readings facade: it is a range scan on the
``(sensor, t_us)`` unique index of ``readings`` and nothing else, bound to the store's engine
by :func:`twin.service.energy.meter_readings`. On PostgreSQL a window longer than two days is
read from the hourly rollups (:meth:`MeterReadingRepository.register_thin`).
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from twin.live import rollups
from twin.live.tables import readings

__all__ = ["THIN_MIN_SPAN_US", "MeterReadingRepository"]

HOUR_US = rollups.GRAINS["readings_1h"]
THIN_MIN_SPAN_US = 2 * 86_400_000_000  # shorter windows read every raw reading


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

    def register_thin(
        self, sensor_id: str, start_us: int, end_us: int
    ) -> tuple[list[tuple[float, float]], int]:
        """The register in ``[start_us, end_us]`` thinned to what hourly consumption needs, and
        how many raw readings it stands for. Each whole hour whose readings never decrease is
        its first and last reading (every reading between them adds to that hour alone, so
        hourly intervals, their quality, gaps and resets come out the same as from every
        reading); hours with a decrease (a reset), the hours cut by the window's edges and
        those not rolled up yet (from the watermark on) are read raw. SQLite, or a window of
        two days or less: every raw reading."""
        with self._engine.connect() as conn:
            if end_us - start_us <= THIN_MIN_SPAN_US or not rollups.exists(conn):
                every = self.register(sensor_id, start_us, end_us)
                return every, len(every)
            upto = min(end_us, rollups.watermark(conn) - 1)  # complete hours only
            cells = rollups.hours(conn, sensor_id, start_us, upto)
            c0 = -(-start_us // HOUR_US) * HOUR_US
            c1 = (upto - HOUR_US + 1) // HOUR_US * HOUR_US
            if c0 > c1:  # not one whole rolled-up hour in the window
                every = self.register(sensor_id, start_us, end_us)
                return every, len(every)
            spans = [(start_us, min(end_us, c0 - 1)), (max(start_us, c1 + HOUR_US), end_us)]
            pts: list[tuple[float, float]] = []
            count = 0
            for t, n, first_t, first_v, last_t, last_v, mono in cells:
                if mono:
                    pts.append((first_t / 1e6, first_v))
                    if n > 1:
                        pts.append((last_t / 1e6, last_v))
                    count += n
                else:
                    spans.append((t, t + HOUR_US - 1))
            spans = [(a, b) for a, b in spans if a <= b]
            if spans:
                raw = conn.exec_driver_sql(
                    "SELECT r.t_us, r.value FROM readings r JOIN unnest(%(a)s::bigint[], "
                    "%(b)s::bigint[]) AS w(a, b) ON r.t_us BETWEEN w.a AND w.b "
                    "WHERE r.sensor = %(s)s",
                    {"s": sensor_id, "a": [a for a, _ in spans], "b": [b for _, b in spans]},
                ).all()
                pts += [(t / 1e6, float(v)) for t, v in raw]
                count += len(raw)
        pts.sort()
        return pts, count
