"""The sensor repository: registration, look-up with the latest value, and the in-process cache
of sensor specs that validation of every reading batch checks against (tables ``sensors``,
``latest``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, Row, Select, select
from sqlalchemy.dialects import postgresql, sqlite

from twin.errors import InvalidInput, NotFound
from twin.live import validate
from twin.live.checks import check_fields, check_lengths
from twin.live.db import now_us
from twin.live.events import publish
from twin.live.records import SensorSpec, from_us
from twin.live.tables import latest, sensors

__all__ = ["SensorNotFound", "SensorRepository"]

CACHE_TTL_S = 1.0  # a sensor registered by another process is seen after at most this long


class SensorNotFound(NotFound):
    title = "Sensor not found"


class SensorRepository:
    """Sensors by id, and the spec cache shared by ingest and the stale sweep (thread-safe)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._specs: dict[str, SensorSpec] = {}
        self._specs_loaded = 0.0
        self._lock = threading.Lock()
        self._units_pair: tuple[dict[str, SensorSpec] | None, dict[str, str]] = (None, {})

    def register_many(self, specs: Iterable[SensorSpec]) -> int:
        """Insert or update sensors by id (idempotent); returns how many were given."""
        rows = [_sensor_row(s) for s in specs]
        if not rows:
            return 0
        with self._engine.begin() as conn:
            insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
            stmt = insert(sensors)
            cols = {k: stmt.excluded[k] for k in rows[0] if k not in ("id", "created_us")}
            conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=cols), rows)
            for s in specs if isinstance(specs, Sequence) else ():
                publish(conn, "sensor", building=s.building, storey=s.storey, payload={"id": s.id})
        self.cached(force=True)
        return len(rows)

    def get(self, sensor_id: str) -> SensorSpec:
        """The sensor with ``last_t``/``last_value`` (None when it has no reading yet)."""
        q = _sensor_query().where(sensors.c.id == sensor_id)
        with self._engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None:
            raise SensorNotFound(f"no sensor {sensor_id!r}")
        return _spec(row)

    def list(
        self,
        *,
        space: str | None = None,
        storey: str | None = None,
        building: str | None = None,
        quantity: str | None = None,
    ) -> list[SensorSpec]:
        """Sensors with their latest value, filtered; ordered by id."""
        q = _sensor_query().order_by(sensors.c.id)
        for col, val in (
            (sensors.c.space, space),
            (sensors.c.storey, storey),
            (sensors.c.building, building),
            (sensors.c.quantity, quantity),
        ):
            if val is not None:
                q = q.where(col == val)
        with self._engine.connect() as conn:
            return [_spec(r) for r in conn.execute(q)]

    # ---- the spec cache ------------------------------------------------------------------
    def cached(self, force: bool = False) -> dict[str, SensorSpec]:
        """Every sensor's spec, reloaded when older than :data:`CACHE_TTL_S` (or ``force``)."""
        with self._lock:
            if force or time.monotonic() - self._specs_loaded > CACHE_TTL_S:
                with self._engine.connect() as conn:
                    self._specs = {r.id: _spec(r) for r in conn.execute(select(sensors))}
                self._specs_loaded = time.monotonic()
            return self._specs

    def current(self) -> dict[str, SensorSpec]:
        """The cache as it is (no reload): the hot path of ingest."""
        return self._specs

    def load(self, ids: Iterable[str]) -> dict[str, SensorSpec]:
        """The cache with these sensors looked up (one indexed query, no full reload): a new
        dict when any was found, the same object otherwise."""
        q = select(sensors).where(sensors.c.id.in_(sorted(ids)))
        with self._engine.connect() as conn:
            found = {r.id: _spec(r) for r in conn.execute(q)}
        with self._lock:
            if found:
                self._specs = {**self._specs, **found}
            return self._specs

    def units(self, specs: dict[str, SensorSpec]) -> dict[str, str]:
        """Sensor id -> unit, rebuilt only when the spec cache object changes."""
        of, units = self._units_pair  # one tuple: swapped atomically between threads
        if of is not specs:
            units = {k: s.unit for k, s in specs.items()}
            self._units_pair = (specs, units)
        return units


def _spec(r: Row[Any]) -> SensorSpec:
    pos = (r.px, r.py, r.pz) if r.px is not None else None
    return SensorSpec(
        id=r.id,
        quantity=r.quantity,
        unit=r.unit,
        element=r.element,
        space=r.space,
        storey=r.storey,
        building=r.building,
        host=r.host,
        name=r.name,
        lower=r.lower,
        upper=r.upper,
        criticality=r.criticality,
        position=pos,
        source=r.source,
        last_t=from_us(getattr(r, "t_us", None)),
        last_value=getattr(r, "value", None),
    )


def _sensor_query() -> Select[Any]:
    return select(sensors, latest.c.t_us, latest.c.value).select_from(
        sensors.outerjoin(latest, latest.c.sensor == sensors.c.id)
    )


def _sensor_row(s: SensorSpec) -> dict[str, Any]:
    if not s.id or not s.quantity:
        raise InvalidInput("a sensor needs an id and a quantity")
    if len(s.id) > validate.ID_MAX:
        raise InvalidInput(f"a sensor id has at most {validate.ID_MAX} characters")
    check_fields("sensor", s)
    pos = s.position or (None, None, None)
    row = {
        "id": s.id,
        "quantity": s.quantity,
        "unit": s.unit,
        "element": s.element,
        "space": s.space,
        "storey": s.storey,
        "building": s.building,
        "host": s.host,
        "name": s.name,
        "lower": s.lower,
        "upper": s.upper,
        "criticality": s.criticality,
        "px": pos[0],
        "py": pos[1],
        "pz": pos[2],
        "source": s.source,
        "created_us": now_us(),
    }
    check_lengths("sensor", sensors, row)
    return row
