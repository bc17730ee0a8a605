"""Gateways to the building's own systems (Modbus TCP, BACnet/IP): health, points, bindings to
the twin, and setpoint writes (admin only, audited, refused unless the configuration allows).

The gateways run beside the app when ``TWIN_GATEWAYS`` names a configuration file
(:mod:`twin.gateways.config`); without it these operations answer with empty lists."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse

from api.auth import PrincipalDep
from api.deps import CampusDep, StoreDep
from api.errors import PROBLEM_RESPONSES
from api.schemas.gateways import BindingIn, BindingOut, GatewayPointOut, GatewaysOut, WriteIn
from twin.errors import InvalidInput, NotFound
from twin.gateways.service import GatewayService

__all__ = ["router"]

router = APIRouter(tags=["gateways"])
BUILDING_HELP = "building GlobalId (optional when one model is served)"
CSV_EXAMPLE = "point,element,space,status\nmeter-1.active_power,2O2Fr$t4X7Zf8NOew3FLOH,,confirmed\n"


class GatewaysOff(NotFound):
    title = "No gateways configured"


def get_gateways(request: Request) -> GatewayService | None:
    return getattr(request.app.state, "gateways", None)


GatewaysDep = Annotated[GatewayService | None, Depends(get_gateways)]


def _need(gw: GatewayService | None) -> GatewayService:
    if gw is None:
        raise GatewaysOff("no gateway configuration is set (TWIN_GATEWAYS)")
    return gw


@router.get("/gateways", response_model=GatewaysOut, summary="Gateway and device health")
def gateways(gw: GatewaysDep) -> GatewaysOut:
    """The BACnet and Modbus gateways: devices up and down, last poll, failures and the last
    error."""
    if gw is None:
        return GatewaysOut(configured=False)
    return GatewaysOut(configured=True, **gw.health())


@router.get(
    "/gateways/points", response_model=list[GatewayPointOut], summary="Points of every device"
)
def points(gw: GatewaysDep) -> list[GatewayPointOut]:
    """Every point the gateways read, with its device, reference, quantity and unit; stale points
    flagged."""
    if gw is None:
        return []
    stale = gw.stale()
    return [
        GatewayPointOut(
            id=p.id,
            device=p.device,
            protocol=p.protocol,
            ref=p.ref,
            name=p.name,
            description=p.description,
            quantity=p.quantity,
            unit=p.unit,
            stale=p.id in stale,
        )
        for p in gw.points()
    ]


@router.get(
    "/gateways/bindings",
    response_model=list[BindingOut],
    summary="Where each point is in the twin (confirmed, suggested or unmatched)",
)
def bindings(
    gw: GatewaysDep,
    status: Annotated[str | None, Query(pattern="^(confirmed|suggested|unmatched)$")] = None,
) -> list[BindingOut]:
    """Where each gateway point sits in the twin: confirmed, suggested (with why) or unmatched."""
    if gw is None:
        return []
    return [BindingOut.model_validate(b) for b in gw.bindings() if status in (None, b.status)]


@router.post(
    "/gateways/bindings/suggest",
    response_model=list[BindingOut],
    responses=PROBLEM_RESPONSES,
    summary="Suggest bindings from tags and room numbers in point names",
)
def suggest_bindings(
    gw: GatewaysDep,
    campus: CampusDep,
    building: Annotated[
        str | None, Query(description="building GlobalId (optional with one model)")
    ] = None,
) -> list[BindingOut]:
    """Confirmed bindings are kept; every other point gets a suggestion or stays unmatched."""
    service = _need(gw)
    if building is None:
        twins = list(campus)
        if len(twins) != 1:
            raise InvalidInput(f"{len(twins)} models are served: name the building")
        twin = twins[0]
    else:
        twin = campus.twin_of(building)
    return [BindingOut.model_validate(b) for b in service.suggest(twin)]


@router.put(
    "/gateways/bindings/{sensor_id}",
    response_model=BindingOut,
    responses=PROBLEM_RESPONSES,
    summary="Confirm or change one point's binding",
)
def put_binding(
    sensor_id: str, body: BindingIn, gw: GatewaysDep, campus: CampusDep, store: StoreDep,
    who: PrincipalDep,
) -> BindingOut:  # fmt: skip
    """Confirm a suggested binding of a gateway point to a sensor, room or element, or bind it
    elsewhere."""
    service = _need(gw)
    guid = body.element or body.space
    twin = campus.twin_of(guid) if guid else None
    b = service.confirm(sensor_id, twin, element=body.element, space=body.space, status=body.status)
    store.audit.record(who.name, "gateway.binding", f"point:{sensor_id}",
                       {"element": b.element, "space": b.space, "status": b.status})  # fmt: skip
    return BindingOut.model_validate(b)


@router.get(
    "/gateways/bindings.csv",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Bindings as CSV (edit and send back with PUT)",
)
def export_bindings(gw: GatewaysDep) -> Response:
    """Every binding as CSV to review in a spreadsheet and send back with PUT."""
    text = gw.export_csv() if gw is not None else ""
    return Response(text, media_type="text/csv")


@router.put(
    "/gateways/bindings.csv",
    response_model=list[BindingOut],
    responses=PROBLEM_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": CSV_EXAMPLE,
                }
            },
        }
    },
    summary="Import bindings from CSV (all rows checked first; any bad row refuses the file)",
)
async def import_bindings(
    request: Request, gw: GatewaysDep, campus: CampusDep, store: StoreDep, who: PrincipalDep
) -> list[BindingOut]:
    """Replace bindings from a CSV: every row is checked first and any bad row refuses the whole
    file, so a half-applied import cannot happen."""
    service = _need(gw)
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the CSV must be UTF-8") from exc
    out = await asyncio.to_thread(service.import_csv, text, campus.twin_of)
    detail = {"points": [b.point for b in out if b.status == "confirmed"]}
    await asyncio.to_thread(
        store.audit.record, who.name, "gateway.bindings_import", "gateways", detail
    )
    return [BindingOut.model_validate(b) for b in out]


@router.post(
    "/gateways/points/{sensor_id}/write",
    status_code=204,
    responses=PROBLEM_RESPONSES,
    summary="Write a BACnet setpoint (admin; refused unless writes are enabled)",
)
def write_point(
    sensor_id: str, body: WriteIn, gw: GatewaysDep, store: StoreDep, who: PrincipalDep
) -> Response:
    """Write a setpoint to a BACnet point; refused unless the server enables writes, admin only,
    audited."""
    service = _need(gw)
    service.write(sensor_id, body.value, body.priority)
    store.audit.record(who.name, "gateway.write", f"point:{sensor_id}",
                       {"value": body.value, "priority": body.priority})  # fmt: skip
    return Response(status_code=204)
