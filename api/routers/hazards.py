"""The hazard ledger: report, list (overdue flagged), update, move, link tickets, export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, UploadFile
from fastapi.responses import HTMLResponse, Response

from api.auth import PrincipalDep
from api.deps import CampusDep, SettingsDep, StoreDep
from api.documents import CAPTION, DOCUMENT_FILE, UPLOAD_RESPONSES, attach_upload
from api.errors import PROBLEM_RESPONSES
from api.problem_docs import problem_response
from api.schemas.assets import DocumentOut
from api.schemas.hazards import (
    Category,
    HazardIn,
    HazardLinkIn,
    HazardOut,
    HazardPatchIn,
    HazardTransitionIn,
)
from api.strict import DbId
from twin.service.hazards import (
    building_hazards_csv,
    building_hazards_html,
    move_hazard,
    report_hazard,
)

router = APIRouter(
    tags=["hazards"],
    responses={**PROBLEM_RESPONSES, 409: problem_response(409, "Illegal transition")},
)


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/hazards", status_code=201, response_model=HazardOut,
             summary="Report a hazard at a room or element")  # fmt: skip
def create_hazard(
    body: HazardIn, store: StoreDep, campus: CampusDep, who: PrincipalDep
) -> HazardOut:
    """Record a hazard found at a room or element: category, risk level, description, rectification
    owner and deadline. It starts as new."""
    h = report_hazard(
        store, campus, location=body.location, category=body.category, risk=body.risk,
        description=body.description, actor=who.technician or who.name, owner=body.owner,
        deadline=body.deadline,
    )  # fmt: skip
    return HazardOut.of(h, _now())


@router.get("/hazards", response_model=list[HazardOut],
            summary="The hazard ledger, newest first, overdue flagged")  # fmt: skip
def list_hazards(
    store: StoreDep,
    _who: PrincipalDep,
    building: str | None = None,
    storey: str | None = None,
    status: Annotated[str | None, Query(examples=["new,rectifying"])] = None,
    category: Category | None = None,
    overdue: Annotated[bool | None, Query(description="only overdue (or not)")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[HazardOut]:
    """The hazard ledger, filterable by building, storey, status and category; hazards past their
    deadline are flagged overdue."""
    now = _now()
    found = store.hazards.list(
        building=building, storey=storey, status=status, category=category, limit=limit
    )
    out = [HazardOut.of(h, now) for h in found]
    return out if overdue is None else [h for h in out if h.overdue == overdue]


@router.get("/hazards/{hazard_id}", response_model=HazardOut, summary="One hazard")
def get_hazard(hazard_id: DbId, store: StoreDep, _who: PrincipalDep) -> HazardOut:
    """One hazard: where, category, risk level, rectification owner, deadline and status."""
    return HazardOut.of(store.hazards.get(hazard_id), _now())


@router.patch("/hazards/{hazard_id}", response_model=HazardOut,
              summary="Set the rectification owner, deadline, risk or description")  # fmt: skip
def patch_hazard(
    hazard_id: DbId, body: HazardPatchIn, store: StoreDep, who: PrincipalDep
) -> HazardOut:
    """Change a hazard's rectification owner, deadline, risk level or description; audited."""
    h = store.hazards.update(
        hazard_id, actor=who.name, owner=body.owner, deadline=body.deadline, risk=body.risk,
        description=body.description,
    )  # fmt: skip
    return HazardOut.of(h, _now())


@router.post(
    "/hazards/{hazard_id}/transitions",
    response_model=HazardOut,
    summary="Move a hazard through its lifecycle",
    description="new → rectifying → awaiting_verification → closed; accepted_risk from new "
    "or rectifying (operator or admin, who is the approver); verification failed: "
    "awaiting_verification → rectifying; accepted_risk → rectifying reopens. Rectifying needs "
    "an owner and a deadline (422); the owner may not close (verify) their own hazard (403); "
    "an illegal move is 409 naming both states.",
)
def transition_hazard(
    hazard_id: DbId, body: HazardTransitionIn, store: StoreDep, who: PrincipalDep
) -> HazardOut:
    h = move_hazard(store, hazard_id, body.to, actor=who.technician or who.name,
                    role=who.role, note=body.note)  # fmt: skip
    return HazardOut.of(h, _now())


@router.post("/hazards/{hazard_id}/tickets", response_model=HazardOut,
             summary="Link a work order to a hazard")  # fmt: skip
def link_ticket(
    hazard_id: DbId, body: HazardLinkIn, store: StoreDep, who: PrincipalDep
) -> HazardOut:
    """Tie a work order to a hazard so the rectification is tracked with the hazard."""
    return HazardOut.of(store.hazards.link_ticket(hazard_id, body.ticket, who.name), _now())


@router.get(
    "/buildings/{guid}/hazards.csv",
    summary="The building's hazard ledger as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def hazards_csv(guid: str, store: StoreDep, campus: CampusDep, _who: PrincipalDep) -> Response:
    """The hazard ledger of a building as CSV."""
    return Response(
        building_hazards_csv(store, campus, guid),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="hazards.csv"'},
    )


@router.get(
    "/buildings/{guid}/hazards.html",
    summary="The building's hazard ledger as a printable page",
    response_class=HTMLResponse,
)
def hazards_html(guid: str, store: StoreDep, campus: CampusDep, _who: PrincipalDep) -> HTMLResponse:
    """The hazard ledger of a building as a printable page, grouped by storey, overdue first."""
    return HTMLResponse(building_hazards_html(store, campus, guid))


@router.post(
    "/hazards/{hazard_id}/documents",
    status_code=201,
    response_model=DocumentOut,
    summary="Attach a photo or document to a hazard",
    description="The documents store of the asset register (content-addressed, type checked by "
    "content, size cap); 404 for an unknown hazard.",
    responses=UPLOAD_RESPONSES,
)
async def attach_to_hazard(
    hazard_id: DbId,
    file: Annotated[UploadFile, DOCUMENT_FILE],
    campus: CampusDep,
    store: StoreDep,
    settings: SettingsDep,
    who: PrincipalDep,
    title: Annotated[str, CAPTION] = "",
) -> DocumentOut:
    store.hazards.get(hazard_id)  # 404 before the upload is read
    actor = who.technician or who.name
    return await attach_upload(
        "hazard", str(hazard_id), file, title, campus, store, settings, actor
    )


@router.get(
    "/hazards/{hazard_id}/documents",
    response_model=list[DocumentOut],
    summary="A hazard's photos and documents",
)
def hazard_documents(hazard_id: DbId, store: StoreDep, _who: PrincipalDep) -> list[DocumentOut]:
    """Photos and documents attached to a hazard, newest first."""
    store.hazards.get(hazard_id)
    return [DocumentOut.model_validate(d) for d in store.documents.of("hazard", str(hazard_id))]
