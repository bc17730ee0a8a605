"""Loaded models, their data-quality reports, and uploads ingested in the background."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, File, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.auth import PrincipalDep
from api.deps import CampusDep, JobsDep, SettingsDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.models import JOB_EXAMPLE, GeometryEngine, ModelOut
from api.uploads import audit_upload, save_ifc_upload, upload_audit_hook
from twin.errors import TwinError
from twin.model import Twin
from twin.service.models import admit_upload

router = APIRouter(tags=["models"])


@router.get(
    "/models",
    summary="Models being served",
    description="One entry per IFC file. Discipline models served as one building (same "
    "spatial structure, or federated with `building=`) list each other in `building_models`.",
    response_model=list[ModelOut],
)
def list_models(campus: CampusDep) -> list[ModelOut]:
    return [ModelOut.of(mid, t, campus.building_models(mid)) for mid, t in campus.models().items()]


@router.get(
    "/models/{model_id}",
    summary="One model",
    response_model=ModelOut,
    responses=PROBLEM_RESPONSES,
)
def get_model(model_id: str, campus: CampusDep) -> ModelOut:
    """One served model: file, schema, sha256, buildings, counts, georeferencing and ingest time."""
    return ModelOut.of(model_id, campus.twin(model_id), campus.building_models(model_id))


@router.delete(
    "/models/{model_id}",
    status_code=204,
    summary="Stop serving a model",
    description="Unloads one file. The other discipline models of its building stay served, "
    "and only the elements this model brought disappear. Live records stay in the store.",
    responses=PROBLEM_RESPONSES,
)
def delete_model(model_id: str, campus: CampusDep) -> Response:
    campus.twin(model_id)
    campus.remove(model_id)
    return Response(status_code=204)


@router.get(
    "/models/{model_id}/quality",
    summary="Data-quality report of a model",
    responses={
        **PROBLEM_RESPONSES,
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "counts": {"storeys": 4, "spaces": 21, "doors": 14},
                        "spaces_without_geometry": [],
                        "spaces_located_by_fallback": [],
                        "elements_without_storey": [],
                        "elements_located_by_geometry": [],
                        "distribution_without_ports": [],
                        "area_checks": {"0BTBFw6f90Nfh9rP1dlXr2": [20.1, 20.05]},
                        "georeferencing": "none",
                        "warnings": [],
                    }
                }
            }
        },
    },
)
def get_quality(model_id: str, campus: CampusDep) -> dict[str, object]:
    """What the ingest could not read or had to assume in a model: the data-quality report, per
    check."""
    return campus.twin(model_id).quality.as_dict()


@router.post(
    "/models",
    status_code=202,
    summary="Upload an IFC file; it is ingested in the background",
    description="Answers 202 with a job; poll `GET /jobs/{id}` until `state` is done or failed. "
    "When done, the model is served and its IfcSensors are registered in the live store "
    "(readings for them are accepted without a restart). A model sharing a served building's "
    "spatial structure with disjoint products joins it as a discipline model; one sharing most "
    "products with a served model (or sent with `replaces`) is a revision that replaces it, and "
    "the job's `result.changes` lists the products added, removed and changed, with "
    "`result.orphaned` the live records left pointing at removed ones. A model whose products "
    "collide otherwise fails its job with a 409 problem (`model`, `colliding`).",
    responses={
        **PROBLEM_RESPONSES,
        202: {"content": {"application/json": {"example": JOB_EXAMPLE}}},
        413: {"description": "File too large"},
    },
)
async def upload_model(
    request: Request,
    file: Annotated[UploadFile, File(description="an IFC (STEP) file")],
    settings: SettingsDep,
    jobs: JobsDep,
    who: PrincipalDep,
    building: Annotated[
        str | None,
        Query(
            description="GlobalId or name of a served building this model belongs to, for "
            "discipline models whose GlobalIds are unrelated to the building's",
            examples=["1xS3BCk291UvhgP2a6eflK"],
        ),
    ] = None,
    replaces: Annotated[
        str | None,
        Query(
            description="id of the served model this one revises (replaced atomically)",
            examples=["8e074161218962b9"],
        ),
    ] = None,
    engine: Annotated[
        GeometryEngine,
        Query(
            description="geometry engine of the ingest: `auto` (web-ifc where installed, "
            "ifcopenshell for what it leaves out), `webifc` or `ifcopenshell` for every "
            "product; parsed twins are cached per engine (docs/ingest.md)",
            examples=["auto"],
        ),
    ] = "auto",
) -> JSONResponse:
    name, state = file.filename or "upload.ifc", request.app.state
    try:
        final = await save_ifc_upload(file, settings)
    except TwinError as exc:  # too large, not STEP: refused, nothing kept
        store = getattr(state, "store", None)
        await run_in_threadpool(audit_upload, store, who.name, "refused", name, error=exc.title)
        raise
    serve = _serve_with_sensors(request.app, building=building, replaces=replaces)
    job = jobs.submit(
        final, name, on_done=serve, discard_on_failure=True,
        on_end=upload_audit_hook(state, who.name, name, final.stem), engine=engine,
    )  # fmt: skip
    store = getattr(state, "store", None)
    await run_in_threadpool(
        audit_upload, store, who.name, "accepted", name, sha256=final.stem, job=job.id
    )
    return JSONResponse(job.as_dict(), status_code=202, headers={"Location": f"/jobs/{job.id}"})


def _serve_with_sensors(
    app: FastAPI, *, building: str | None = None, replaces: str | None = None
) -> Callable[[Twin], tuple[str, dict[str, object]]]:
    """The job's completion, :func:`twin.service.models.admit_upload`, with the live store as
    it is when the job ends (the store may open after the upload was accepted)."""

    def done(twin: Twin) -> tuple[str, dict[str, object]]:
        store = getattr(app.state, "store", None)
        return admit_upload(
            app.state.campus, store, twin, building=building, replaces=replaces,
            warm_up=app.state.settings.warm_up,
        )  # fmt: skip

    return done


@router.get(
    "/jobs/{job_id}",
    summary="Progress of a background ingest",
    responses={
        **PROBLEM_RESPONSES,
        200: {"content": {"application/json": {"example": JOB_EXAMPLE}}},
    },
)
def get_job(job_id: str, jobs: JobsDep) -> dict[str, Any]:
    """Where an uploaded model's ingest stands, and its result or the problem document when it
    failed."""
    return jobs.get(job_id).as_dict()


@router.get("/jobs", summary="Recent ingest jobs, newest first")
def list_jobs(jobs: JobsDep) -> list[dict[str, Any]]:
    """Recent ingest jobs with their state."""
    return [j.as_dict() for j in jobs.all()]
