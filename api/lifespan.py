"""What an app runs beside its routes: the live store, the MQTT consumer and the stale sweeper.

:func:`api.app.create_app`'s lifespan calls :func:`start_live` once the served models are
loaded and :func:`stop_live` at shutdown; nothing else opens a store. Everything comes from
:class:`api.settings.Settings`: ``store_url``, ``mqtt_url`` (empty: no consumer),
``mqtt_topic``, ``mqtt_client_id`` (one API process per id) and ``stale_sweep_s`` (the one timer;
0 or less: off). The timer runs :func:`twin.service.periodic.tick` with the configured SLA table
(``app.state.sla``, built by ``create_app`` from ``TWIN_SLA``).

State left on ``app.state``: ``store`` (read by :data:`api.deps.StoreDep`), ``mqtt``,
``stale_sweeper`` and ``gateways`` (None when off; ``gateways`` when ``settings.gateways`` names a
gateway configuration file, :mod:`twin.gateways.service`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from functools import partial
from pathlib import Path

from fastapi import FastAPI

from api.settings import Settings
from twin.gateways.config import load_config
from twin.gateways.service import GatewayService
from twin.live.discovery import register_model_sensors
from twin.live.leader import Leader
from twin.live.mqtt import MqttConfig, MqttConsumer, claim_slot
from twin.live.sla import DEFAULT_SLA
from twin.live.store import open_store
from twin.service.alarm_inbox import warm_rows
from twin.service.campus import Campus
from twin.service.periodic import run_periodic, tick

__all__ = ["start_live", "stop_live"]

log = logging.getLogger(__name__)


async def start_live(app: FastAPI, settings: Settings, campus: Campus) -> None:
    """Open the store (running migrations), register every IfcSensor of the served models
    (idempotent, source ``ifc``), then start the MQTT consumer and the stale-sensor sweep."""
    store = await asyncio.to_thread(
        open_store, settings.store_url, settings.readings_retention_days
    )
    app.state.store = store
    n = 0
    for twin in campus:
        n += await asyncio.to_thread(register_model_sensors, store, twin)
    log.info("live store %s open; %d sensors from the models", store.backend, n)
    buildings = [b for twin in campus for b in twin.buildings]
    threading.Thread(  # the first inbox query of this process finds its rows cached
        target=warm_rows, args=(store, buildings), name="inbox warm-up", daemon=True
    ).start()
    app.state.mqtt = None
    app.state.mqtt_slot = None
    if settings.mqtt_url:
        client_id = settings.mqtt_client_id
        if settings.mqtt_share_group:  # several processes: each its own stable id (docs/scale.md)
            app.state.mqtt_slot = claim_slot(settings.mqtt_slot_dir, client_id)
            client_id = app.state.mqtt_slot.client_id
        cfg = MqttConfig(
            settings.mqtt_url,
            settings.mqtt_topic,
            client_id,
            share_group=settings.mqtt_share_group,
        )
        app.state.mqtt = MqttConsumer(store, cfg)
        app.state.mqtt.start()
    app.state.stale_sweeper = None
    if settings.stale_sweep_s > 0:
        sla = getattr(app.state, "sla", DEFAULT_SLA)  # the configured TWIN_SLA (api.deps.SlaDep)
        app.state.leader = Leader(store.engine)  # one process of a cluster runs the timer
        work = partial(tick, store, campus, sla)
        app.state.stale_sweeper = asyncio.create_task(
            run_periodic(work, settings.stale_sweep_s, app.state.leader)
        )
    app.state.gateways = None
    if settings.gateways:
        service = GatewayService(store, load_config(Path(settings.gateways)))
        await asyncio.to_thread(service.start)
        app.state.gateways = service


async def stop_live(app: FastAPI) -> None:
    """Stop the sweeper and the consumer, then close the store (each only if it was started)."""
    task = getattr(app.state, "stale_sweeper", None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if getattr(app.state, "leader", None) is not None:
        await asyncio.to_thread(app.state.leader.release)
    if getattr(app.state, "mqtt", None) is not None:
        await asyncio.to_thread(app.state.mqtt.stop)
    if getattr(app.state, "mqtt_slot", None) is not None:
        app.state.mqtt_slot.release()
    if getattr(app.state, "gateways", None) is not None:
        await asyncio.to_thread(app.state.gateways.stop)
    store = getattr(app.state, "store", None)
    if store is not None:
        store.close()
