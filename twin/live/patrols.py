"""Patrol round templates, generated rounds and check-ins (``store.patrols``).

The visiting order of a round comes from the patrol planner through the service layer (the
repository never sees the campus); the repository stores it, judges each check-in with
:mod:`twin.planning.rounds` (flags, abnormal answers) and opens a ticket for an abnormal answer
in the same transaction. Rounds are unique per template and start, so generating twice is
harmless.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, insert, select

from twin.errors import InvalidInput, NotFound
from twin.live import audit
from twin.live.db import now_us
from twin.live.hazards import CATEGORIES, RISKS, HazardRepository
from twin.live.tables_ops import technicians
from twin.live.tables_planned import patrol_checkins, patrol_rounds, patrol_templates
from twin.live.tickets import TicketRepository
from twin.live.txn import Db, transaction
from twin.planning.rounds import abnormal, flags_for, parse_items
from twin.planning.schedule import parse_schedule, round_starts, week_of

__all__ = [
    "CheckIn",
    "PatrolRepository",
    "PatrolRound",
    "PatrolTemplate",
    "Planner",
    "RoundReport",
    "report_of",
]


class TemplateNotFound(NotFound):
    slug = "patrol-template-not-found"
    title = "Patrol template not found"


class RoundNotFound(NotFound):
    slug = "patrol-round-not-found"
    title = "Patrol round not found"


class CheckpointNotFound(NotFound):
    slug = "checkpoint-not-found"
    title = "No checkpoint with this code in the round"


@dataclass(frozen=True, slots=True)
class PatrolTemplate:
    id: int
    name: str
    building: str | None
    schedule: str
    window_minutes: int
    team: tuple[str, ...]
    checkpoints: tuple[Mapping[str, Any], ...]  # {code, place, label, items}


@dataclass(frozen=True, slots=True)
class PatrolRound:
    id: int
    template: int
    due_start: datetime
    due_end: datetime
    planned: tuple[int, ...]
    planned_s: int | None


@dataclass(frozen=True, slots=True)
class CheckIn:
    id: int
    round: int
    checkpoint: int
    t: datetime
    technician: str
    answers: Mapping[str, Any]
    flags: tuple[str, ...]
    abnormal: tuple[str, ...]
    ticket: int | None
    hazard: int | None = None


@dataclass(frozen=True, slots=True)
class RoundReport:
    round: PatrolRound
    status: str  # scheduled | in_progress | done | late | missed
    checked: tuple[int, ...]
    missed: tuple[int, ...]  # checkpoints without a check-in once the window closed
    flagged: int


def _dt(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1e6, UTC)


def _us(d: datetime) -> int:
    return int(d.timestamp() * 1_000_000)


def _tpl(r: Row[Any]) -> PatrolTemplate:
    return PatrolTemplate(
        r.id, r.name, r.building, r.schedule, r.window_minutes, tuple(json.loads(r.team)),
        tuple(json.loads(r.checkpoints)),
    )  # fmt: skip


def _round(r: Row[Any]) -> PatrolRound:
    return PatrolRound(
        r.id, r.template, _dt(r.due_start), _dt(r.due_end), tuple(json.loads(r.planned)),
        r.planned_s,
    )  # fmt: skip


def _checkin(r: Row[Any]) -> CheckIn:
    return CheckIn(
        r.id, r.round, r.checkpoint, _dt(r._mapping["t"]), r.technician, json.loads(r.answers),
        tuple(json.loads(r.flags)), tuple(json.loads(r.abnormal)), r.ticket, r.hazard,
    )  # fmt: skip


def _hazard_of(item: Mapping[str, Any]) -> dict[str, str] | None:
    """An item's ``hazard`` (what an abnormal answer records): category and risk checked
    against the hazard ledger's vocabularies (422 otherwise); None when it opens a ticket."""
    h = item.get("hazard")
    if not h:
        return None
    if not isinstance(h, Mapping):
        raise InvalidInput("an item's hazard is {category, risk}")
    out = {"category": str(h.get("category", "other")), "risk": str(h.get("risk", "medium"))}
    if out["category"] not in CATEGORIES or out["risk"] not in RISKS:
        raise InvalidInput(
            f"hazard category one of {', '.join(CATEGORIES)}, risk one of {', '.join(RISKS)}",
            item=str(item.get("key", "")),
        )
    return out


#: Places the planner orders by: (checkpoint places) -> (order of indexes, travel seconds).
Planner = Callable[[Sequence[str]], tuple[list[int], float | None]]


class PatrolRepository:
    """Tables ``patrol_templates``, ``patrol_rounds``, ``patrol_checkins``."""

    def __init__(self, db: Db) -> None:
        self._db = db

    # ---- templates -----------------------------------------------------------------------
    def create_template(
        self,
        *,
        name: str,
        schedule: str,
        checkpoints: Sequence[Mapping[str, Any]],
        actor: str,
        building: str | None = None,
        window_minutes: int = 120,
        team: Sequence[str] = (),
    ) -> PatrolTemplate:
        """A template; each checkpoint gets a random code (what its QR label carries)."""
        parse_schedule(schedule)
        if not name.strip():
            raise InvalidInput("a patrol template needs a name")
        if not checkpoints:
            raise InvalidInput("a patrol template needs at least one checkpoint")
        if not 5 <= window_minutes <= 24 * 60:
            raise InvalidInput("window_minutes is between 5 and 1440", window=window_minutes)
        points = []
        for cp in checkpoints:
            place = str(cp.get("place", "")).strip()
            if not place:
                raise InvalidInput("every checkpoint names a room or element GlobalId")
            items = parse_items(cp.get("items", ()))
            hazards = {str(r.get("key", "")).strip(): _hazard_of(r) for r in cp.get("items", ())}
            points.append({
                "code": secrets.token_hex(5), "place": place, "label": str(cp.get("label", "")),
                "items": [
                    {"key": i.key, "kind": i.kind, "label": i.label, "expect": i.expect,
                     "min": i.min, "max": i.max, "hazard": hazards.get(i.key)} for i in items
                ],
            })  # fmt: skip
        with transaction(self._db) as conn:
            tid = conn.execute(
                insert(patrol_templates).values(
                    name=name, building=building, schedule=schedule,
                    window_minutes=window_minutes, team=json.dumps(list(team)),
                    checkpoints=json.dumps(points), created=now_us(), created_by=actor,
                ).returning(patrol_templates.c.id)
            ).scalar_one()  # fmt: skip
            audit.record(conn, actor, "patrol.template.create", f"patrol-template:{tid}",
                         {"name": name, "checkpoints": len(points)})  # fmt: skip
        return self.template(int(tid))

    def template(self, template_id: int) -> PatrolTemplate:
        with transaction(self._db) as conn:
            q = select(patrol_templates).where(patrol_templates.c.id == template_id)
            r = conn.execute(q).first()
        if r is None:
            raise TemplateNotFound(f"no patrol template {template_id}", template=template_id)
        return _tpl(r)

    def templates(self) -> list[PatrolTemplate]:
        with transaction(self._db) as conn:
            q = select(patrol_templates).order_by(patrol_templates.c.id)
            return [_tpl(r) for r in conn.execute(q)]

    # ---- rounds --------------------------------------------------------------------------
    def generate(
        self,
        template_id: int,
        *,
        start: datetime,
        end: datetime,
        planner: Planner,
        actor: str,
    ) -> list[PatrolRound]:
        """The template's rounds starting in ``[start, end)`` that do not exist yet, each
        ordered once by ``planner`` (the same order for every round of the template)."""
        tpl = self.template(template_id)
        starts = round_starts(parse_schedule(tpl.schedule), start, end)
        with transaction(self._db) as conn:
            q = select(patrol_rounds.c.due_start).where(patrol_rounds.c.template == template_id)
            have = {r[0] for r in conn.execute(q)}
            new = [s for s in starts if _us(s) not in have]
            if not new:
                return []
            order, secs = planner([cp["place"] for cp in tpl.checkpoints])
            if sorted(order) != list(range(len(tpl.checkpoints))):
                raise InvalidInput("the planner's order must visit every checkpoint once")
            win = timedelta(minutes=tpl.window_minutes)
            ids = conn.execute(
                insert(patrol_rounds).returning(patrol_rounds.c.id, sort_by_parameter_order=True),
                [{"template": template_id, "due_start": _us(s), "due_end": _us(s + win),
                  "planned": json.dumps(order), "planned_s": None if secs is None else round(secs),
                  "created": now_us()} for s in new],
            ).scalars().all()  # fmt: skip
            audit.record(conn, actor, "patrol.generate", f"patrol-template:{template_id}",
                         {"rounds": len(ids)})  # fmt: skip
            q2 = select(patrol_rounds).where(patrol_rounds.c.id.in_(list(ids)))
            return [_round(r) for r in conn.execute(q2.order_by(patrol_rounds.c.due_start))]

    def round(self, round_id: int) -> PatrolRound:
        with transaction(self._db) as conn:
            r = conn.execute(select(patrol_rounds).where(patrol_rounds.c.id == round_id)).first()
        if r is None:
            raise RoundNotFound(f"no patrol round {round_id}", round=round_id)
        return _round(r)

    def rounds(
        self,
        *,
        template: int | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 500,
    ) -> list[PatrolRound]:
        """Rounds by start time whose start is in ``[start, end)``."""
        q = select(patrol_rounds).order_by(patrol_rounds.c.due_start, patrol_rounds.c.id)
        if template is not None:
            q = q.where(patrol_rounds.c.template == template)
        if start is not None:
            q = q.where(patrol_rounds.c.due_start >= _us(start))
        if end is not None:
            q = q.where(patrol_rounds.c.due_start < _us(end))
        with transaction(self._db) as conn:
            return [_round(r) for r in conn.execute(q.limit(limit))]

    def checkins(self, round_id: int) -> list[CheckIn]:
        with transaction(self._db) as conn:
            q = select(patrol_checkins).where(patrol_checkins.c.round == round_id)
            return [_checkin(r) for r in conn.execute(q.order_by(patrol_checkins.c.t))]

    def checkin(self, round_id: int, checkin_id: int) -> CheckIn:
        """One check-in of a round; NotFound (404) when the round has no such check-in."""
        with transaction(self._db) as conn:
            r = conn.execute(
                select(patrol_checkins).where(
                    (patrol_checkins.c.id == checkin_id) & (patrol_checkins.c.round == round_id)
                )
            ).first()
        if r is None:
            raise NotFound(f"round {round_id} has no check-in {checkin_id}", checkin=checkin_id)
        return _checkin(r)

    # ---- check-ins -----------------------------------------------------------------------
    def check_in(
        self,
        round_id: int,
        *,
        code: str,
        technician: str,
        answers: Mapping[str, Any],
        at: datetime,
        actor: str,
        point: tuple[str | None, float, float] | None = None,
    ) -> CheckIn:
        """Record a check-in at the checkpoint whose QR code is ``code``. ``point`` is the
        checkpoint's (storey, x, y) from the campus; the technician's last stored position is
        compared with it. Flags never refuse; an abnormal answer opens a normal ticket, or,
        for an item whose template names a ``hazard`` (category, risk), records one hazard at
        the checkpoint (both in this transaction)."""
        rnd = self.round(round_id)
        tpl = self.template(rnd.template)
        idx = next((i for i, cp in enumerate(tpl.checkpoints) if cp["code"] == code), None)
        if idx is None:
            raise CheckpointNotFound("no checkpoint with this code in the round", code=code[:40])
        cp = tpl.checkpoints[idx]
        items = parse_items(cp["items"])
        keys = {i.key for i in items}
        extra = sorted(set(answers) - keys)
        if extra:
            raise InvalidInput("answers name items the checkpoint does not have", items=extra)
        bad = abnormal(items, answers)
        t = _us(at)
        with transaction(self._db) as conn:
            tech = conn.execute(
                select(technicians.c.storey, technicians.c.x, technicians.c.y).where(
                    technicians.c.id == technician
                )
            ).first()
            if tech is None:
                raise NotFound(f"no technician {technician!r}", technician=technician)
            done = [
                r[0] for r in conn.execute(
                    select(patrol_checkins.c.checkpoint).where(patrol_checkins.c.round == round_id)
                )
            ]  # fmt: skip
            pos = None if tech.x is None or tech.y is None else (tech.storey, tech.x, tech.y)
            flags = flags_for(
                index=idx, planned=rnd.planned, done=done, at_us=t,
                window=(_us(rnd.due_start), _us(rnd.due_end)), point=point, technician=pos,
            )  # fmt: skip
            ticket = hazard = None
            raw = {str(i.get("key")): i for i in cp["items"]}
            as_hazard = [k for k in bad if raw[k].get("hazard")]
            as_ticket = [k for k in bad if k not in as_hazard]
            place, where = cp["place"], cp.get("label") or cp["place"]
            said = f"Check-in by {technician} on round {round_id}: "
            if as_ticket:
                ticket = TicketRepository(conn).create(
                    title=f"Patrol {tpl.name}: abnormal {', '.join(as_ticket)} at {where}"[:200],
                    priority="normal", actor=actor,
                    description=said + ", ".join(f"{k}={answers[k]!r}" for k in as_ticket),
                    space=place, building=tpl.building,
                ).id  # fmt: skip
            if as_hazard:
                kinds = [raw[k]["hazard"] for k in as_hazard]
                risk = max((str(h.get("risk", "medium")) for h in kinds), key=RISKS.index)
                hazard = HazardRepository(conn).create(
                    location=place, category=str(kinds[0].get("category", "other")), risk=risk,
                    description=f"Patrol {tpl.name} at {where}: "
                    + ", ".join(f"{k}={answers[k]!r}" for k in as_hazard) + f" ({said[:-2]})",
                    actor=actor, storey=point[0] if point else None, building=tpl.building,
                    found_at=at,
                ).id  # fmt: skip
            cid = conn.execute(
                insert(patrol_checkins).values(
                    round=round_id, checkpoint=idx, t=t, technician=technician,
                    answers=json.dumps(dict(answers)), flags=json.dumps(flags),
                    abnormal=json.dumps(bad), ticket=ticket, hazard=hazard,
                ).returning(patrol_checkins.c.id)
            ).scalar_one()  # fmt: skip
            audit.record(conn, actor, "patrol.checkin", f"patrol-round:{round_id}",
                         {"checkpoint": idx, "flags": flags, "ticket": ticket,
                          "hazard": hazard})  # fmt: skip
            r = conn.execute(select(patrol_checkins).where(patrol_checkins.c.id == cid)).one()
        return _checkin(r)

    # ---- reports -------------------------------------------------------------------------
    def report(self, rnd: PatrolRound, *, now: datetime) -> RoundReport:
        """A round's state as of ``now``: ``done`` when every checkpoint was checked in before
        the window closed, ``late`` when the last one came after it, ``missed`` when the
        window closed with checkpoints unvisited, else ``scheduled``/``in_progress``."""
        cis = self.checkins(rnd.id)
        return report_of(rnd, cis, now=now)

    def completion(
        self, *, now: datetime, start: datetime, end: datetime
    ) -> dict[tuple[int, str], tuple[int, int]]:
        """(template, ISO week) -> (rounds done on time, rounds whose window has closed) for
        rounds starting in ``[start, end)``: the completion-rate KPI."""
        out: dict[tuple[int, str], tuple[int, int]] = {}
        for rnd in self.rounds(start=start, end=end, limit=1_000_000):
            if rnd.due_end > now:
                continue
            rep = self.report(rnd, now=now)
            key = (rnd.template, week_of(rnd.due_start))
            ok, n = out.get(key, (0, 0))
            out[key] = (ok + (rep.status == "done"), n + 1)
        return out


def report_of(rnd: PatrolRound, cis: Sequence[CheckIn], *, now: datetime) -> RoundReport:
    """Pure: the round's status from its check-ins (see :meth:`PatrolRepository.report`)."""
    first: dict[int, datetime] = {}
    for c in cis:
        first.setdefault(c.checkpoint, c.t)
    checked = tuple(i for i in rnd.planned if i in first)
    missing = tuple(i for i in rnd.planned if i not in first)
    flagged = sum(1 for c in cis if c.flags)
    if not missing:
        status = "done" if max(first.values()) <= rnd.due_end else "late"
    elif now > rnd.due_end:
        status = "missed"
    else:
        status = "in_progress" if checked else "scheduled"
    missed = missing if now > rnd.due_end else ()
    return RoundReport(rnd, status, checked, missed, flagged)
