"""Service settings, read from the environment (prefix ``TWIN_``) when the app is created.

The one place in ``api/`` that reads the environment: the app factory hands these settings to
the lifespan (store, MQTT, sweeper) and the routers. Nothing reads them at import time: tests
build apps with explicit settings, and one process can hold several apps with different settings.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TWIN_", env_file=None, extra="ignore")

    models: list[Path] = Field(
        default_factory=list, description="IFC files loaded at start-up (JSON list in TWIN_MODELS)."
    )
    campus: Path | None = Field(
        None,
        description="A campus file (campus.json: models, footpaths GeoJSON, bridges and "
        "tunnels; docs/campus.md) served with its models, as well as `models`.",
    )
    federate: bool = Field(
        False,
        description="Serve all `models` as one building (discipline models whose GlobalIds are "
        "unrelated); models sharing a building's spatial structure are federated anyway.",
    )
    cache_dir: Path = Field(Path("var/cache"), description="Parsed-twin cache, keyed by sha256.")
    upload_dir: Path = Field(Path("var/uploads"), description="Where uploaded IFC files are kept.")
    max_upload_mb: int = Field(512, description="Largest accepted IFC upload.")
    documents_dir: Path = Field(
        Path("var/documents"),
        description="Where documents and photos attached to assets and tickets are kept "
        "(content-addressed: <dir>/<sha256[:2]>/<sha256>).",
    )
    documents_max_mb: float = Field(20.0, description="Largest accepted document or photo.")
    store_url: str = Field("sqlite:///var/twin.db", description="Live-state store URL.")
    auth: bool = Field(False, description="Require API keys (TWIN_AUTH=on).")
    anonymous_read: bool = Field(True, description="With auth on, let GETs through without a key.")
    max_body_mb: float = Field(
        8.0, description="Largest request body on every route but file uploads (api/limits.py)."
    )
    viewer_dir: Path = Field(
        Path(__file__).resolve().parent.parent / "viewer", description="Static web client."
    )
    ingest_workers: int = Field(1, description="Background ingest jobs run at once.")
    demo_seed: bool = Field(False, description="Seed demo technicians into an empty store.")
    warm_up: bool = Field(
        True,
        description="Build each served model's spatial index, navigation graph and networks in "
        "the background right after loading (else on the first request that needs them).",
    )
    mqtt_url: str = Field(
        "",
        description="MQTT broker to take readings from, e.g. mqtt://127.0.0.1:1883 (empty: off).",
    )
    mqtt_topic: str = Field("twin/readings/#", description="Topic filter of the readings.")
    mqtt_client_id: str = Field(
        "twin-live-ingest",
        description="Client id of the persistent QoS 1 session: one API process per id.",
    )
    mqtt_share_group: str = Field(
        "",
        description="Non-empty: subscribe `$share/<group>/<topic>` (MQTT 5 shared subscription) so "
        "several processes split the readings, each stored once; each process then takes the "
        "client id `<mqtt_client_id>-<n>` by file lock in `mqtt_slot_dir` (one "
        "`mqtt_client_id` per host). `twin serve --workers N` (N > 1) sets `twin` when empty.",
    )
    mqtt_slot_dir: Path = Field(
        Path("var/run"),
        description="Where the processes of one host lock their MQTT client-id slots.",
    )
    stale_sweep_s: float = Field(
        30.0, description="Seconds between stale-sensor sweeps (0 or less: off)."
    )
    readings_retention_days: float = Field(
        0,
        description="PostgreSQL: drop raw readings partitions (whole months) older than this "
        "many days on the periodic run; the 5-min/hour/day rollups are kept (0: keep all).",
    )
    gateways: str = Field(
        "",
        description="Gateway configuration file (YAML/JSON: Modbus TCP and BACnet/IP devices, "
        "see docs/gateways.md); empty: no gateways.",
    )
    sla: str = Field(
        "",
        description='SLA windows per ticket priority as JSON, e.g. {"urgent": {"respond_min": 10, '
        '"arrive_min": 45}}; layered over the defaults in twin/live/sla.py (empty: defaults).',
    )
