"""Spare-parts stock with consumption on work orders and a low-stock alarm.

Stock changes only through movements (received, consumed on a ticket, counted): each is a row
and an audit entry, so the quantity on hand is its history's sum. When a movement leaves a
part at or below its minimum, a low-stock alarm is raised in the ordinary alarm table (sensor
``part:<sku>``, rule ``low_stock``), so it reaches the same inbox, events and acknowledgement as
every other alarm; receiving stock above the minimum clears it. Stock never goes negative: a
consumption of more than is on hand is refused (409), since the shelf cannot hold less than
nothing and the count must be corrected first.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from twin.errors import Conflict, InvalidInput, NotFound
from twin.live import audit
from twin.live.alarms import alarm_json, row_to_alarm
from twin.live.db import now_us
from twin.live.events import publish
from twin.live.records import from_us
from twin.live.tables import alarms
from twin.live.tables_spare_parts import part_movements, spare_parts
from twin.live.txn import Db, transaction

__all__ = ["LOW_STOCK_RULE", "MOVE_REASONS", "PartMovement", "SparePart", "SparePartRepository"]

LOW_STOCK_RULE = "low_stock"
#: receive: delta > 0; consume: delta < 0 (on a ticket where known); count: any sign.
MOVE_REASONS: tuple[str, ...] = ("receive", "consume", "count")


@dataclass(frozen=True, slots=True)
class SparePart:
    sku: str
    name: str
    unit: str
    quantity: float
    min_quantity: float
    location: str
    updated: datetime | None
    low: bool  # at or below the minimum


@dataclass(frozen=True, slots=True)
class PartMovement:
    id: int
    sku: str
    delta: float
    reason: str
    ticket: int | None
    actor: str
    t: datetime | None
    note: str


def _part(r: Row[Any]) -> SparePart:
    return SparePart(
        sku=r.sku, name=r.name, unit=r.unit, quantity=r.quantity, min_quantity=r.min_quantity,
        location=r.location, updated=from_us(r.updated), low=r.quantity <= r.min_quantity,
    )  # fmt: skip


def _sensor(sku: str) -> str:
    return f"part:{sku}"[:64]


def _low_stock_alarm(conn: Connection, part: SparePart, t: int) -> None:
    """Raise the part's low-stock alarm when at or below the minimum, clear it when above."""
    q = select(alarms.c.id).where(
        (alarms.c.sensor == _sensor(part.sku))
        & (alarms.c.rule == LOW_STOCK_RULE)
        & alarms.c.active.is_(True)
    )
    active = conn.execute(q).scalar()
    if part.low and active is None:
        values = {
            "sensor": _sensor(part.sku), "rule": LOW_STOCK_RULE, "kind": "below",
            "state": "raised", "active": True, "severity": "minor", "value": part.quantity,
            "threshold": part.min_quantity, "criticality": "normal", "raised_us": t,
            "message": f"{part.name}: {part.quantity:g} {part.unit} left "
            f"(minimum {part.min_quantity:g})",
        }  # fmt: skip
        row = conn.execute(insert(alarms).values(**values).returning(*alarms.c)).one()
    elif not part.low and active is not None:
        row = conn.execute(
            update(alarms).where(alarms.c.id == active)
            .values(state="cleared", active=False, cleared_us=t).returning(*alarms.c)
        ).one()  # fmt: skip
    else:
        return
    a = row_to_alarm(row)
    change = "cleared" if a.state == "cleared" else "raised"
    publish(conn, "alarm", building=None, storey=None, payload={"change": change, **alarm_json(a)})


class SparePartRepository:
    """Parts and their movements (tables ``spare_parts``, ``part_movements``)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def define(
        self,
        sku: str,
        *,
        name: str,
        unit: str,
        min_quantity: float,
        actor: str,
        location: str = "",
    ) -> SparePart:
        """Create a part (stock 0) or update its name, unit, minimum and location."""
        if min_quantity < 0:
            raise InvalidInput("min_quantity must be 0 or more", min_quantity=min_quantity)
        with transaction(self._db) as conn:
            values = {"name": name, "unit": unit, "min_quantity": min_quantity,
                      "location": location, "updated": now_us()}  # fmt: skip
            found = conn.execute(select(spare_parts.c.id).where(spare_parts.c.sku == sku)).first()
            if found is None:
                conn.execute(spare_parts.insert().values(sku=sku, quantity=0.0, **values))
                action = "part.create"
            else:
                conn.execute(update(spare_parts).where(spare_parts.c.sku == sku).values(**values))
                action = "part.update"
            audit.record(conn, actor, action, f"part:{sku}", values)
            part = SparePartRepository(conn).get(sku)
            _low_stock_alarm(conn, part, now_us())
        return part

    def get(self, sku: str) -> SparePart:
        with transaction(self._db) as conn:
            r = conn.execute(select(spare_parts).where(spare_parts.c.sku == sku)).first()
        if r is None:
            raise NotFound(f"no spare part {sku!r}", sku=sku)
        return _part(r)

    def list(self, *, low: bool = False) -> builtins.list[SparePart]:
        """Parts by SKU; ``low`` keeps those at or below their minimum."""
        with transaction(self._db) as conn:
            rows = conn.execute(select(spare_parts).order_by(spare_parts.c.sku))
            out = [_part(r) for r in rows]
        return [p for p in out if p.low] if low else out

    def move(
        self,
        sku: str,
        delta: float,
        *,
        reason: str,
        actor: str,
        ticket: int | None = None,
        note: str = "",
    ) -> SparePart:
        """Record one movement and apply it; checks the sign against the reason, refuses a
        negative stock (409), raises or clears the low-stock alarm in the same transaction."""
        if reason not in MOVE_REASONS:
            raise InvalidInput(f"reason must be one of {', '.join(MOVE_REASONS)}", reason=reason)
        if delta == 0 or (reason == "receive" and delta < 0) or (reason == "consume" and delta > 0):
            raise InvalidInput("receive adds (delta > 0), consume takes (delta < 0)", delta=delta)
        t = now_us()
        with transaction(self._db) as conn:
            row = conn.execute(
                select(spare_parts).where(spare_parts.c.sku == sku).with_for_update()
            ).first()
            if row is None:
                raise NotFound(f"no spare part {sku!r}", sku=sku)
            after = row.quantity + delta
            if after < 0:
                raise Conflict(
                    f"{sku}: {row.quantity:g} {row.unit} on hand, cannot take {-delta:g}",
                    sku=sku, on_hand=row.quantity,
                )  # fmt: skip
            conn.execute(
                update(spare_parts)
                .where(spare_parts.c.id == row.id)
                .values(quantity=after, updated=t)
            )
            conn.execute(
                part_movements.insert().values(
                    part=row.id, delta=delta, reason=reason, ticket=ticket, actor=actor, t=t,
                    note=note,
                )
            )  # fmt: skip
            audit.record(conn, actor, f"part.{reason}", f"part:{sku}",
                         {"delta": delta, "quantity": after, "ticket": ticket})  # fmt: skip
            part = SparePartRepository(conn).get(sku)
            _low_stock_alarm(conn, part, t)
        return part

    def movements(
        self, *, sku: str | None = None, ticket: int | None = None
    ) -> builtins.list[PartMovement]:
        """Movements oldest first, of one part and/or one ticket (parts used on a work order)."""
        q = select(part_movements, spare_parts.c.sku).join(
            spare_parts, spare_parts.c.id == part_movements.c.part
        )
        if sku is not None:
            q = q.where(spare_parts.c.sku == sku)
        if ticket is not None:
            q = q.where(part_movements.c.ticket == ticket)
        with transaction(self._db) as conn:
            rows = conn.execute(q.order_by(part_movements.c.id)).all()
        return [
            PartMovement(
                id=r.id,
                sku=r.sku,
                delta=r.delta,
                reason=r.reason,
                ticket=r.ticket,
                actor=r.actor,
                t=from_us(r._mapping["t"]),
                note=r.note,
            )
            for r in rows
        ]
