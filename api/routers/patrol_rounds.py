"""Patrol rounds: templates, generated rounds, check-ins by QR code, the completion KPI.

``POST /patrols`` (routing) stays the pure ordering computation; the stored rounds are here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, UploadFile
from fastapi.responses import Response

from api.auth import PrincipalDep, act_for
from api.deps import CampusDep, SettingsDep, StoreDep
from api.documents import CAPTION, DOCUMENT_FILE, UPLOAD_RESPONSES, attach_upload
from api.errors import PROBLEM_RESPONSES
from api.schemas.assets import DocumentOut
from api.schemas.planned import (
    CheckInIn,
    CheckInOut,
    CompletionOut,
    GenerateRoundsIn,
    RoundOut,
    TemplateIn,
    TemplateOut,
)
from api.strict import DbId
from twin.errors import NotFound
from twin.live.patrols import PatrolRound, RoundReport
from twin.live.store import LiveStore
from twin.service import patrols as patrolling

router = APIRouter(tags=["patrols"], responses=PROBLEM_RESPONSES)


def _round_out(rep: RoundReport) -> RoundOut:
    r = rep.round
    return RoundOut(
        id=r.id, template=r.template, due_start=r.due_start, due_end=r.due_end,
        planned=list(r.planned), planned_s=r.planned_s, status=rep.status,
        checked=list(rep.checked), missed=list(rep.missed), flagged=rep.flagged,
    )  # fmt: skip


def _report(store: LiveStore, r: PatrolRound) -> RoundOut:
    return _round_out(store.patrols.report(r, now=datetime.now(UTC)))


@router.post("/patrol-templates", status_code=201, response_model=TemplateOut,
             summary="Create a patrol round template")  # fmt: skip
def create_template(body: TemplateIn, store: StoreDep, who: PrincipalDep) -> TemplateOut:
    """A named list of checkpoints (rooms or elements) with a checklist per point, a schedule and a
    team."""
    tpl = store.patrols.create_template(
        name=body.name, schedule=body.schedule, building=body.building,
        window_minutes=body.window_minutes, team=body.team, actor=who.name,
        checkpoints=[cp.model_dump() for cp in body.checkpoints],
    )  # fmt: skip
    return TemplateOut.model_validate(tpl)


@router.get("/patrol-templates", response_model=list[TemplateOut],
            summary="Patrol round templates")  # fmt: skip
def list_templates(store: StoreDep) -> list[TemplateOut]:
    """The patrol round templates."""
    return [TemplateOut.model_validate(t) for t in store.patrols.templates()]


@router.get(
    "/patrol-templates/{template_id}/checkpoints/{index}/qr.svg",
    summary="Printable QR code of a checkpoint (SVG)",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def checkpoint_qr(
    template_id: DbId, index: Annotated[int, Path(ge=0, le=199)], store: StoreDep
) -> Response:
    """The QR label of a checkpoint as SVG, to print and fix at the point."""
    tpl = store.patrols.template(template_id)
    if index >= len(tpl.checkpoints):
        raise NotFound(f"template {template_id} has no checkpoint {index}", index=index)
    cp = tpl.checkpoints[index]
    svg = patrolling.qr_svg(cp["code"], cp.get("label") or cp["place"])
    return Response(svg, media_type="image/svg+xml")


@router.post("/patrol-templates/{template_id}/rounds", status_code=201,
             response_model=list[RoundOut],
             summary="Generate the template's rounds in a period (idempotent)")  # fmt: skip
def generate_rounds(
    template_id: DbId, body: GenerateRoundsIn, store: StoreDep, campus: CampusDep,
    who: PrincipalDep,
) -> list[RoundOut]:  # fmt: skip
    """Create the template's rounds falling in a period, each with a due window; running it twice
    creates nothing twice."""
    start = body.start if body.start.tzinfo else body.start.replace(tzinfo=UTC)
    made = patrolling.generate_rounds(
        campus, store, template_id, start=start, end=start + timedelta(days=body.days),
        actor=who.name,
    )  # fmt: skip
    return [_report(store, r) for r in made]


@router.get("/patrols", response_model=list[RoundOut], summary="Patrol rounds with their state")
def list_rounds(
    store: StoreDep,
    template: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[RoundOut]:
    """Patrol rounds with their state, checkpoints done and missed, filterable by template and
    time."""
    rounds = store.patrols.rounds(template=template, start=_aware(start), end=_aware(end),
                                  limit=limit)  # fmt: skip
    return [_report(store, r) for r in rounds]


@router.get("/patrols/{round_id}/check-ins", response_model=list[CheckInOut],
            summary="A round's check-ins")  # fmt: skip
def list_checkins(round_id: DbId, store: StoreDep) -> list[CheckInOut]:
    """Check-ins of a round in time order, with answers and flags (far from the checkpoint, out of
    order)."""
    store.patrols.round(round_id)
    return [CheckInOut.model_validate(c) for c in store.patrols.checkins(round_id)]


@router.post("/patrols/{round_id}/check-ins", status_code=201, response_model=CheckInOut,
             summary="Check in at a checkpoint by its code (flagged, never refused)")  # fmt: skip
def check_in(
    round_id: DbId, body: CheckInIn, store: StoreDep, campus: CampusDep, who: PrincipalDep
) -> CheckInOut:
    """Check in at a checkpoint by the code on its QR label, with answers to its checklist; a check-
    in far from the checkpoint or out of order is flagged, never refused."""
    act_for(who, body.technician)
    c = patrolling.check_in(
        campus, store, round_id, code=body.code, technician=body.technician,
        answers=dict(body.answers), at=_aware(body.at) or datetime.now(UTC), actor=who.name,
    )  # fmt: skip
    return CheckInOut.model_validate(c)


@router.post(
    "/patrols/{round_id}/check-ins/{checkin_id}/documents",
    status_code=201,
    response_model=DocumentOut,
    summary="Attach a photo or document to a check-in",
    description="The documents store of the asset register (content-addressed, type checked by "
    "content, size cap); 404 for a check-in the round does not have.",
    responses=UPLOAD_RESPONSES,
)
async def attach_to_checkin(
    round_id: DbId,
    checkin_id: DbId,
    file: Annotated[UploadFile, DOCUMENT_FILE],
    campus: CampusDep,
    store: StoreDep,
    settings: SettingsDep,
    who: PrincipalDep,
    title: Annotated[str, CAPTION] = "",
) -> DocumentOut:
    store.patrols.checkin(round_id, checkin_id)  # 404 before the upload is read
    actor = who.technician or who.name
    return await attach_upload(
        "checkin", str(checkin_id), file, title, campus, store, settings, actor
    )


@router.get(
    "/patrols/{round_id}/check-ins/{checkin_id}/documents",
    response_model=list[DocumentOut],
    summary="A check-in's photos and documents",
)
def checkin_documents(round_id: DbId, checkin_id: DbId, store: StoreDep) -> list[DocumentOut]:
    """Photos attached to a check-in."""
    store.patrols.checkin(round_id, checkin_id)
    return [DocumentOut.model_validate(d) for d in store.documents.of("checkin", str(checkin_id))]


@router.get("/patrol-completion", response_model=list[CompletionOut],
            summary="Completion rate per template per ISO week")  # fmt: skip
def completion(
    store: StoreDep,
    weeks: Annotated[int, Query(ge=1, le=53, description="How many weeks back.")] = 4,
) -> list[CompletionOut]:
    """Completion rate per round template and ISO week, a KPI of the patrol service."""
    now = datetime.now(UTC)
    kpi = store.patrols.completion(now=now, start=now - timedelta(weeks=weeks), end=now)
    return [
        CompletionOut(template=t, week=w, done=ok, due=n, rate=ok / n)
        for (t, w), (ok, n) in sorted(kpi.items())
    ]


def _aware(d: datetime | None) -> datetime | None:
    return d if d is None or d.tzinfo else d.replace(tzinfo=UTC)
