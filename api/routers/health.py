"""Liveness and readiness for orchestrators and monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import CampusDep
from api.errors import problem

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the process answers")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Readiness: at least one model is loaded",
    responses={503: {"description": "No model loaded yet"}},
)
def ready(request: Request, campus: CampusDep) -> JSONResponse:
    """200 ``{"status": "ready", "models": n}``; else a 503 problem document (an error answer,
    like every other) that still says ``models: 0``."""
    n = len(campus)
    if not n:
        return problem(request, 503, "Not ready", "no model is loaded yet", "not-ready", models=0)
    return JSONResponse({"status": "ready", "models": n})
