"""Renovation scenarios: stored what-if overlays, their impact, comparison and reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.auth import PrincipalDep
from api.deps import CampusDep, JobsDep, SettingsDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.scenarios import ScenarioIn, ScenarioOut
from api.strict import DbId, DbIdItem
from api.uploads import audit_upload, save_ifc_upload, upload_audit_hook
from twin.errors import InvalidInput
from twin.export.scenario_plan import ScenarioLayer, scene_colors
from twin.export.scenario_report import clashes_bcf_zip, report_html
from twin.live.store import LiveStore
from twin.live.validate import INT64_MAX
from twin.model import Twin
from twin.scenario import ImpactReport
from twin.service import scenarios
from twin.service.campus import Campus

router = APIRouter(tags=["scenarios"], responses=PROBLEM_RESPONSES)


def _report(request: Request, store: LiveStore, doc: dict[str, Any]) -> tuple[Twin, ImpactReport]:
    """:func:`twin.service.scenarios.scenario_report` with this app's campus, jobs and dirs."""
    state = request.app.state
    return scenarios.scenario_report(
        state.campus, store, state.jobs, doc,
        upload_dir=state.settings.upload_dir, cache_dir=state.settings.cache_dir,
    )  # fmt: skip


@router.post("/scenarios", status_code=201, summary="Store a scenario", response_model=ScenarioOut)
def create(
    body: ScenarioIn, store: StoreDep, campus: CampusDep, settings: SettingsDep, who: PrincipalDep
) -> ScenarioOut:
    """Store a renovation scenario: a zone, what closes in it (rooms, doors, services, lifts) and
    proposed elements."""
    doc = body.document()
    created = scenarios.create_scenario(
        campus, store, doc, upload_dir=settings.upload_dir, actor=who.name
    )
    return ScenarioOut.model_validate(created)


@router.post(
    "/scenarios/{scenario_id}/design",
    status_code=202,
    summary="Attach a design IFC whose new and modified products are the scenario's proposals",
    description="The file is ingested in the background (it is not served as a model); poll "
    "`GET /jobs/{id}`. Impact reports then clash its new and modified products with the building "
    "and list what it removes.",
    responses={202: {"content": {"application/json": {"example": {"id": "5f2c0a9e1b7d"}}}}},
)
async def attach_design(
    scenario_id: DbId,
    file: Annotated[UploadFile, File(description="the design as an IFC (STEP) file")],
    store: StoreDep,
    settings: SettingsDep,
    jobs: JobsDep,
    who: PrincipalDep,
    request: Request,
) -> JSONResponse:
    current = dict(store.scenarios.get(scenario_id).document)
    path = await save_ifc_upload(file, settings)
    name, state = file.filename or path.name, request.app.state
    job = jobs.submit(
        path, name, on_done=Campus.model_id, discard_on_failure=True,
        on_end=upload_audit_hook(state, who.name, name, path.stem, kind="design"),
    )  # fmt: skip
    ref = {"sha256": path.stem, "filename": name, "job": job.id}
    audit_upload(store, who.name, "accepted", name, kind="design", sha256=path.stem, job=job.id,
                 scenario=scenario_id)  # fmt: skip
    store.scenarios.replace(scenario_id, {**current, "design": ref}, actor=who.name)
    return JSONResponse(job.as_dict(), status_code=202, headers={"Location": f"/jobs/{job.id}"})


@router.get("/scenarios", summary="Stored scenarios", response_model=list[ScenarioOut])
def list_all(store: StoreDep, _who: PrincipalDep, building: str | None = None) -> list[ScenarioOut]:
    """Stored scenarios, optionally of one building."""
    return [ScenarioOut.model_validate(s) for s in store.scenarios.list(building=building)]


@router.get("/scenarios/{scenario_id}", summary="One scenario", response_model=ScenarioOut)
def get_one(scenario_id: DbId, store: StoreDep, _who: PrincipalDep) -> ScenarioOut:
    """One stored scenario document."""
    return ScenarioOut.model_validate(store.scenarios.get(scenario_id))


@router.put("/scenarios/{scenario_id}", summary="Replace a scenario", response_model=ScenarioOut)
def replace(
    scenario_id: DbId,
    body: ScenarioIn,
    store: StoreDep,
    campus: CampusDep,
    settings: SettingsDep,
    who: PrincipalDep,
) -> ScenarioOut:
    """Replace a stored scenario with a new document."""
    doc = body.document()
    replaced = scenarios.replace_scenario(
        campus, store, scenario_id, doc, upload_dir=settings.upload_dir, actor=who.name
    )
    return ScenarioOut.model_validate(replaced)


@router.delete("/scenarios/{scenario_id}", status_code=204, summary="Delete a scenario")
def remove(scenario_id: DbId, store: StoreDep, who: PrincipalDep) -> Response:
    """Delete a stored scenario."""
    store.scenarios.delete(scenario_id, actor=who.name)
    return Response(status_code=204)


@router.get(
    "/scenarios/{scenario_id}/impact",
    summary="Impact report: unreachable rooms, longer routes, services lost, items in the zone, "
    "clashes",
)
def impact(scenario_id: DbId, request: Request, store: StoreDep, _w: PrincipalDep) -> Any:
    """What closing the scenario's zone does: rooms no longer reachable, routes that get longer,
    services lost downstream, items inside the zone, clashes of the proposed elements."""
    doc = dict(store.scenarios.get(scenario_id).document)
    _, report = _report(request, store, doc)
    return {"summary": report.summary(), **report.as_dict()}


@router.post("/scenarios/impact", summary="Impact of an unsaved scenario document")
def impact_unsaved(body: ScenarioIn, request: Request, store: StoreDep, _w: PrincipalDep) -> Any:
    """The same impact report for a scenario document sent in the body, without storing it."""
    _, report = _report(request, store, body.document())
    return {"summary": report.summary(), **report.as_dict()}


@router.get(
    "/scenarios/{scenario_id}/report.html",
    summary="Impact report as an HTML page with the affected plans",
    response_class=HTMLResponse,
)
def report_page(scenario_id: DbId, request: Request, store: StoreDep, _w: PrincipalDep) -> Any:
    """The impact report as a readable HTML page with the affected storeys drawn, to print or
    send."""
    twin, report = _report(request, store, dict(store.scenarios.get(scenario_id).document))
    return HTMLResponse(report_html(twin, report))


@router.get(
    "/scenarios/{scenario_id}/clashes.bcf",
    summary="Clashes of the proposed elements as BCF 3.0 topics",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def clashes_bcf(scenario_id: DbId, request: Request, store: StoreDep, _w: PrincipalDep) -> Response:
    """Clashes between the scenario's proposed elements and the model as BCF 3.0 topics, to open in
    a BIM authoring tool."""
    _, report = _report(request, store, dict(store.scenarios.get(scenario_id).document))
    return Response(
        clashes_bcf_zip(report),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="scenario-{scenario_id}.bcfzip"'},
    )


@router.get("/scenario-comparison", summary="Side-by-side figures of two or more scenarios")
def comparison(
    request: Request,
    store: StoreDep,
    _w: PrincipalDep,
    ids: Annotated[list[DbIdItem], Query(examples=[[1, 2]])],
) -> list[dict[str, Any]]:
    """Two or more stored scenarios side by side: unreachable rooms, extra walking time, services
    lost."""
    state = request.app.state
    return scenarios.compare_stored(
        state.campus, store, state.jobs, list(ids),
        upload_dir=state.settings.upload_dir, cache_dir=state.settings.cache_dir,
    )  # fmt: skip


def _scenario_doc(request: Request, value: str) -> dict[str, Any]:
    try:
        sid = int(value)
    except ValueError:
        sid = 0
    if not 1 <= sid <= INT64_MAX:
        raise InvalidInput(f"scenario must be a stored scenario id, got {value!r}") from None
    return dict(request.app.state.store.scenarios.get(sid).document)


def plan_layer(request: Request, twin: Twin, storey_guid: str, value: str) -> ScenarioLayer:
    """``plan.svg?scenario=ID``: see :class:`twin.export.scenario_plan.ScenarioLayer`."""
    _, report = _report(request, request.app.state.store, _scenario_doc(request, value))
    return ScenarioLayer(report)


def scene_layer(request: Request, twin: Twin, value: str) -> dict[str, tuple[float, ...]]:
    """``scene.glb?scenario=ID``: see :func:`twin.export.scenario_plan.scene_colors`."""
    _, report = _report(request, request.app.state.store, _scenario_doc(request, value))
    return scene_colors(report)
