"""Technicians: skills, shift status and current position (a space or a point), with history.

``busy_with`` is derived, not stored: the open ticket assigned to the technician, if any, so it
can never disagree with the tickets table. :class:`TechnicianRepository` is ``store.technicians``
(or bound to a connection inside ``store.transaction()``).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, select

from twin.errors import InvalidInput, NotFound
from twin.live import audit
from twin.live.db import now_us
from twin.live.records import Technician, from_us
from twin.live.tables_ops import technician_positions, technicians, tickets
from twin.live.tickets import OPEN_STATES, place_of, publish
from twin.live.txn import Db, transaction
from twin.model import Twin

__all__ = ["SHIFTS", "SKILLS", "TechnicianRepository"]

SKILLS: frozenset[str] = frozenset(
    {"electrical", "plumbing", "hvac", "medical_gas", "lifts", "general"}
)
SHIFTS: tuple[str, ...] = ("on_shift", "off_shift", "on_break")


def _busy(conn: Connection) -> dict[str, int]:
    q = select(tickets.c.technician, tickets.c.id).where(
        tickets.c.status.in_(sorted(OPEN_STATES - {"new"})), tickets.c.technician.is_not(None)
    )
    return {r.technician: r.id for r in conn.execute(q.order_by(tickets.c.id))}


def _row(r: Row[Any], busy: dict[str, int]) -> Technician:
    pos = (r.x, r.y, r.z) if r.x is not None else None
    return Technician(
        id=r.id, name=r.name, skills=tuple(json.loads(r.skills)), shift=r.shift, space=r.space,
        storey=r.storey, building=r.building, position=pos, updated=from_us(r.updated),
        busy_with=busy.get(r.id),
    )  # fmt: skip


def _check_skills(skills: Iterable[str]) -> list[str]:
    out = sorted(set(skills))
    bad = [s for s in out if s not in SKILLS]
    if bad or not out:
        raise InvalidInput(f"skills must be from {', '.join(sorted(SKILLS))}", skills=bad)
    return out


class TechnicianRepository:
    """Technicians and their position history (tables ``technicians``,
    ``technician_positions``)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    def register(
        self,
        technician_id: str,
        *,
        name: str,
        skills: Iterable[str],
        actor: str,
        shift: str = "on_shift",
    ) -> Technician:
        """Create or update (name, skills, shift) a technician; position is kept."""
        sk = _check_skills(skills)
        if shift not in SHIFTS:
            raise InvalidInput(f"shift must be one of {', '.join(SHIFTS)}", shift=shift)
        with transaction(self._db) as conn:
            values = {"name": name, "skills": json.dumps(sk), "shift": shift, "updated": now_us()}
            q = select(technicians.c.id).where(technicians.c.id == technician_id)
            if conn.execute(q).first() is None:
                conn.execute(technicians.insert().values(id=technician_id, **values))
                action = "technician.create"
            else:
                conn.execute(
                    technicians.update().where(technicians.c.id == technician_id).values(**values)
                )
                action = "technician.update"
            audit.record(
                conn, actor, action, f"technician:{technician_id}", {"skills": sk, "shift": shift}
            )
            tech = TechnicianRepository(conn).get(technician_id)
            publish(conn, "technician", None, building=tech.building, storey=tech.storey,
                    id=tech.id, shift=tech.shift, change=action)  # fmt: skip
        return tech

    def get(self, technician_id: str) -> Technician:
        with transaction(self._db) as conn:
            q = select(technicians).where(technicians.c.id == technician_id)
            r = conn.execute(q).first()
            if r is None:
                raise NotFound(f"no technician {technician_id!r}", technician=technician_id)
            return _row(r, _busy(conn))

    def list(
        self,
        *,
        skill: str | None = None,
        available: bool = True,
        building: str | None = None,
        shift: str | None = None,
    ) -> list[Technician]:
        """Technicians by id; ``available`` (the default, for dispatch) keeps only those on
        shift and not busy with an open ticket; pass ``available=False`` for everyone."""
        with transaction(self._db) as conn:
            busy = _busy(conn)
            rows = conn.execute(select(technicians).order_by(technicians.c.id))
            out = [_row(r, busy) for r in rows]
        if skill:
            out = [t for t in out if skill in t.skills]
        if available:
            out = [t for t in out if t.shift == "on_shift" and t.busy_with is None]
        if building:
            out = [t for t in out if t.building == building]
        if shift:
            out = [t for t in out if t.shift == shift]
        return out

    def set_shift(self, technician_id: str, shift: str, actor: str) -> Technician:
        if shift not in SHIFTS:
            raise InvalidInput(f"shift must be one of {', '.join(SHIFTS)}", shift=shift)
        with transaction(self._db) as conn:
            repo = TechnicianRepository(conn)
            repo.get(technician_id)
            conn.execute(
                technicians.update()
                .where(technicians.c.id == technician_id)
                .values(shift=shift, updated=now_us())
            )
            audit.record(
                conn, actor, "technician.shift", f"technician:{technician_id}", {"shift": shift}
            )
            tech = repo.get(technician_id)
            publish(conn, "technician", None, building=tech.building, storey=tech.storey,
                    id=tech.id, shift=shift, change="shift")  # fmt: skip
        return tech

    def set_position(
        self,
        technician_id: str,
        actor: str,
        *,
        space: str | None = None,
        point: tuple[float, float, float] | None = None,
        storey: str | None = None,
        building: str | None = None,
        twin: Twin | None = None,
    ) -> Technician:
        """Where the technician is: a space GlobalId and/or an xyz point (storey given or from
        the space); storey and building are resolved from ``twin`` when it is given."""
        if space is None and point is None:
            raise InvalidInput("a position needs a space or a point")
        if twin is not None and space:
            storey, building = place_of(twin, None, space)
        elif twin is not None and storey:
            building = twin.storey(storey).building
        x, y, z = point if point is not None else (None, None, None)
        t = now_us()
        loc = {"space": space, "storey": storey, "building": building, "x": x, "y": y, "z": z}
        with transaction(self._db) as conn:
            repo = TechnicianRepository(conn)
            repo.get(technician_id)
            conn.execute(
                technicians.update()
                .where(technicians.c.id == technician_id)
                .values(updated=t, **loc)
            )
            conn.execute(technician_positions.insert().values(technician=technician_id, t=t, **loc))
            audit.record(conn, actor, "technician.position", f"technician:{technician_id}", loc)
            tech = repo.get(technician_id)
            publish(conn, "technician", None, building=building, storey=storey, id=tech.id,
                    space=space, position=list(point) if point else None,
                    change="position")  # fmt: skip
        return tech

    def position_history(
        self, technician_id: str, limit: int = 100
    ) -> builtins.list[dict[str, Any]]:
        """Newest first: ``{"t", "space", "storey", "building", "position"}``."""
        q = (
            select(technician_positions)
            .where(technician_positions.c.technician == technician_id)
            .order_by(technician_positions.c.id.desc())
            .limit(limit)
        )
        with transaction(self._db) as conn:
            return [
                {"t": from_us(r._mapping["t"]), "space": r.space, "storey": r.storey,
                 "building": r.building, "position": (r.x, r.y, r.z) if r.x is not None else None}
                for r in conn.execute(q)
            ]  # fmt: skip
