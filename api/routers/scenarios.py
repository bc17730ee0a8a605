"""Renovation scenarios: stored what-if overlays, their impact, comparison and reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.auth import PrincipalDep
from api.deps import CampusDep, JobsDep, SettingsDep
from api.errors import PROBLEM_RESPONSES
from api.live_deps import StoreDep
from api.schemas.scenarios import ScenarioIn, ScenarioOut
from api.settings import Settings
from api.strict import DbId, DbIdItem
from api.uploads import audit_upload, save_ifc_upload, upload_audit_hook
from twin.analysis.design import DesignDiff, design_diff
from twin.analysis.renovation import (
    ImpactReport,
from twin.export.scenario_plan import ScenarioLayer, scene_colors
    Scenario,
    baseline_reach,
    closed_spaces_of,
    compare,
    impact_report,
    scenario_from_dict,
)
from twin.campus import Campus
from twin.errors import Conflict, IfcLoadError, InvalidInput, NotFound
from twin.live import scenarios as stored
from twin.live.validate import INT64_MAX
from twin.model import Twin

router = APIRouter(tags=["scenarios"], responses=PROBLEM_RESPONSES)


def _out(s: stored.StoredScenario) -> ScenarioOut:
    return ScenarioOut(
        id=s.id,
        name=s.name,
        building=s.building,
        document=dict(s.document),
        created_by=s.created_by,
    )


def twin_of_scenario(campus: Campus, sc: Scenario) -> Twin:
    """The building a scenario applies to: its ``building``, else the model of the first GlobalId
    it names, else the only loaded model. Takes the parsed scenario, never the raw document:
    the document is validated once, by :class:`ScenarioIn` and ``scenario_from_dict``."""
    if sc.building:
        return campus.building(sc.building)[0]
    for guids in (sc.closed_spaces, sc.closed_doors, sc.out_of_service, sc.shut_off):
        for guid in guids:
            return campus.twin_of(guid)
    for zone in sc.zones:
        return campus.twin_of(zone.storey)
    twins = list(campus)
    if len(twins) == 1:
        return twins[0]
    raise InvalidInput("the scenario names no building and several models are loaded")


def _report(request: Request, store: Any, doc: dict[str, Any]) -> tuple[Twin, ImpactReport]:
    from twin.live.tickets import list_tickets
    from twin.service.derived import navigation_of, networks_of

    campus: Campus = request.app.state.campus
    sc = scenario_from_dict(doc)
    twin = twin_of_scenario(campus, sc)
    design = _design(request, campus, twin, doc)
    nav = navigation_of(campus, twin)
    baseline = campus.derived(twin, "renovation_baseline", lambda _t: baseline_reach(nav))
    report = impact_report(
        twin,
        sc,
        nav=nav,
        nets=networks_of(campus, twin),
        sensors=store.sensors(),
        tickets=list_tickets(store, open_only=True),
        baseline=baseline,
        design=design,
    )
    return twin, report


def _design_path(settings: Settings, doc: dict[str, Any]) -> Path | None:
    ref = doc.get("design")
    if not ref:
        return None
    path = settings.upload_dir / f"{ref['sha256']}.ifc"
    if not path.is_file():
        raise InvalidInput(
            f"design file {ref.get('filename') or ref['sha256']} is not on this server; upload it "
            "with POST /scenarios/{id}/design",
            sha256=ref["sha256"],
        )
    return path


def _design(request: Request, campus: Campus, twin: Twin, doc: dict[str, Any]) -> DesignDiff | None:
    """The design IFC's changes to ``twin``, once its background ingest is done (409 before)."""
    from twin.cache import load_twin

    settings: Settings = request.app.state.settings
    path = _design_path(settings, doc)
    if path is None:
        return None
    ref = doc["design"]
    if ref.get("job"):
        try:
            job = request.app.state.jobs.get(ref["job"])
        except NotFound:
            job = None  # a job of an earlier run: the file and its cache entry are what count
        if job is not None and job.state == "failed":
            detail = (job.error or {}).get("detail", "")
            raise IfcLoadError(f"design {ref.get('filename')} failed to load: {detail}")
        if job is not None and job.state != "done":
            raise Conflict(
                f"design {ref.get('filename')} is still being ingested; poll GET /jobs/{job.id}",
                job=job.id,
            )
    return campus.derived(
        twin,
        f"design:{ref['sha256']}",
        lambda t: design_diff(t, load_twin(path, cache_dir=settings.cache_dir)),
    )


@router.post("/scenarios", status_code=201, summary="Store a scenario", response_model=ScenarioOut)
def create(
    body: ScenarioIn, store: StoreDep, campus: CampusDep, settings: SettingsDep, who: PrincipalDep
) -> ScenarioOut:
    doc = body.document()
    sc = scenario_from_dict(doc)
    closed_spaces_of(twin_of_scenario(campus, sc), sc)  # GUIDs must exist
    _design_path(settings, doc)
    return _out(stored.create_scenario(store, doc, actor=who.name))


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
    current = dict(stored.get_scenario(store, scenario_id).document)
    path = await save_ifc_upload(file, settings)
    name, state = file.filename or path.name, request.app.state
    job = jobs.submit(
        path, name, on_done=Campus.model_id, discard_on_failure=True,
        on_end=upload_audit_hook(state, who.name, name, path.stem, kind="design"),
    )  # fmt: skip
    ref = {"sha256": path.stem, "filename": name, "job": job.id}
    audit_upload(store, who.name, "accepted", name, kind="design", sha256=path.stem, job=job.id,
                 scenario=scenario_id)  # fmt: skip
    stored.replace_scenario(store, scenario_id, {**current, "design": ref}, actor=who.name)
    return JSONResponse(job.as_dict(), status_code=202, headers={"Location": f"/jobs/{job.id}"})


@router.get("/scenarios", summary="Stored scenarios", response_model=list[ScenarioOut])
def list_all(store: StoreDep, _who: PrincipalDep, building: str | None = None) -> list[ScenarioOut]:
    return [_out(s) for s in stored.list_scenarios(store, building=building)]


@router.get("/scenarios/{scenario_id}", summary="One scenario", response_model=ScenarioOut)
def get_one(scenario_id: DbId, store: StoreDep, _who: PrincipalDep) -> ScenarioOut:
    return _out(stored.get_scenario(store, scenario_id))


@router.put("/scenarios/{scenario_id}", summary="Replace a scenario", response_model=ScenarioOut)
def replace(
    scenario_id: DbId,
    body: ScenarioIn,
    store: StoreDep,
    campus: CampusDep,
    settings: SettingsDep,
    who: PrincipalDep,
) -> ScenarioOut:
    doc = body.document()
    sc = scenario_from_dict(doc)
    closed_spaces_of(twin_of_scenario(campus, sc), sc)
    _design_path(settings, doc)
    return _out(stored.replace_scenario(store, scenario_id, doc, actor=who.name))


@router.delete("/scenarios/{scenario_id}", status_code=204, summary="Delete a scenario")
def remove(scenario_id: DbId, store: StoreDep, who: PrincipalDep) -> Response:
    stored.delete_scenario(store, scenario_id, actor=who.name)
    return Response(status_code=204)


@router.get(
    "/scenarios/{scenario_id}/impact",
    summary="Impact report: unreachable rooms, longer routes, services lost, items in the zone, "
    "clashes",
)
def impact(scenario_id: DbId, request: Request, store: StoreDep, _w: PrincipalDep) -> Any:
    doc = dict(stored.get_scenario(store, scenario_id).document)
    _, report = _report(request, store, doc)
    return {"summary": report.summary(), **report.as_dict()}


@router.post("/scenarios/impact", summary="Impact of an unsaved scenario document")
def impact_unsaved(body: ScenarioIn, request: Request, store: StoreDep, _w: PrincipalDep) -> Any:
    _, report = _report(request, store, body.document())
    return {"summary": report.summary(), **report.as_dict()}


@router.get(
    "/scenarios/{scenario_id}/report.html",
    summary="Impact report as an HTML page with the affected plans",
    response_class=HTMLResponse,
)
def report_page(scenario_id: DbId, request: Request, store: StoreDep, _w: PrincipalDep) -> Any:
    from twin.export.scenario_report import report_html

    twin, report = _report(request, store, dict(stored.get_scenario(store, scenario_id).document))
    return HTMLResponse(report_html(twin, report))


@router.get(
    "/scenarios/{scenario_id}/clashes.bcf",
    summary="Clashes of the proposed elements as BCF 3.0 topics",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def clashes_bcf(scenario_id: DbId, request: Request, store: StoreDep, _w: PrincipalDep) -> Response:
    from twin.export.scenario_report import clashes_bcf_zip

    _, report = _report(request, store, dict(stored.get_scenario(store, scenario_id).document))
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
    docs = [dict(stored.get_scenario(store, i).document) for i in ids]
    return compare([_report(request, store, d)[1] for d in docs])


def _scenario_doc(request: Request, value: str) -> dict[str, Any]:
    try:
        sid = int(value)
    except ValueError:
        sid = 0
    if not 1 <= sid <= INT64_MAX:
        raise InvalidInput(f"scenario must be a stored scenario id, got {value!r}") from None
    return dict(stored.get_scenario(request.app.state.store, sid).document)


def plan_layer(request: Request, twin: Twin, storey_guid: str, value: str) -> ScenarioLayer:
    """``plan.svg?scenario=ID``: see :class:`twin.export.scenario_plan.ScenarioLayer`."""
    _, report = _report(request, request.app.state.store, _scenario_doc(request, value))
    return ScenarioLayer(report)


def scene_layer(request: Request, twin: Twin, value: str) -> dict[str, tuple[float, ...]]:
    """``scene.glb?scenario=ID``: see :func:`twin.export.scenario_plan.scene_colors`."""
    _, report = _report(request, request.app.state.store, _scenario_doc(request, value))
    return scene_colors(report)
