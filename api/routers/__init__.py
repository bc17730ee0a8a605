"""Routers included by :func:`api.app.create_app`, one module per resource.

Each module exposes ``router`` (an ``APIRouter``) and nothing that starts: the store, MQTT, the
sweeper and the plan/scene layer registries belong to the app factory (:mod:`api.lifespan`,
:mod:`api.layers`). Modules are discovered, so adding a resource is adding a file; names starting
with an underscore are helpers, not routers.
"""

from __future__ import annotations

import pkgutil
from pathlib import Path

__all__ = ["router_modules"]


def router_modules() -> list[str]:
    """Router module names in a stable order (health first, then alphabetical)."""
    found = pkgutil.iter_modules([str(Path(__file__).parent)])
    names = sorted(m.name for m in found if not m.name.startswith("_"))
    return sorted(names, key=lambda n: n != "health")
