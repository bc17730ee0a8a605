"""Dependency aliases shared by the routers (``Annotated`` style)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.settings import Settings
from twin.service.campus import Campus
from twin.service.jobs import JobRunner

__all__ = ["CampusDep", "JobsDep", "SettingsDep"]


def get_campus(request: Request) -> Campus:
    return request.app.state.campus  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_jobs(request: Request) -> JobRunner:
    return request.app.state.jobs  # type: ignore[no-any-return]


CampusDep = Annotated[Campus, Depends(get_campus)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]
