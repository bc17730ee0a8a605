"""The live store: ONE facade, :class:`LiveStore`, over one repository per concern.

One object per process (``app.state.store``, reached by the API through ``StoreDep``); every
state change is committed to the database, so several API processes can share one PostgreSQL
store. The repositories (each a class over its tables, in its own module):

========================  ======================================  ==============================
concern                   repository (module)                     reached as
========================  ======================================  ==============================
sensors                   ``SensorRepository`` (sensors)          ``store.register_sensors`` …
readings ingest, series   ``ReadingRepository`` (readings)        ``store.ingest``, ``series``
alarms and rules          ``AlarmRepository`` (alarm_repo)        ``store.alarms``, ``add_rule``
dead letters              ``DeadLetterRepository`` (dead_letters) ``store.dead_letters``,
                                                                  ``record_dead_letter``
tickets                   ``TicketRepository`` (tickets)          ``store.tickets.…``
technicians               ``TechnicianRepository`` (technicians)  ``store.technicians.…``
API keys                  ``KeyRepository`` (keys)                ``store.keys.…``
audit log                 ``AuditLog`` (audit)                    ``store.audit.…``
scenarios                 ``ScenarioRepository`` (scenarios)      ``store.scenarios.…``
asset register edits      ``AssetOverrideRepository``             ``store.asset_overrides.…``
                          (asset_overrides)
attached documents        ``DocumentRepository`` (documents)      ``store.documents.…``
spare-parts stock         ``SparePartRepository`` (spare_parts)   ``store.spare_parts.…``
alarm inbox, shelves      ``AlarmInboxRepository`` (alarm_inbox)  ``store.alarm_inbox.…``
escalation, outbox        ``NotificationRepository``              ``store.notifications.…``
                          (notifications)
work-order locks          ``LockRepository`` (lockout)            ``store.locks.…``
hazard ledger             ``HazardRepository`` (hazards)          ``store.hazards.…``
patrol rounds, check-ins  ``PatrolRepository`` (patrols)         ``store.patrols.…``
preventive maintenance    ``MaintenanceRepository`` (maintenance) ``store.maintenance.…``
events                    :mod:`twin.live.events`                 ``store.follow_events``
========================  ======================================  ==============================

The readings path (what every reading goes through) keeps its methods on the facade itself;
the work-order concerns are one attribute each, and :meth:`LiveStore.transaction` gives the
same attributes bound to one transaction (dispatch declines and re-assigns in one commit).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, text

from twin.live import partitions, rollups
from twin.live.alarm_inbox import AlarmInboxRepository
from twin.live.alarm_repo import RULE_KINDS, AlarmNotFound, AlarmRepository
from twin.live.asset_overrides import AssetOverrideRepository
from twin.live.audit import AuditLog
from twin.live.condition_alarms import Condition, SyncResult
from twin.live.db import make_engine, now_us
from twin.live.dead_letters import DeadLetterRepository
from twin.live.documents import DocumentRepository
from twin.live.energy import EnergyRepository
from twin.live.events import POLL_SECONDS, Cursor, EventFilter, Waker, follow
from twin.live.hazards import HazardRepository
from twin.live.keys import KeyRepository
from twin.live.lockout import LockRepository
from twin.live.maintenance import MaintenanceRepository
from twin.live.migrate import upgrade
from twin.live.notifications import NotificationRepository
from twin.live.patrols import PatrolRepository
from twin.live.readings import COPY_MIN_ROWS, ReadingRepository
from twin.live.records import Alarm, AlarmRule, DeadLetter, Event, IngestResult, SensorSpec
from twin.live.scenarios import ScenarioRepository
from twin.live.sensors import SensorNotFound, SensorRepository
from twin.live.spare_parts import SparePartRepository
from twin.live.technicians import TechnicianRepository
from twin.live.tickets import TicketRepository
from twin.live.txn import Db

__all__ = [
    "COPY_MIN_ROWS",
    "RULE_KINDS",
    "AlarmNotFound",
    "LiveStore",
    "Repositories",
    "SensorNotFound",
    "open_store",
]


def open_store(url: str, readings_retention_days: float = 0) -> LiveStore:
    """Engine + migrations (+ the readings partitions ahead, PostgreSQL); the one way the API
    and tools get a store."""
    engine = make_engine(url)
    upgrade(engine)
    partitions.ensure(engine, now_us())
    return LiveStore(engine, readings_retention_days)


class Repositories:
    """The work-order repositories bound to one database handle: the engine (each call its own
    transaction) or, inside :meth:`LiveStore.transaction`, one connection."""

    def __init__(self, db: Db) -> None:
        self.tickets = TicketRepository(db)
        self.technicians = TechnicianRepository(db)
        self.keys = KeyRepository(db)
        self.audit = AuditLog(db)
        self.scenarios = ScenarioRepository(db)
        self.patrols = PatrolRepository(db)
        self.maintenance = MaintenanceRepository(db)
        self.asset_overrides = AssetOverrideRepository(db)
        self.documents = DocumentRepository(db)
        self.spare_parts = SparePartRepository(db)
        self.locks = LockRepository(db)
        self.hazards = HazardRepository(db)
        self.alarm_inbox = AlarmInboxRepository(db)
        self.notifications = NotificationRepository(db)
        self.energy = EnergyRepository(db)


class LiveStore(Repositories):
    """Sensors, readings, alarms, dead letters and events on the facade; tickets, technicians,
    keys, audit and scenarios as repositories. Thread-safe (one engine, short transactions)."""

    def __init__(self, engine: Engine, readings_retention_days: float = 0) -> None:
        super().__init__(engine)
        self.engine = engine
        self.readings_retention_days = readings_retention_days
        self._sensors = SensorRepository(engine)
        self._readings = ReadingRepository(engine, self._sensors)
        self._alarms = AlarmRepository(engine, self._sensors)
        self._dead_letters = DeadLetterRepository(engine)
        #: PostgreSQL: the process's one LISTEN connection for event followers (started by the
        #: first follower).
        self._waker = Waker(engine) if engine.dialect.name == "postgresql" else None

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        if self._waker is not None:
            self._waker.close()
        self.engine.dispose()

    def ping(self) -> bool:
        """Whether the database answers right now (a failure is then the data's fault)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    @contextmanager
    def transaction(self) -> Iterator[Repositories]:
        """The work-order repositories bound to one transaction: committed when the block
        ends, rolled back (every call in it) when it raises."""
        with self.engine.begin() as conn:
            yield Repositories(conn)

    # ---- sensors -------------------------------------------------------------------------
    def register_sensors(self, specs: Iterable[SensorSpec]) -> int:
        """Insert or update sensors by id (idempotent); returns how many were given."""
        return self._sensors.register_many(specs)

    def register_sensor(self, spec: SensorSpec) -> SensorSpec:
        self._sensors.register_many([spec])
        return self._sensors.get(spec.id)

    def sensor(self, sensor_id: str) -> SensorSpec:
        return self._sensors.get(sensor_id)

    def sensors(
        self,
        *,
        space: str | None = None,
        storey: str | None = None,
        building: str | None = None,
        quantity: str | None = None,
    ) -> list[SensorSpec]:
        """Sensors with their latest value, filtered; ordered by id."""
        return self._sensors.list(space=space, storey=storey, building=building, quantity=quantity)

    def reload_sensors(self) -> None:
        """Reload the sensor cache now (after sensors were changed behind the store's back)."""
        self._sensors.cached(force=True)

    def latest(self, sensor_id: str) -> SensorSpec:
        """The sensor with ``last_t``/``last_value`` (None when it has no reading yet)."""
        return self._sensors.get(sensor_id)

    def latest_in(self, *, space: str | None = None, storey: str | None = None) -> list[SensorSpec]:
        """Latest value of every sensor in a space or on a storey."""
        return self._sensors.list(space=space, storey=storey)

    # ---- readings ------------------------------------------------------------------------
    def ingest(
        self, items: Sequence[Any], source: str = "http", *, actor: str | None = None
    ) -> IngestResult:
        """See :meth:`ReadingRepository.ingest`; a stale sweep piggy-backs on it (at most
        every few seconds)."""
        result = self._readings.ingest(items, source, actor=actor)
        self._alarms.maybe_sweep()
        return result

    def series(
        self, sensor_id: str, start_us: int, end_us: int, bucket_us: int
    ) -> list[dict[str, Any]]:
        """Min/mean/max/count per bucket (bucket start = t_us // bucket_us * bucket_us)."""
        return self._readings.series(sensor_id, start_us, end_us, bucket_us)

    def raw(self, sensor_id: str) -> list[tuple[int, float]]:
        """Every reading of a sensor in time order (tests and exports)."""
        return self._readings.raw(sensor_id)

    def maintain_readings(self, now: int | None = None) -> partitions.Maintenance:
        """PostgreSQL: partitions ahead, strays out of the default partition, the rollups
        caught up to their watermark, raw partitions older than the retention dropped (rollups
        kept); nothing on SQLite."""
        now = now_us() if now is None else now
        rollups.catch_up(self.engine, now)
        return partitions.maintain(self.engine, now, self.readings_retention_days)

    # ---- dead letters --------------------------------------------------------------------
    def dead_letters(
        self, *, reason: str | None = None, limit: int = 100
    ) -> tuple[int, list[DeadLetter]]:
        """(total count, newest first up to ``limit``)."""
        return self._dead_letters.list(reason=reason, limit=limit)

    def record_dead_letter(
        self, *, source: str, reason: str, detail: str, payload: str, sensor: str | None = None
    ) -> None:
        """Record one dead letter in its own transaction (a message refused as a whole)."""
        self._dead_letters.record(
            source=source, reason=reason, detail=detail, payload=payload, sensor=sensor
        )

    # ---- alarms --------------------------------------------------------------------------
    def add_rule(self, rule: AlarmRule) -> AlarmRule:
        """Store a rule (its ``id`` is ignored and assigned)."""
        return self._alarms.add_rule(rule)

    def rules(self) -> list[AlarmRule]:
        return self._alarms.rules()

    def alarms(
        self,
        *,
        state: str | None = None,
        building: str | None = None,
        storey: str | None = None,
        sensor: str | None = None,
        limit: int = 500,
    ) -> list[Alarm]:
        """Alarms newest first; ``state`` may be raised/acknowledged/cleared or ``active``."""
        return self._alarms.list(
            state=state, building=building, storey=storey, sensor=sensor, limit=limit
        )

    def alarm(self, alarm_id: int) -> Alarm:
        return self._alarms.get(alarm_id)

    def acknowledge(self, alarm_id: int, by: str) -> Alarm:
        """raised -> acknowledged (still active until the condition clears or someone clears)."""
        return self._alarms.acknowledge(alarm_id, by)

    def clear(self, alarm_id: int, by: str) -> Alarm:
        """Clear by hand (raised or acknowledged -> cleared)."""
        return self._alarms.clear(alarm_id, by)

    def sweep_stale(self, now: int | None = None) -> list[int]:
        """Raise stale alarms for sensors silent longer than their rule allows; returns ids."""
        return self._alarms.sweep_stale(now)

    def sync_condition_alarms(
        self, rule: str, kind: str, conditions: Iterable[Condition], now: int | None = None
    ) -> SyncResult:
        """One active alarm of ``rule`` per condition that holds; the others cleared."""
        return self._alarms.sync_conditions(rule, kind, conditions, now)

    # ---- events --------------------------------------------------------------------------
    def follow_events(
        self,
        after_id: int | Cursor | None,
        flt: EventFilter = EventFilter(),
        poll: float = POLL_SECONDS,
    ) -> AsyncIterator[Iterable[Event]]:
        """Batches of new events forever (the SSE stream), never skipping or repeating one under
        concurrent writers; ``after_id`` is a cursor, an event id or None (start at the end)."""
        return follow(self.engine, after_id, flt, poll, self._waker)
