"""One meaning per parameter name across the API, written once.

Every route that filters by ``building`` means a building's GlobalId, every ``limit`` caps the
rows returned, and so on; writing those sentences beside each of a hundred parameters would
let them drift apart. A route that gives its own ``description`` keeps it; any parameter still
without one after :func:`describe_parameters` is a name this glossary does not know, and
``tests/test_openapi_docs.py`` fails on it so that a new name gets its sentence here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

__all__ = ["GLOSSARY", "GUID_BY_COLLECTION", "describe_parameters", "install_parameter_glossary"]

#: ``{guid}`` path parameters, by the collection (first path segment) they address.
GUID_BY_COLLECTION: dict[str, str] = {
    "buildings": "GlobalId of the building (IfcBuilding), as listed by GET /buildings.",
    "storeys": "GlobalId of the storey (IfcBuildingStorey), as listed by "
    "GET /buildings/{guid}/storeys.",
    "spaces": "GlobalId of the room (IfcSpace); GET /search finds it by room number or name.",
    "elements": "GlobalId of the element (IFC product); GET /search finds it by name or tag.",
    "assets": "GlobalId of the asset's element; GET /assets lists them.",
    "networks": "GlobalId of a building (or id of a served model) whose distribution systems "
    "are listed.",
}

#: Parameter name -> what it means wherever the API uses it.
GLOSSARY: dict[str, str] = {
    "actor": "Only entries by this principal (API key name, or 'anonymous' with auth off).",
    "alarm": "Id of an alarm: start from its sensor's element or room.",
    "bbox": "Plan box 'xmin,ymin,xmax,ymax' in the building's local metres.",
    "bucket": "Width of the time buckets, e.g. '5m', '1h', '1d'.",
    "building": "GlobalId of a building: only records in it.",
    "by": "What the consumption is grouped by.",
    "category": "Only hazards of this category.",
    "consequences": "Also list the alarms grouped under an upstream cause (suppressed in the "
    "inbox by default, always recorded).",
    "crs": "Coordinates: 'local' (the model's metres), 'wgs84' (longitude/latitude) or 'map' "
    "(the projected CRS of the model's IfcMapConversion); 'wgs84' and 'map' need "
    "georeferencing.",
    "element": "GlobalId of an element: only records about it.",
    "end": "Only what is due before this time (ISO 8601 with offset or Z).",
    "expiring_within_days": "Only the latest certificate per element that expires within this "
    "many days or has expired.",
    "guid": "GlobalId of the addressed object.",
    "ids": "Ids of the stored scenarios to compare, at least two.",
    "index": "Position of the checkpoint in the template, from 0.",
    "job_id": "Id of the ingest job, as returned by POST /models.",
    "key_id": "Id of the API key (GET /keys lists them).",
    "kind": "Element kind of the twin's vocabulary, e.g. 'valve' or 'pump' (repeat the parameter "
    "where it takes a list).",
    "limit": "At most this many rows.",
    "meter": "Sensor id of one meter: only its rows.",
    "min_hours": "Hours in a row above the baseline band before it counts as an anomaly.",
    "model_id": "Id of a served model, as listed by GET /models.",
    "offset": "Rows to skip before the first returned (paging with limit).",
    "open_only": "Only orders not completed yet.",
    "operators": "Operators sharing the alarm load, for the alarms-per-operator rate.",
    "overlay": "Name of a live layer drawn over the plan (e.g. 'alarms').",
    "period": "Length of each roll-up period.",
    "plan": "Id of a preventive maintenance plan: only its orders.",
    "priority": "Only this priority.",
    "q": "Text to find: room number, room or element name, asset tag, GlobalId prefix.",
    "quantity": "Measured quantity, e.g. 'temperature', 'energy'.",
    "reason": "Only dead letters refused for this reason.",
    "sensor": "Id of a sensor: only records about it.",
    "sensor_id": "Id of the sensor (or meter), as registered or bound from a gateway.",
    "since": "Only entries at or after this time (ISO 8601 with offset or Z).",
    "skill": "Only technicians with this skill.",
    "sku": "Stock-keeping unit of the spare part.",
    "space": "GlobalId of a room (IfcSpace): only records in it.",
    "start": "Only what starts at or after this time (ISO 8601 with offset or Z).",
    "state": "Only records in this state.",
    "status": "Only records in this status (several comma-separated where the example shows it).",
    "storey": "GlobalId of a storey: only records on it.",
    "system": "Name or GlobalId of a distribution system: only elements of it.",
    "target": "Only entries about this target, 'kind:id' (e.g. 'ticket:7').",
    "technician": "Id of a technician: only their records.",
    "technician_id": "Id of the technician, as registered.",
    "template": "Id of a patrol round template: only its rounds.",
    "ticket": "Id of a work order: start from its element or room.",
    "types": "Only these event types, comma-separated (e.g. 'alarm,ticket').",
    "tz": "IANA time zone the periods are cut in (e.g. 'Europe/Berlin').",
    "until": "Only entries before this time (ISO 8601 with offset or Z).",
    "weeks": "Weeks of history the baseline is fitted on.",
}

_METHODS = ("get", "put", "post", "delete", "patch")


def _meaning(name: str, where: str, path: str) -> str | None:
    if name == "guid" and where == "path":
        collection = path.strip("/").split("/", 1)[0]
        return GUID_BY_COLLECTION.get(collection, GLOSSARY["guid"])
    return GLOSSARY.get(name)


def describe_parameters(document: dict[str, Any]) -> dict[str, Any]:
    """Give every parameter without a description its glossary meaning, in place (idempotent)."""
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            for param in operation.get("parameters", []):
                if param.get("description"):
                    continue
                meaning = _meaning(param.get("name", ""), param.get("in", ""), path)
                if meaning is not None:
                    param["description"] = meaning
    return document


def install_parameter_glossary(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the document with :func:`describe_parameters` applied."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        return describe_parameters(build())

    app.openapi = openapi  # type: ignore[method-assign]
