"""Command-centre KPIs: one read for the wall display (docs/kpis.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CampusDep, SlaDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.kpis import FigureOut, KpisOut
from twin.service.kpis import command_centre

__all__ = ["router"]

router = APIRouter(tags=["kpis"], responses=PROBLEM_RESPONSES)


@router.get("/kpis", response_model=KpisOut, summary="Command-centre figures with their links")
def kpis(
    store: StoreDep,
    campus: CampusDep,
    sla: SlaDep,
    energy: Annotated[bool, Query(description="include energy today vs baseline")] = True,
) -> KpisOut:
    """The command centre's figures on one page: open work orders by priority and state, SLA
    compliance, mean times to acknowledge and repair, active alarms, critical rooms affected,
    patrols, hazards, inspections and energy; each figure links to the records behind it."""
    now = datetime.now(UTC)
    figs = command_centre(campus, store, sla, now, with_energy=energy)
    return KpisOut(at=now, figures=[FigureOut.model_validate(f) for f in figs])
