"""Tables of the alarm inbox (issue 15): shelves, design suppressions, escalation rules,
notification channels, the notification outbox and its delivery log.

The ``alarms`` table itself stays where the ingest writes it (:mod:`twin.live.tables`); these
tables only add what an operator decides about alarms and what leaves the twin about them.
Times are epoch microseconds like the rest of the live store.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from twin.live.db import metadata
from twin.live.tables import alarms, events

__all__ = [
    "ALARM_EVENTS_INDEX",
    "ALARM_INBOX_TABLES",
    "INBOX_INDEX",
    "alarm_escalations",
    "alarm_shelves",
    "alarm_suppressions",
    "escalation_rules",
    "notification_attempts",
    "notification_channels",
    "notification_outbox",
]

_ID = BigInteger().with_variant(Integer(), "sqlite")

#: The inbox reads one building's alarms that are active or unacknowledged.
INBOX_INDEX = Index("ix_alarms_building_active", alarms.c.building, alarms.c.active)
#: The inbox's cache token: the newest alarm event (every alarm change publishes one).
ALARM_EVENTS_INDEX = Index("ix_events_type_id", events.c.type, events.c.id)

alarm_shelves = Table(
    "alarm_shelves",
    metadata,
    Column("alarm", BigInteger, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("shelved_by", String(128), nullable=False),
    Column("shelved_us", BigInteger, nullable=False),
    Column("until_us", BigInteger, nullable=False),
)

alarm_suppressions = Table(
    "alarm_suppressions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("target", String(64), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_us", BigInteger, nullable=False),
)

escalation_rules = Table(
    "escalation_rules",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("after_minutes", Integer, nullable=False),
    Column("level", Integer, nullable=False),
    Column("min_severity", String(16), nullable=False),
    Column("building", String(64)),
)

notification_channels = Table(
    "notification_channels",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # webhook | email
    Column("target", String(512), nullable=False),  # URL or e-mail address
    Column("secret", String(256), nullable=False, default=""),
    Column("level", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
)

#: One row per (alarm, escalation level) reached: an alarm escalates once per level.
alarm_escalations = Table(
    "alarm_escalations",
    metadata,
    Column("alarm", BigInteger, nullable=False),
    Column("level", Integer, nullable=False),
    Column("rule", BigInteger, nullable=False),
    Column("t_us", BigInteger, nullable=False),
    UniqueConstraint("alarm", "level", name="uq_alarm_escalations"),
)

notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("key", String(128), nullable=False),
    Column("channel", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_us", BigInteger, nullable=False),
    Column("delivered_us", BigInteger),
    Column("last_error", Text, nullable=False, default=""),
    UniqueConstraint("key", "channel", name="uq_notification_outbox_key"),
    Index("ix_notification_outbox_due", "delivered_us", "next_us"),
)

notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("outbox", BigInteger, nullable=False, index=True),
    Column("t_us", BigInteger, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status", Integer),
    Column("error", Text, nullable=False, default=""),
)

#: Tables revision ``0005_alarm_inbox`` creates (also what the tests wipe).
ALARM_INBOX_TABLES: tuple[str, ...] = (
    "alarm_shelves",
    "alarm_suppressions",
    "escalation_rules",
    "notification_channels",
    "alarm_escalations",
    "notification_outbox",
    "notification_attempts",
)
