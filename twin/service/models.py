"""Serving an uploaded model: what happens when its background ingest is done.

The upload route only saves the file and submits a job; :func:`admit_upload` is the job's
completion, run in the job's worker thread with the twin it parsed.
"""

from __future__ import annotations

import logging
from typing import cast

from twin.live.attached import records_at, register_served_sensors
from twin.live.discovery import register_model_sensors
from twin.live.store import LiveStore
from twin.model import Twin
from twin.service.campus import Campus
from twin.service.warmup import warm_up_in_background

__all__ = ["admit_upload"]

log = logging.getLogger(__name__)


def admit_upload(
    campus: Campus,
    store: LiveStore | None,
    twin: Twin,
    *,
    building: str | None = None,
    replaces: str | None = None,
    warm_up: bool = True,
) -> tuple[str, dict[str, object]]:
    """Check the model against the served ones, register its IfcSensors in the live store,
    serve it, and (``warm_up``) build its building's indexes in the background. Returns the
    model id and the job's result (the admission, with ``orphaned`` live records for a
    revision that removed products).

    A collision is refused before anything changes. Sensors before serving: when the job
    reports ``done`` a reading for any of them is accepted; if the store refuses, the job fails
    and the model is not served half-wired (upload it again). In a federated building the
    sensors are registered again with the rooms the federation found for them."""
    campus.relate(twin, building=building, replaces=replaces)
    if store is not None:
        n = register_model_sensors(store, twin)
        log.info("upload %s: %d sensors registered", twin.source.path, n)
    admission = campus.admit(twin, building=building, replaces=replaces)
    result = admission.as_dict()
    if store is not None and admission.served is not twin:
        register_served_sensors(store, admission.served, admission.model_id)
    if store is not None and admission.changes is not None:
        # twin.revisions.diff: "removed" lists one {"guid": ..., ...} per product
        entries = cast(list[dict[str, object]], admission.changes["removed"])
        removed = [str(p["guid"]) for p in entries]
        result["orphaned"] = records_at(store, removed)
    if warm_up:
        warm_up_in_background(campus, admission.served)
    return admission.model_id, result
