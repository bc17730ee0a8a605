"""The set of twins one service answers for, and the objects derived from each.

A hospital site is often several IFC files: one per building, and per building often one per
discipline (architecture, HVAC, electrical). The campus keeps every file's twin as loaded (an
immutable snapshot) and serves one twin per building: a file's own twin, or, for discipline
models of one building, their federation (:func:`twin.federation.federate`, a pure function of
the files' twins). Every GlobalId resolves to exactly one served twin. A new file is related to
the served ones first (:func:`twin.revisions.relate`): a model of its own, a discipline model of
a served building, a revision that replaces a served model atomically, or a conflict that is
refused before anything changes.

The campus also memoises what analyses derive from a served twin (spatial index, distribution
networks, navigation graph). Derived objects are built once, lazily, under a per-key lock, so
concurrent requests never build the same index twice and never see a half-built one. Twins are
immutable, so derived objects never go stale; replacing or removing a twin drops them with it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from twin.errors import BuildingNotFound, NotFound
from twin.federation import federate
from twin.model import Building, Twin
from twin.revisions import Relation, diff, relate
from twin.service.cache import load_twin

__all__ = ["Admission", "Campus", "serve_files"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Admission:
    """What serving a model did: the model id, how it relates to the served models, the
    building twin that now answers for it, and, for a revision, what changed."""

    model_id: str
    action: Literal["new", "discipline", "revision", "same"]
    served: Twin
    replaced: str | None = None
    changes: Mapping[str, object] | None = None  # twin.revisions.diff of a revision
    assumptions: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "model_id": self.model_id,
            "action": self.action,
            "building_models": list(Campus.members(self.served)),
            "buildings": list(self.served.buildings),
            "replaced": self.replaced,
            "changes": dict(self.changes) if self.changes is not None else None,
            "assumptions": list(self.assumptions),
        }


class Campus:
    """File twins keyed by model id (the first 16 hex digits of the file's sha256), served as
    one twin per building."""

    def __init__(self) -> None:
        self._models: dict[str, Twin] = {}  # model id -> the file's twin
        self._groups: dict[str, tuple[str, ...]] = {}  # group key -> model ids, in serving order
        self._group_of: dict[str, str] = {}  # model id -> group key
        self._named: dict[str, str] = {}  # group key -> building GlobalId named by the client
        self._served: dict[str, Twin] = {}  # group key -> the twin that answers for it
        self._notes: dict[str, tuple[str, ...]] = {}  # group key -> federation assumptions
        self._owner: dict[str, str] = {}  # any served GlobalId -> group key
        self._derived: dict[tuple[str, str], object] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._lock = threading.RLock()

    @staticmethod
    def model_id(twin: Twin) -> str:
        """A file's model id; for a federated twin, the id of that federation."""
        return twin.source.sha256[:16]

    @staticmethod
    def members(twin: Twin) -> tuple[str, ...]:
        """Model ids of the files a served twin was built from."""
        return twin.members or (Campus.model_id(twin),)

    # -- serving and unloading -------------------------------------------------------------
    def add(self, twin: Twin, *, building: str | None = None, replaces: str | None = None) -> str:
        """Serve ``twin``; its model id. See :meth:`admit`."""
        return self.admit(twin, building=building, replaces=replaces).model_id

    def admit(
        self, twin: Twin, *, building: str | None = None, replaces: str | None = None
    ) -> Admission:
        """Serve ``twin`` next to the served models, or refuse it before anything changes.

        ``building`` (a served building's GlobalId or name) federates a model whose GlobalIds
        are unrelated to that building's; ``replaces`` (a model id) marks a revision. A twin
        of a file already served replaces it under the same id. Raises
        :class:`~twin.errors.ModelConflict` for partial collisions."""
        mid = self.model_id(twin)
        with self._lock:
            if mid in self._models and replaces in (None, mid):
                self._models[mid] = twin
                key = self._group_of[mid]
                self._serve(key, self._groups[key])
                return Admission(mid, "same", self._served[key], assumptions=self._notes[key])
            named = self._resolve_building(building) if building else None
            others = {m: t for m, t in self._models.items() if m != mid}
            rel = relate(twin, others, replaces=replaces, building=named)
            changes = None
            if rel.kind == "revision" and rel.replaces:
                old = rel.replaces
                key = self._group_of.pop(old)
                members = tuple(mid if m == old else m for m in self._groups[key])
                changes = diff(self._models.pop(old), twin)
            elif rel.kind == "discipline":
                key, members = self._joined(rel.joins, mid)
                if named:
                    self._named.setdefault(key, named)
            else:
                key, members = mid, (mid,)
            self._models[mid] = twin
            self._serve(key, members)
            served = self._served[key]
        self._log(mid, twin, served, rel.kind)
        return Admission(mid, rel.kind, served, rel.replaces, changes, self._notes[key])

    def relate(
        self, twin: Twin, *, building: str | None = None, replaces: str | None = None
    ) -> Relation:
        """What ``twin`` would be to the served models (see :func:`twin.revisions.relate`),
        without serving it: raises :class:`~twin.errors.ModelConflict` where :meth:`admit`
        would."""
        mid = self.model_id(twin)
        with self._lock:
            named = self._resolve_building(building) if building else None
            others = {m: t for m, t in self._models.items() if m != mid}
            return relate(twin, others, replaces=replaces, building=named)

    def _resolve_building(self, ref: str) -> str:
        """A served building's GlobalId from its GlobalId or its name."""
        for t in self._served.values():
            if ref in t.buildings:
                return ref
        named = [g for t in self._served.values() for g, b in t.buildings.items() if b.name == ref]
        if len(named) == 1:
            return named[0]
        raise BuildingNotFound(
            f"no served building {ref!r} to federate with"
            + (f" ({len(named)} buildings carry that name: give a GlobalId)" if named else ""),
            guid=ref,
        )

    def _joined(self, joins: tuple[str, ...], mid: str) -> tuple[str, tuple[str, ...]]:
        """The group a discipline model joins (groups it bridges are merged), with it added."""
        keys = list(dict.fromkeys(self._group_of[m] for m in joins))
        key = keys[0]
        members = tuple(m for k in keys for m in self._groups[k])
        for k in keys[1:]:
            self._drop(k)
        return key, (*members, mid)

    def _serve(self, key: str, members: tuple[str, ...]) -> None:
        """(Re)build the twin answering for group ``key`` and swap it in."""
        fed = federate([(m, self._models[m]) for m in members], building=self._named.get(key))
        served, old = fed.twin, self._served.get(key)
        owner = {g: k for g, k in self._owner.items() if k != key}
        for table in (served.buildings, served.sites, served.storeys, served.spaces):
            owner.update(dict.fromkeys(table, key))
        owner.update(dict.fromkeys(served.elements, key))
        owner.update(dict.fromkeys(served.systems, key))
        self._groups[key] = members
        self._group_of.update(dict.fromkeys(members, key))
        self._notes[key] = fed.assumptions
        self._served[key] = served
        self._owner = owner  # one swap: a kept GlobalId never resolves to nothing mid-change
        if old is not None and old is not served:
            self._forget(self.model_id(old))

    def _drop(self, key: str) -> None:
        """Forget group ``key``'s served twin, its GlobalIds and derived objects."""
        old = self._served.pop(key, None)
        self._groups.pop(key, None)
        self._notes.pop(key, None)
        self._named.pop(key, None)
        self._owner = {g: k for g, k in self._owner.items() if k != key}
        if old is not None:
            self._forget(self.model_id(old))

    def _forget(self, ident: str) -> None:
        if ident in self._models or any(self.model_id(t) == ident for t in self._served.values()):
            return
        for slot in [s for s in self._derived if s[0] == ident]:
            del self._derived[slot]

    def remove(self, model_id: str) -> None:
        """Stop serving one file; the other discipline models of its building stay served."""
        with self._lock:
            if self._models.pop(model_id, None) is None:
                return
            key = self._group_of.pop(model_id)
            members = tuple(m for m in self._groups[key] if m != model_id)
            if members:
                self._serve(key, members)
            else:
                self._drop(key)
            self._forget(model_id)

    def _log(self, mid: str, twin: Twin, served: Twin, action: str) -> None:
        log.info(
            "campus: serving model %s (%s): %d building(s), %d storey(s), %d space(s), "
            "%d element(s)",
            mid,
            twin.source.path,
            len(twin.buildings),
            len(twin.storeys),
            len(twin.spaces),
            len(twin.elements),
        )
        if action != "new":
            log.info(
                "campus: model %s is a %s; building served from %s", mid, action, served.members
            )

    # -- what is served --------------------------------------------------------------------
    def __len__(self) -> int:
        """Served building twins (discipline models of one building count once)."""
        return len(self._served)

    def __iter__(self) -> Iterator[Twin]:
        """The served twins, one per building (group of discipline models)."""
        return iter(list(self._served.values()))

    def models(self) -> dict[str, Twin]:
        """Every file's own twin, by model id."""
        return dict(self._models)

    def twin(self, model_id: str) -> Twin:
        """A file's own twin."""
        try:
            return self._models[model_id]
        except KeyError:
            raise NotFound(f"no model {model_id!r} is loaded", model=model_id) from None

    def served(self, model_id: str) -> Twin:
        """The twin that answers for a model's building (its federation, or the model's own)."""
        self.twin(model_id)
        return self._served[self._group_of[model_id]]

    def building_models(self, model_id: str) -> tuple[str, ...]:
        """Model ids served together with ``model_id`` as one building, itself included."""
        self.twin(model_id)
        return self._groups[self._group_of[model_id]]

    def assumptions(self, twin: Twin) -> tuple[str, ...]:
        """What federating a served twin assumed (empty for a file served alone)."""
        for key, t in self._served.items():
            if t is twin:
                return self._notes.get(key, ())
        return ()

    def model_of(self, guid: str) -> str | None:
        """The model (file) a served product, port or system came from; None if not served."""
        key = self._owner.get(guid)
        twin = self._served.get(key) if key else None
        if twin is None:
            return None
        return twin.model_of(guid) or self.members(twin)[0]

    def twin_of(self, guid: str) -> Twin:
        """The served twin holding a building, storey, space, element or system GlobalId."""
        key = self._owner.get(guid)
        twin = self._served.get(key) if key else None
        if twin is None:
            raise NotFound(f"no building, storey, space or element {guid!r} is loaded", guid=guid)
        return twin

    def buildings(self) -> list[tuple[Twin, Building]]:
        return [(t, b) for t in self for b in t.buildings.values()]

    def building(self, guid: str) -> tuple[Twin, Building]:
        key = self._owner.get(guid)
        twin = self._served.get(key) if key else None
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
                    if self._live(twin):
                        self._derived[slot] = found
        return found  # type: ignore[return-value]

    def _live(self, twin: Twin) -> bool:
        ident = self.model_id(twin)
        return ident in self._models or any(
            self.model_id(t) == ident for t in self._served.values()
        )


def serve_files(
    campus: Campus,
    paths: Sequence[str | Path],
    *,
    cache_dir: Path | None = None,
    federate: bool = False,
) -> list[Admission]:
    """Load and serve IFC files in order (start-up and the CLI). With ``federate`` every file
    joins the first file's building, whatever its GlobalIds; a collision raises
    :class:`~twin.errors.ModelConflict` before the colliding file is served."""
    done: list[Admission] = []
    building: str | None = None
    for path in paths:
        twin = load_twin(Path(path), cache_dir=cache_dir)
        done.append(campus.admit(twin, building=building if federate else None))
        if building is None:
            building = next(iter(done[-1].served.buildings), None)
    return done
