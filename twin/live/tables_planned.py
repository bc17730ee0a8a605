"""Planned-work tables: patrol templates, rounds and check-ins; PM plans, orders, certificates.

Times are epoch microseconds like the rest of the live store, due dates ISO ``YYYY-MM-DD``
strings (a date, not an instant); checklists and orders are JSON text so SQLite and PostgreSQL
share one schema. Two unique constraints make generation idempotent: one round per template and
start, one PM order per plan, element and due date.
"""

from __future__ import annotations

from sqlalchemy import (
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
    "PLANNED_TABLES",
    "certificates",
    "patrol_checkins",
    "patrol_rounds",
    "patrol_templates",
    "pm_orders",
    "pm_plans",
]

_ID = BigInteger().with_variant(Integer(), "sqlite")

patrol_templates = Table(
    "patrol_templates",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("building", String(64)),
    Column("schedule", String(100), nullable=False),
    Column("window_minutes", Integer, nullable=False),
    Column("team", Text, nullable=False),  # JSON list of technician ids
    Column("checkpoints", Text, nullable=False),  # JSON list of {code, place, label, items}
    Column("created", BigInteger, nullable=False),
    Column("created_by", String(100), nullable=False),
)

patrol_rounds = Table(
    "patrol_rounds",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("template", BigInteger, ForeignKey("patrol_templates.id"), nullable=False),
    Column("due_start", BigInteger, nullable=False),
    Column("due_end", BigInteger, nullable=False),
    Column("planned", Text, nullable=False),  # JSON list of checkpoint indexes, visiting order
    Column("planned_s", Integer),  # the planner's travel time estimate
    Column("created", BigInteger, nullable=False),
    UniqueConstraint("template", "due_start", name="uq_patrol_rounds_template_start"),
    Index("ix_patrol_rounds_due_start", "due_start"),
)

patrol_checkins = Table(
    "patrol_checkins",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("round", BigInteger, ForeignKey("patrol_rounds.id"), nullable=False),
    Column("checkpoint", Integer, nullable=False),
    Column("t", BigInteger, nullable=False),
    Column("technician", String(64), nullable=False),
    Column("answers", Text, nullable=False),
    Column("flags", Text, nullable=False),
    Column("abnormal", Text, nullable=False),
    Column("ticket", BigInteger),
    Column("hazard", BigInteger),  # the hazard an abnormal answer recorded (revision 0014)
    Index("ix_patrol_checkins_round", "round"),
)

pm_plans = Table(
    "pm_plans",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("element", String(64)),  # one element, or
    Column("ifc_class", String(64)),  # every element of this IFC class, or
    Column("kind", String(64)),  # every element of this twin kind
    Column("interval", String(40), nullable=False),
    Column("floating", Boolean, nullable=False),
    Column("anchor", String(10), nullable=False),
    Column("lead_days", Integer, nullable=False),
    Column("checklist", Text, nullable=False),
    Column("skill", String(30)),
    Column("inspection", Boolean, nullable=False),  # statutory: completion records a certificate
    Column("counter_sensor", String(64)),  # counter-based: a cumulative sensor (running hours)
    Column("counter_every", Float),  # … due each time it advances this much
    Column("created", BigInteger, nullable=False),
    Column("created_by", String(100), nullable=False),
)

pm_orders = Table(
    "pm_orders",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("plan", BigInteger, ForeignKey("pm_plans.id"), nullable=False),
    Column("element", String(64), nullable=False),
    Column("due", String(10), nullable=False),
    Column("ticket", BigInteger),
    Column("created", BigInteger, nullable=False),
    Column("completed", BigInteger),
    Column("results", Text),
    Column("follow_up", BigInteger),
    Column(
        "counter", Float
    ),  # the counter sensor's value at completion  # ticket opened by a failed checklist item
    UniqueConstraint("plan", "element", "due", name="uq_pm_orders_plan_element_due"),
    Index("ix_pm_orders_due", "due"),
)

certificates = Table(
    "certificates",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("element", String(64), nullable=False),
    Column("number", String(100), nullable=False),
    Column("issuer", String(200), nullable=False),
    Column("issued", String(10), nullable=False),
    Column("valid_until", String(10), nullable=False),
    Column("pm_order", BigInteger, ForeignKey("pm_orders.id")),
    Column("created", BigInteger, nullable=False),
    Column("created_by", String(100), nullable=False),
    Index("ix_certificates_valid_until", "valid_until"),
)

#: Creation order (foreign keys first); the 0009 migration creates exactly these.
PLANNED_TABLES: tuple[str, ...] = (
    "patrol_templates",
    "patrol_rounds",
    "patrol_checkins",
    "pm_plans",
    "pm_orders",
    "certificates",
)
