"""The live store as a dependency: ``StoreDep`` reads ``request.app.state.store``, which the
sensors router's start-up hook opens (the one place the store is created)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from twin.errors import StoreUnavailable
from twin.live.store import LiveStore

__all__ = ["StoreDep", "get_store"]


def get_store(request: Request) -> LiveStore:
    store = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreUnavailable("the live store is not open (start-up not finished or failed)")
    return store  # type: ignore[no-any-return]


StoreDep = Annotated[LiveStore, Depends(get_store)]
