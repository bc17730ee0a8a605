"""The live store as a dependency: ``StoreDep`` reads ``request.app.state.store``, which the
app's start-up opens (the one place the store is created); every router reaches the store's
facade (:class:`twin.live.store.LiveStore`) through it. ``SlaDep`` is the SLA table built from
the ``TWIN_SLA`` setting when the app was created."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from twin.errors import StoreUnavailable
from twin.live.sla import DEFAULT_SLA, SlaPolicy
from twin.live.store import LiveStore

__all__ = ["SlaDep", "StoreDep", "get_sla", "get_store"]


def get_store(request: Request) -> LiveStore:
    store = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreUnavailable("the live store is not open (start-up not finished or failed)")
    return store  # type: ignore[no-any-return]


def get_sla(request: Request) -> Mapping[str, SlaPolicy]:
    return getattr(request.app.state, "sla", DEFAULT_SLA)  # type: ignore[no-any-return]


StoreDep = Annotated[LiveStore, Depends(get_store)]
SlaDep = Annotated[Mapping[str, SlaPolicy], Depends(get_sla)]
