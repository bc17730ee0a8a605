"""Tables for sensors, readings, dead letters, alarm rules, alarms and events.

Declared with SQLAlchemy Core on the shared :data:`twin.live.db.metadata`, portable between
SQLite and PostgreSQL. Times are integer epoch microseconds (exact idempotence key on
``(sensor, t_us)``, cheap bucketing by integer division). ``latest`` keeps one row per sensor so
"latest per sensor/space/storey" never scans the readings.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from twin.live.db import metadata

__all__ = [
    "READINGS_TABLES",
    "alarm_rules",
    "alarms",
    "dead_letters",
    "events",
    "latest",
    "readings",
    "sensors",
]

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")

sensors = Table(
    "sensors",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("quantity", String(64), nullable=False, index=True),
    Column("unit", String(32), nullable=False),
    Column("element", String(64)),
    Column("space", String(64), index=True),
    Column("storey", String(64), index=True),
    Column("building", String(64)),
    Column("host", String(64)),
    Column("name", Text, nullable=False, default=""),
    Column("lower", Float),
    Column("upper", Float),
    Column("criticality", String(32), nullable=False, default="normal"),
    Column("px", Float),
    Column("py", Float),
    Column("pz", Float),
    Column("source", String(16), nullable=False, default="api"),
    Column("created_us", BigInteger, nullable=False),
)

readings = Table(
    "readings",
    metadata,
    Column("sensor", String(64), ForeignKey("sensors.id", ondelete="CASCADE"), nullable=False),
    Column("t_us", BigInteger, nullable=False),
    Column("value", Float, nullable=False),
    UniqueConstraint("sensor", "t_us", name="uq_readings_sensor_t"),
)

latest = Table(
    "latest",
    metadata,
    Column("sensor", String(64), ForeignKey("sensors.id", ondelete="CASCADE"), primary_key=True),
    Column("t_us", BigInteger, nullable=False),
    Column("value", Float, nullable=False),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("received_us", BigInteger, nullable=False, index=True),
    Column("source", String(16), nullable=False),
    Column("sensor", String(64)),
    Column("reason", String(32), nullable=False, index=True),
    Column("detail", Text, nullable=False, default=""),
    Column("payload", Text, nullable=False, default=""),
)

alarm_rules = Table(
    "alarm_rules",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("sensor", String(64), ForeignKey("sensors.id", ondelete="CASCADE"), index=True),
    Column("quantity", String(64), index=True),
    Column("threshold", Float),
    Column("hysteresis", Float, nullable=False, default=0.0),
    Column("rate_per_min", Float),
    Column("stale_minutes", Float),
    Column("severity", String(16), nullable=False, default="major"),
    Column("auto_ticket", Boolean, nullable=False, default=False),
    Column("ticket_priority", String(16), nullable=False, default="urgent"),
    Column("name", Text, nullable=False, default=""),
    Column("enabled", Boolean, nullable=False, default=True),
)

alarms = Table(
    "alarms",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("sensor", String(64), nullable=False),
    Column("rule", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("value", Float),
    Column("threshold", Float),
    Column("message", Text, nullable=False, default=""),
    Column("element", String(64)),
    Column("space", String(64)),
    Column("storey", String(64)),
    Column("building", String(64)),
    Column("criticality", String(32), nullable=False, default="normal"),
    Column("raised_us", BigInteger, nullable=False),
    Column("acknowledged_us", BigInteger),
    Column("acknowledged_by", String(128)),
    Column("cleared_us", BigInteger),
    Column("ticket", BigInteger),
    Index("ix_alarms_sensor_rule_active", "sensor", "rule", "active"),
    Index("ix_alarms_state", "state"),
)

events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("t_us", BigInteger, nullable=False),
    Column("type", String(16), nullable=False),
    Column("building", String(64)),
    Column("storey", String(64)),
    Column("payload", JSON, nullable=False),
)

#: Names of the tables revision ``0001_readings`` creates.
READINGS_TABLES: tuple[str, ...] = (
    "sensors",
    "readings",
    "latest",
    "dead_letters",
    "alarm_rules",
    "alarms",
    "events",
)
