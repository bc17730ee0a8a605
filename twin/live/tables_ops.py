"""Operations tables (work orders, technicians, API keys, audit) on the shared live ``metadata``.

Times are integer epoch microseconds like the rest of the live store; JSON payloads (routes,
audit details, skills) are stored as text so SQLite and PostgreSQL share one schema.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from twin.live.db import metadata

__all__ = [
    "OPS_TABLES",
    "api_keys",
    "audit",
    "technician_positions",
    "technicians",
    "ticket_transitions",
    "tickets",
]

_ID = BigInteger().with_variant(Integer(), "sqlite")

tickets = Table(
    "tickets",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("priority", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("element", String(64)),
    Column("space", String(64)),
    Column("storey", String(64)),
    Column("building", String(64)),
    Column("skill", String(30)),
    Column("alarm", BigInteger),
    Column("technician", String(64)),
    Column("responded", BigInteger),
    Column("arrived", BigInteger),
    Column("resolved", BigInteger),
    Column("closed", BigInteger),
    Column("route", Text),
    Column("requester", String(200)),  # who asked for the work (field data, issue 15)
    Column("contact", String(200)),  # how to reach them
    Column("closing_note", Text),  # what was done, written when resolving or closing
    Column("rating", Integer),  # the requester's 1..5 rating of the closed work
    Index("ix_tickets_status", "status"),
    Index("ix_tickets_technician", "technician"),
)

ticket_transitions = Table(
    "ticket_transitions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("ticket", BigInteger, ForeignKey("tickets.id"), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("t", BigInteger, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Index("ix_ticket_transitions_ticket", "ticket"),
)

technicians = Table(
    "technicians",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("skills", Text, nullable=False),
    Column("shift", String(20), nullable=False),
    Column("space", String(64)),
    Column("storey", String(64)),
    Column("building", String(64)),
    Column("x", Float),
    Column("y", Float),
    Column("z", Float),
    Column("updated", BigInteger),
)

technician_positions = Table(
    "technician_positions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("technician", String(64), ForeignKey("technicians.id"), nullable=False),
    Column("t", BigInteger, nullable=False),
    Column("space", String(64)),
    Column("storey", String(64)),
    Column("building", String(64)),
    Column("x", Float),
    Column("y", Float),
    Column("z", Float),
    Index("ix_technician_positions_technician", "technician"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("role", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("technician", String(64)),
    Column("created", BigInteger, nullable=False),
    Column("revoked", BigInteger),
)

audit = Table(
    "audit",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("t", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target", String(200), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_audit_t", "t"),
)

#: Creation order (foreign keys first); the 0002 migration creates exactly these.
OPS_TABLES: tuple[str, ...] = (
    "tickets",
    "ticket_transitions",
    "technicians",
    "technician_positions",
    "api_keys",
    "audit",
)
