"""Dependency aliases shared by the routers (``Annotated`` style): what ``create_app`` put on
``app.state``.

``StoreDep`` reads ``request.app.state.store``, which the app's lifespan opens
(:mod:`api.lifespan`, the one place the store is created); every router reaches the store's
facade (:class:`twin.live.store.LiveStore`) through it. ``SlaDep`` is the SLA table built from
the ``TWIN_SLA`` setting when the app was created."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from api.settings import Settings
from twin.errors import StoreUnavailable
from twin.live.sla import DEFAULT_SLA, SlaPolicy
from twin.live.store import LiveStore
from twin.service.campus import Campus
from twin.service.jobs import JobRunner

__all__ = [
    "CampusDep",
    "JobsDep",
    "SettingsDep",
    "SlaDep",
    "StoreDep",
    "get_sla",
    "get_store",
]


def get_campus(request: Request) -> Campus:
    return request.app.state.campus  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_jobs(request: Request) -> JobRunner:
    return request.app.state.jobs  # type: ignore[no-any-return]


def get_store(request: Request) -> LiveStore:
    store = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreUnavailable("the live store is not open (start-up not finished or failed)")
    return store  # type: ignore[no-any-return]


def get_sla(request: Request) -> Mapping[str, SlaPolicy]:
    return getattr(request.app.state, "sla", DEFAULT_SLA)


CampusDep = Annotated[Campus, Depends(get_campus)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]
StoreDep = Annotated[LiveStore, Depends(get_store)]
SlaDep = Annotated[Mapping[str, SlaPolicy], Depends(get_sla)]
