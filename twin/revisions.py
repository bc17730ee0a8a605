"""How a new model relates to the models already served: new, discipline, revision or conflict.

One GlobalId must name one element. A model arriving next to served ones is, by its products
(elements and rooms) and its spatial structure (sites, buildings, storeys):

* a **revision** of a served model when the client says so (``replaces``) or when more than
  :data:`REVISION_OVERLAP` of the larger model's products carry the same GlobalIds: it replaces
  that model, and :func:`diff` says what was added, removed and changed;
* a **discipline model** of a served building when it shares the building's spatial structure
  (or the client names the building) and its products are disjoint, apart from identical copies
  of reference products (same GlobalId, class, name and box);
* a model of its own when nothing is shared;
* otherwise a **conflict**: some products collide with a model it neither revises nor joins, and
  serving both would make those GlobalIds answer from whichever loaded last. It is refused with
  :class:`~twin.errors.ModelConflict`, naming the model and a few colliding ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from twin.errors import ModelConflict, NotFound
from twin.model import BBox, Element, Space, Twin

__all__ = ["REVISION_OVERLAP", "Relation", "diff", "products", "relate"]

#: A model sharing more than this share of the larger model's products is a revision of it.
REVISION_OVERLAP = 0.5
#: Boxes within this (metres, per coordinate) are the same placement.
PLACEMENT_TOLERANCE = 0.01
_SHOWN = 5  # colliding ids named in a refusal


@dataclass(frozen=True, slots=True)
class Relation:
    """What the new model is to the served ones."""

    kind: Literal["new", "discipline", "revision"]
    replaces: str | None = None  # model id a revision replaces
    joins: tuple[str, ...] = ()  # model ids of the building a discipline model joins
    shared: tuple[str, ...] = ()  # identical reference products also in a served model
    overlap: float = 0.0  # share of products in common with the replaced model


def products(twin: Twin) -> dict[str, Element | Space]:
    """Elements and rooms by GlobalId: what a GlobalId call can answer with."""
    return {**twin.spaces, **twin.elements}


def _structure(twin: Twin) -> set[str]:
    return set(twin.sites) | set(twin.buildings) | set(twin.storeys)


def _same_box(a: BBox | None, b: BBox | None) -> bool:
    if a is None or b is None:
        return a is b
    return all(abs(x - y) <= PLACEMENT_TOLERANCE for x, y in zip(a, b, strict=True))


def _identical(a: Element | Space, b: Element | Space) -> bool:
    return (
        type(a) is type(b)
        and _klass(a) == _klass(b)
        and a.name == b.name
        and _same_box(a.bbox, b.bbox)
    )


def _klass(p: Element | Space) -> str:
    return p.ifc_class if isinstance(p, Element) else "IfcSpace"


def _overlap(a: Mapping[str, object], b: Mapping[str, object]) -> float:
    shared = len(a.keys() & b.keys())
    return shared / max(len(a), len(b), 1)


def relate(
    new: Twin,
    served: Mapping[str, Twin],
    *,
    replaces: str | None = None,
    building: str | None = None,
) -> Relation:
    """Classify ``new`` against the ``served`` models (model id -> twin) or refuse it.

    ``building`` is the GlobalId of a served building the client says ``new`` belongs to (its
    GlobalIds may be unrelated, as between separately authored discipline models)."""
    if replaces is not None and replaces not in served:
        raise NotFound(f"no model {replaces!r} is loaded to replace", model=replaces)
    mine = products(new)
    if replaces is None:
        ratios = {mid: _overlap(mine, products(t)) for mid, t in served.items()}
        best = max(ratios, key=lambda m: ratios[m], default=None)
        if best is not None and ratios[best] > REVISION_OVERLAP:
            replaces = best
    overlap = _overlap(mine, products(served[replaces])) if replaces else 0.0
    joins: list[str] = []
    shared: set[str] = set()
    for mid, t in served.items():
        if mid == replaces:
            continue
        theirs = products(t)
        colliding = mine.keys() & theirs.keys()
        same_building = bool(_structure(new) & _structure(t)) or (
            building is not None and building in t.buildings
        )
        differing = sorted(g for g in colliding if not _identical(mine[g], theirs[g]))
        if differing or (colliding and not same_building):
            _refuse(mid, t, differing or sorted(colliding), len(mine))
        shared |= colliding
        if same_building:
            joins.append(mid)
    if replaces:
        return Relation(
            "revision", replaces=replaces, shared=tuple(sorted(shared)), overlap=overlap
        )
    if joins:
        return Relation("discipline", joins=tuple(joins), shared=tuple(sorted(shared)))
    return Relation("new")


def _refuse(mid: str, other: Twin, colliding: list[str], n: int) -> None:
    raise ModelConflict(
        f"{len(colliding)} of the {n} products of this model carry GlobalIds of served model "
        f"{mid} ({Path(other.source.path).name}) but are neither identical copies in the same "
        "building nor "
        f"a revision of it (more than {REVISION_OVERLAP:.0%} shared, or replaces={mid}); "
        f"for example {', '.join(colliding[:_SHOWN])}",
        model=mid,
        colliding=colliding[:_SHOWN],
        colliding_count=len(colliding),
    )


def _entry(p: Element | Space) -> dict[str, object]:
    return {"guid": p.guid, "ifc_class": _klass(p), "name": p.name}


def _changes(a: Element | Space, b: Element | Space) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {}
    if _klass(a) != _klass(b):
        out["ifc_class"] = [_klass(a), _klass(b)]
    if a.name != b.name:
        out["name"] = [a.name, b.name]
    if a.storey != b.storey:
        out["storey"] = [a.storey, b.storey]
    if not _same_box(a.bbox, b.bbox):
        out["bbox"] = [_rounded(a.bbox), _rounded(b.bbox)]
    return out


def _rounded(b: BBox | None) -> list[float] | None:
    return [round(v, 3) for v in b] if b is not None else None


def diff(old: Twin, new: Twin) -> dict[str, object]:
    """Products added, removed and changed (class, name, storey, box) from ``old`` to ``new``."""
    a, b = products(old), products(new)
    changed = []
    for g in sorted(a.keys() & b.keys()):
        delta = _changes(a[g], b[g])
        if delta:
            changed.append({**_entry(b[g]), "changes": delta})
    added = [_entry(b[g]) for g in sorted(b.keys() - a.keys())]
    removed = [_entry(a[g]) for g in sorted(a.keys() - b.keys())]
    return {
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
            "kept": len(a.keys() & b.keys()) - len(changed),
        },
        "added": added,
        "removed": removed,
        "changed": changed,
    }
