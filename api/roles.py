"""Which role each operation needs: one table, keyed by (method, path template).

The auth gate (:mod:`api.auth`) looks every request up here before the handler runs or its body is
read, so no handler has to remember a role check. An operation missing from the table needs
``admin`` (fail closed), and ``tests/test_auth_matrix.py`` fails on any operation that is missing.

Rules behind the entries (docs/work-orders.md, "Roles"):

- reads need ``viewer``, and so do pure computations sent as POST because their input is too big
  or structured for a query string (impact, common cause, routes, patrols, unsaved scenario
  impact): they change nothing;
- the live desk (readings, sensors, alarm rules, acks, tickets, technicians, dispatch) needs
  ``operator``; a technician's own moves (ticket transitions, decline, position, shift) need
  ``technician``, and the handler then checks the key acts for that technician;
- what changes what the twin serves or plans (model uploads, scenarios, design files) needs
  ``planner``: planners bring in new and revised models; an operator runs the building as it is;
- writes to the building's own systems (BMS setpoints through a gateway) are for ``admin``, and
  are refused anyway unless the gateway configuration allows them;
- keys, the audit log and rejected payloads (``/dead-letters`` shows raw client input) are for
  ``admin`` (dead letters also for ``operator``, who runs the ingest).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["FAIL_CLOSED_ROLE", "OPERATION_ROLES", "PUBLIC", "required_role"]

#: The role asked of an operation the table does not know.
FAIL_CLOSED_ROLE: Final = "admin"
#: Answered without a key even with auth on: liveness, the root redirect to the viewer and the
#: /docs page. ``/openapi.json`` and the viewer's static files (Swagger UI's assets among them) are
#: not API operations at all (the gate lets them through by their paths, see ``api.auth``).
PUBLIC: Final = "public"

_V, _T, _O, _P, _A = "viewer", "technician", "operator", "planner", "admin"

OPERATION_ROLES: Final[Mapping[tuple[str, str], str]] = {
    # health and the viewer's entry point
    ("GET", "/health"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/m"): PUBLIC,  # redirect to the technician's phone page (viewer/m.html)
    ("GET", "/docs"): PUBLIC,  # Swagger UI page, served from local assets (api/app.py)
    ("GET", "/redoc"): PUBLIC,  # redirect to /docs (ReDoc needed a CDN)
    ("GET", "/ready"): _V,
    # the building: read-only
    ("GET", "/buildings"): _V,
    ("GET", "/buildings/{guid}"): _V,
    ("GET", "/buildings/{guid}/storeys"): _V,
    ("GET", "/storeys/{guid}"): _V,
    ("GET", "/storeys/{guid}/spaces"): _V,
    ("GET", "/spaces/{guid}"): _V,
    ("GET", "/locate"): _V,
    ("GET", "/elements"): _V,
    ("GET", "/elements/{guid}"): _V,
    ("GET", "/search"): _V,
    ("GET", "/storeys/{guid}/plan.svg"): _V,
    ("GET", "/storeys/{guid}/plan.geojson"): _V,
    ("GET", "/buildings/{guid}/plan.gpkg"): _V,
    ("GET", "/buildings/{guid}/scene.glb"): _V,
    ("GET", "/buildings/{guid}/scene-colors"): _V,
    ("GET", "/buildings/{guid}/brick.ttl"): _V,  # Brick RDF export (issue 18)
    ("GET", "/buildings/{guid}/brick.jsonld"): _V,
    # models and their ingest jobs
    ("GET", "/models"): _V,
    ("GET", "/models/{model_id}"): _V,
    ("GET", "/models/{model_id}/quality"): _V,
    ("POST", "/models"): _P,
    ("DELETE", "/models/{model_id}"): _P,
    ("GET", "/jobs"): _V,
    ("GET", "/jobs/{job_id}"): _V,
    # networks: traces and computations (POST bodies, no writes)
    ("GET", "/networks/{guid}/systems"): _V,
    ("GET", "/elements/{guid}/upstream"): _V,
    ("GET", "/elements/{guid}/downstream"): _V,
    ("GET", "/elements/{guid}/isolation"): _V,
    ("POST", "/impact"): _V,
    ("POST", "/common-cause"): _V,
    ("GET", "/localize"): _V,
    # routing: computations
    ("GET", "/routes"): _V,
    ("POST", "/routes"): _V,
    ("POST", "/patrols"): _V,
    # the campus (issue 17): site overview, its GeoJSON, routes between buildings
    ("GET", "/campus"): _V,
    ("GET", "/campus.geojson"): _V,
    ("POST", "/campus/route"): _V,
    # networks across the campus buildings (issue 17): joints, impact, isolation, trace
    ("GET", "/campus/networks/joints"): _V,
    ("POST", "/campus/networks/impact"): _V,
    ("GET", "/campus/networks/elements/{guid}/isolation"): _V,
    ("GET", "/campus/networks/elements/{guid}/upstream"): _V,
    ("GET", "/campus/networks/elements/{guid}/downstream"): _V,
    # patrol rounds and preventive maintenance (issue 15): the desk plans, technicians check in
    ("GET", "/patrols"): _V,
    ("GET", "/patrols/{round_id}/check-ins"): _V,
    ("POST", "/patrols/{round_id}/check-ins"): _T,
    ("GET", "/patrols/{round_id}/check-ins/{checkin_id}/documents"): _V,
    ("POST", "/patrols/{round_id}/check-ins/{checkin_id}/documents"): _T,
    ("GET", "/patrol-templates"): _V,
    ("POST", "/patrol-templates"): _O,
    ("GET", "/patrol-templates/{template_id}/checkpoints/{index}/qr.svg"): _V,
    ("POST", "/patrol-templates/{template_id}/rounds"): _O,
    ("GET", "/patrol-completion"): _V,
    ("GET", "/pm-plans"): _V,
    ("POST", "/pm-plans"): _O,
    ("GET", "/pm-orders"): _V,
    ("POST", "/pm-orders/generate"): _O,
    ("POST", "/pm-orders/{order_id}/complete"): _T,
    ("GET", "/pm-compliance"): _V,
    ("GET", "/certificates"): _V,
    ("POST", "/certificates"): _O,
    # live state
    ("GET", "/events"): _V,
    ("POST", "/readings"): _O,
    ("GET", "/sensors"): _V,
    ("POST", "/sensors"): _O,
    ("GET", "/sensors/{sensor_id}"): _V,
    ("GET", "/sensors/{sensor_id}/latest"): _V,
    ("GET", "/sensors/{sensor_id}/readings"): _V,
    ("GET", "/spaces/{guid}/latest"): _V,
    ("GET", "/storeys/{guid}/latest"): _V,
    ("GET", "/dead-letters"): _O,
    ("GET", "/alarm-rules"): _V,
    ("POST", "/alarm-rules"): _O,
    ("GET", "/alarms"): _V,
    # energy sub-metering and the command-centre figures (issue 16): reads
    ("GET", "/energy/meters"): _V,
    ("GET", "/energy/meters/{sensor_id}/intervals"): _V,
    ("GET", "/energy/meters/{sensor_id}/baseline"): _V,
    ("GET", "/energy/rollup"): _V,
    ("GET", "/energy/export.csv"): _V,
    ("GET", "/energy/enpi"): _V,
    ("GET", "/energy/meters/{sensor_id}/temperature-baseline"): _V,
    ("GET", "/energy/meters/{sensor_id}/replacements"): _V,
    ("POST", "/energy/meters/{sensor_id}/replacements"): _O,  # the desk registers a swap
    ("GET", "/energy/factors"): _V,
    ("PUT", "/energy/factors/{carrier}"): _O,
    ("GET", "/kpis"): _V,
    ("GET", "/alarms/{alarm_id}"): _V,
    ("POST", "/alarms/{alarm_id}/ack"): _O,
    ("POST", "/alarms/{alarm_id}/clear"): _O,
    # the alarm inbox (issue 15): reads for viewers, the operator's decisions
    ("GET", "/alarm-inbox"): _V,
    ("POST", "/alarm-inbox/{alarm_id}/ack"): _O,
    ("PUT", "/alarm-inbox/{alarm_id}/shelf"): _O,
    ("DELETE", "/alarm-inbox/{alarm_id}/shelf"): _O,
    ("GET", "/alarm-shelves"): _V,
    ("GET", "/alarm-suppressions"): _V,
    ("POST", "/alarm-suppressions"): _O,
    ("DELETE", "/alarm-suppressions/{suppression_id}"): _O,
    ("GET", "/alarm-health"): _V,
    # escalation (issue 15): channels say where alarm data leaves the twin, so admin only
    ("GET", "/escalation-rules"): _V,
    ("POST", "/escalation-rules"): _O,
    ("GET", "/notification-channels"): _A,
    ("POST", "/notification-channels"): _A,
    ("GET", "/notifications"): _V,
    ("GET", "/notifications/{outbox_id}/attempts"): _V,
    ("POST", "/notifications/run"): _O,
    # work orders and technicians
    ("GET", "/tickets"): _V,
    ("POST", "/tickets"): _O,
    ("GET", "/tickets/{ticket_id}"): _V,
    ("GET", "/tickets/{ticket_id}/bcf"): _V,
    ("POST", "/tickets/{ticket_id}/transitions"): _T,
    ("POST", "/tickets/{ticket_id}/dispatch"): _O,
    ("POST", "/tickets/{ticket_id}/decline"): _T,
    ("PUT", "/tickets/{ticket_id}/rating"): _O,
    ("GET", "/technicians"): _V,
    ("POST", "/technicians"): _O,
    ("GET", "/technicians/{technician_id}"): _V,
    ("PUT", "/technicians/{technician_id}/position"): _T,
    ("PUT", "/technicians/{technician_id}/shift"): _T,
    # lock-out of work orders: a technician locks and releases their own locks (a supervisor,
    # operator or admin, may release anyone's: checked by the service)
    ("GET", "/tickets/{ticket_id}/isolation-plan"): _V,
    ("GET", "/tickets/{ticket_id}/locks"): _V,
    ("POST", "/tickets/{ticket_id}/locks"): _T,
    ("POST", "/tickets/{ticket_id}/locks/{lock_id}/release"): _T,
    ("POST", "/tickets/{ticket_id}/restore"): _T,
    # hazard ledger: anyone in the field reports; the desk sets owner and deadline
    ("GET", "/hazards"): _V,
    ("POST", "/hazards"): _T,
    ("GET", "/hazards/{hazard_id}"): _V,
    ("PATCH", "/hazards/{hazard_id}"): _O,
    ("POST", "/hazards/{hazard_id}/transitions"): _T,
    ("POST", "/hazards/{hazard_id}/tickets"): _O,
    ("GET", "/buildings/{guid}/hazards.csv"): _V,
    ("GET", "/buildings/{guid}/hazards.html"): _V,
    ("GET", "/hazards/{hazard_id}/documents"): _V,
    ("POST", "/hazards/{hazard_id}/documents"): _T,
    # renovation scenarios
    ("GET", "/scenarios"): _V,
    ("POST", "/scenarios"): _P,
    ("GET", "/scenarios/{scenario_id}"): _V,
    ("PUT", "/scenarios/{scenario_id}"): _P,
    ("DELETE", "/scenarios/{scenario_id}"): _P,
    ("POST", "/scenarios/{scenario_id}/design"): _P,
    ("GET", "/scenarios/{scenario_id}/impact"): _V,
    ("POST", "/scenarios/impact"): _V,
    ("GET", "/scenarios/{scenario_id}/report.html"): _V,
    ("GET", "/scenarios/{scenario_id}/clashes.bcf"): _V,
    ("GET", "/scenario-comparison"): _V,
    # gateways to the building's own systems (BMS points): reads for viewers, bindings for the
    # operator who runs the building, setpoint writes admin-only (and off unless configured)
    ("GET", "/gateways"): _V,
    ("GET", "/gateways/points"): _V,
    ("GET", "/gateways/bindings"): _V,
    ("GET", "/gateways/bindings.csv"): _V,
    ("POST", "/gateways/bindings/suggest"): _O,
    ("PUT", "/gateways/bindings/{sensor_id}"): _O,
    ("PUT", "/gateways/bindings.csv"): _O,
    ("POST", "/gateways/points/{sensor_id}/write"): _A,
    # asset register and attached documents: reads for viewers, edits and asset documents for
    # the operator, photos on a ticket also for the technician working it, deletes admin-only
    ("GET", "/assets"): _V,
    ("GET", "/assets.csv"): _V,
    ("GET", "/assets.xlsx"): _V,
    ("GET", "/assets/{guid}"): _V,
    ("PATCH", "/assets/{guid}"): _O,
    ("GET", "/assets/{guid}/documents"): _V,
    ("POST", "/assets/{guid}/documents"): _O,
    ("GET", "/tickets/{ticket_id}/documents"): _V,
    ("POST", "/tickets/{ticket_id}/documents"): _T,
    ("GET", "/documents/{doc_id}"): _V,
    ("GET", "/documents/{doc_id}/content"): _V,
    ("DELETE", "/documents/{doc_id}"): _A,
    # spare parts: the storeroom (operator) defines, receives and counts; a technician books
    # the parts used on a work order
    ("GET", "/spare-parts"): _V,
    ("PUT", "/spare-parts/{sku}"): _O,
    ("GET", "/spare-parts/{sku}"): _V,
    ("POST", "/spare-parts/{sku}/movements"): _O,
    ("GET", "/spare-parts/{sku}/movements"): _V,
    ("POST", "/tickets/{ticket_id}/parts"): _T,
    ("GET", "/tickets/{ticket_id}/parts"): _V,
    # administration
    ("GET", "/keys"): _A,
    ("GET", "/whoami"): _V,  # who the caller is (any key, or anonymous with anonymous read)
    ("POST", "/keys"): _A,
    ("DELETE", "/keys/{key_id}"): _A,
    ("GET", "/audit"): _A,
}


def required_role(method: str, path: str) -> str:
    """The role ``method path`` (a route's path template) needs; HEAD is a GET; unknown → admin."""
    method = "GET" if method == "HEAD" else method
    return OPERATION_ROLES.get((method, path), FAIL_CLOSED_ROLE)
