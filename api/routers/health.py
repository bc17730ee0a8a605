"""Liveness and readiness for orchestrators and monitoring."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import CampusDep
from api.errors import problem

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness: the process answers")
def health(request: Request) -> dict[str, Any]:
    """``{"status": "ok", "pid": <this process>}`` (which worker of ``twin serve --workers N``
    answered); with gateways configured also ``gateways``: devices, up, down and
    the ids of the devices not answering (detail per device: ``GET /gateways``). A device down
    does not make the process unhealthy: it is the building's, and it raises its own alarm.
    With a campus served (``twin serve --campus``), ``campus``: its name (the viewer opens on
    the campus map)."""
    out: dict[str, Any] = {"status": "ok", "pid": os.getpid()}
    site = getattr(request.app.state, "site", None)
    if site is not None:  # a campus is served (GET /campus): the viewer opens on its map
        out["campus"] = site.file.name
    gw = getattr(request.app.state, "gateways", None)
    if gw is not None:
        h = gw.health()
        down = [d["device"] for g in h["gateways"] for d in g["detail"] if d["up"] is False]
        out["gateways"] = {"devices": h["devices"], "up": h["up"], "down": h["down"],
                           "down_devices": down}  # fmt: skip
    return out


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
