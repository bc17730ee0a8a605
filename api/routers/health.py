"""Liveness and readiness for orchestrators and monitoring."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import CampusDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: at least one model is loaded",
    responses={503: {"description": "No model loaded yet"}},
)
def ready(campus: CampusDep) -> JSONResponse:
    n = len(campus)
    body = {"status": "ready" if n else "not-ready", "models": n}
    return JSONResponse(body, status_code=200 if n else 503)
