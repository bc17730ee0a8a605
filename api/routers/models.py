"""Loaded models, their data-quality reports, and uploads ingested in the background."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, File, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.auth import PrincipalDep
from api.deps import CampusDep, JobsDep, SettingsDep
from api.errors import PROBLEM_RESPONSES
from api.schemas import ModelOut
from api.uploads import audit_upload, save_ifc_upload, upload_audit_hook
from twin.errors import TwinError
from twin.live.discovery import register_model_sensors
from twin.model import Twin

log = logging.getLogger(__name__)

router = APIRouter(tags=["models"])

JOB_EXAMPLE = {
    "id": "5f2c0a9e1b7d",
    "filename": "wing_b.ifc",
    "state": "parsing",
    "progress": 0.1,
    "created": 1795430000.0,
    "updated": 1795430001.2,
    "seconds": 1.2,
    "model_id": None,
    "error": None,
}


@router.get("/models", summary="Models being served", response_model=list[ModelOut])
def list_models(campus: CampusDep) -> list[ModelOut]:
    return [ModelOut.of(mid, t) for mid, t in campus.models().items()]


@router.get(
    "/models/{model_id}",
    summary="One model",
    response_model=ModelOut,
    responses=PROBLEM_RESPONSES,
)
def get_model(model_id: str, campus: CampusDep) -> ModelOut:
    return ModelOut.of(model_id, campus.twin(model_id))


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
    return campus.twin(model_id).quality.as_dict()


@router.post(
    "/models",
    status_code=202,
    summary="Upload an IFC file; it is ingested in the background",
    description="Answers 202 with a job; poll `GET /jobs/{id}` until `state` is done or failed. "
    "When done, the model is served and its IfcSensors are registered in the live store "
    "(readings for them are accepted without a restart).",
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
) -> JSONResponse:
    name, state = file.filename or "upload.ifc", request.app.state
    try:
        final = await save_ifc_upload(file, settings)
    except TwinError as exc:  # too large, not STEP: refused, nothing kept
        store = getattr(state, "store", None)
        await run_in_threadpool(audit_upload, store, who.name, "refused", name, error=exc.title)
        raise
    job = jobs.submit(
        final, name, on_done=_serve_with_sensors(request.app), discard_on_failure=True,
        on_end=upload_audit_hook(state, who.name, name, final.stem),
    )  # fmt: skip
    store = getattr(state, "store", None)
    await run_in_threadpool(
        audit_upload, store, who.name, "accepted", name, sha256=final.stem, job=job.id
    )
    return JSONResponse(job.as_dict(), status_code=202, headers={"Location": f"/jobs/{job.id}"})


def _serve_with_sensors(app: FastAPI) -> Callable[[Twin], str]:
    """The job's completion: register the model's IfcSensors in the live store, serve the model,
    and build its indexes in the background.

    Sensors first: when the job reports ``done`` a reading for any of them is accepted; if the
    store refuses, the job fails and the model is not served half-wired (upload it again)."""

    def done(twin: Twin) -> str:
        store = getattr(app.state, "store", None)
        if store is not None:
            n = register_model_sensors(store, twin)
            log.info("upload %s: %d sensors registered", twin.source.path, n)
        model_id = str(app.state.campus.add(twin))
        if app.state.settings.warm_up:
            from twin.warmup import warm_up_in_background

            warm_up_in_background(app.state.campus, twin)
        return model_id

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
    return jobs.get(job_id).as_dict()


@router.get("/jobs", summary="Recent ingest jobs, newest first")
def list_jobs(jobs: JobsDep) -> list[dict[str, Any]]:
    return [j.as_dict() for j in jobs.all()]
