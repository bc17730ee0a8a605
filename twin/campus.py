"""The set of twins one service answers for, and the objects derived from each.

A hospital site is often several IFC files (one per building or discipline). The campus holds
them side by side, finds which twin a GlobalId belongs to, and memoises what analyses derive from
a twin (spatial index, distribution networks, navigation graph). Derived objects are built once,
lazily, under a per-key lock, so concurrent requests never build the same index twice and never
see a half-built one. Twins are immutable, so derived objects never go stale; removing a twin drops
them with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from twin.errors import BuildingNotFound, NotFound
from twin.model import Building, Twin

__all__ = ["Campus"]

log = logging.getLogger(__name__)
T = TypeVar("T")


class Campus:
    """Twins keyed by model id (the first 16 hex digits of the file's sha256)."""

    def __init__(self) -> None:
        self._twins: dict[str, Twin] = {}
        self._owner: dict[str, str] = {}  # any GlobalId -> model id
        self._derived: dict[tuple[str, str], object] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.RLock()

    @staticmethod
    def model_id(twin: Twin) -> str:
        return twin.source.sha256[:16]

    def add(self, twin: Twin) -> str:
        """Serve ``twin``; a twin of the same file replaces the old one (same id)."""
        mid = self.model_id(twin)
        owner = {g: mid for g in twin.buildings}
        for table in (twin.sites, twin.storeys, twin.spaces, twin.elements, twin.systems):
            owner.update(dict.fromkeys(table, mid))
        with self._lock:
            self.remove(mid)
            self._twins[mid] = twin
            self._owner.update(owner)
        log.info("campus: serving model %s (%s), %d buildings", mid, twin.source.path, len(owner))
        return mid

    def remove(self, model_id: str) -> None:
        with self._lock:
            if self._twins.pop(model_id, None) is None:
                return
            self._owner = {g: m for g, m in self._owner.items() if m != model_id}
            for key in [k for k in self._derived if k[0] == model_id]:
                del self._derived[key]

    def __len__(self) -> int:
        return len(self._twins)

    def __iter__(self) -> Iterator[Twin]:
        return iter(list(self._twins.values()))

    def models(self) -> dict[str, Twin]:
        return dict(self._twins)

    def twin(self, model_id: str) -> Twin:
        try:
            return self._twins[model_id]
        except KeyError:
            raise NotFound(f"no model {model_id!r} is loaded", model=model_id) from None

    def twin_of(self, guid: str) -> Twin:
        """The twin holding a building, storey, space, element or system GlobalId."""
        mid = self._owner.get(guid)
        if mid is None:
            raise NotFound(f"no building, storey, space or element {guid!r} is loaded", guid=guid)
        return self._twins[mid]

    def buildings(self) -> list[tuple[Twin, Building]]:
        return [(t, b) for t in self for b in t.buildings.values()]

    def building(self, guid: str) -> tuple[Twin, Building]:
        mid = self._owner.get(guid)
        twin = self._twins.get(mid) if mid else None
        if twin is None or guid not in twin.buildings:
            raise BuildingNotFound(f"no building {guid!r} is loaded", guid=guid)
        return twin, twin.buildings[guid]

    def derived(self, twin: Twin, key: str, factory: Callable[[Twin], T]) -> T:
        """``factory(twin)`` computed once per twin and key, then shared."""
        slot = (self.model_id(twin), key)
        found = self._derived.get(slot)
        if found is not None:
            return found  # type: ignore[return-value]
        with self._lock:
            lock = self._locks.setdefault(slot, threading.Lock())
        with lock:
            found = self._derived.get(slot)
            if found is None:
                found = factory(twin)
                with self._lock:
                    if self.model_id(twin) in self._twins:
                        self._derived[slot] = found
        return found  # type: ignore[return-value]
