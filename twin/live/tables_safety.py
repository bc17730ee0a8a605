"""Safety tables (lock-out of work orders, the hazard ledger) on the shared live ``metadata``.

Times are integer epoch microseconds like the rest of the live store; lists (linked tickets,
a hazard's transitions) are rows of their own so SQLite and PostgreSQL share one schema.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from twin.live import tables_ops as _tables_ops  # noqa: F401  (tickets, for the keys)
from twin.live.db import metadata

__all__ = [
    "SAFETY_TABLES",
    "hazard_tickets",
    "hazard_transitions",
    "hazards",
    "lockout_restorations",
    "ticket_locks",
]

_ID = BigInteger().with_variant(Integer(), "sqlite")

ticket_locks = Table(
    "ticket_locks",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("ticket", BigInteger, ForeignKey("tickets.id"), nullable=False),
    Column("point", String(64), nullable=False),  # GlobalId of the valve/breaker/damper
    Column("point_name", String(200), nullable=False, default=""),
    Column("key_tag", String(100), nullable=False),
    Column("locked_by", String(100), nullable=False),
    Column("locked_at", BigInteger, nullable=False),
    Column("released_by", String(100)),
    Column("released_at", BigInteger),
    Column("note", Text, nullable=False, default=""),
    Index("ix_ticket_locks_ticket", "ticket"),
)

lockout_restorations = Table(
    "lockout_restorations",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("ticket", BigInteger, ForeignKey("tickets.id"), nullable=False),
    Column("restored_by", String(100), nullable=False),
    Column("restored_at", BigInteger, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Index("ix_lockout_restorations_ticket", "ticket"),
)

hazards = Table(
    "hazards",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("location", String(64), nullable=False),  # room or element GlobalId
    Column("space", String(64)),
    Column("storey", String(64)),
    Column("building", String(64)),
    Column("category", String(20), nullable=False),
    Column("risk", String(20), nullable=False),
    Column("description", Text, nullable=False),
    Column("found_by", String(100), nullable=False),
    Column("found_at", BigInteger, nullable=False),
    Column("owner", String(100)),
    Column("deadline", BigInteger),
    Column("status", String(30), nullable=False),
    Column("approver", String(100)),
    Column("updated", BigInteger, nullable=False),
    Index("ix_hazards_building", "building"),
    Index("ix_hazards_status", "status"),
)

hazard_transitions = Table(
    "hazard_transitions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("hazard", BigInteger, ForeignKey("hazards.id"), nullable=False),
    Column("from_status", String(30)),
    Column("to_status", String(30), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("t", BigInteger, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Index("ix_hazard_transitions_hazard", "hazard"),
)

hazard_tickets = Table(
    "hazard_tickets",
    metadata,
    Column("hazard", BigInteger, ForeignKey("hazards.id"), primary_key=True),
    Column("ticket", BigInteger, ForeignKey("tickets.id"), primary_key=True),
)

#: Creation order (foreign keys first); the 0006 migration creates exactly these.
SAFETY_TABLES: tuple[str, ...] = (
    "ticket_locks",
    "lockout_restorations",
    "hazards",
    "hazard_transitions",
    "hazard_tickets",
)
