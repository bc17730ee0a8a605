"""The campus file: which IFC models make up a hospital site, where its outdoor paths are, and
the bridges and tunnels that join the buildings where the models do not say it.

A campus is declared in a small JSON document (``campus.json``) next to its models::

    {"name": "...", "crs": "EPSG:25833",
     "models": [{"file": "tower.ifc", "key": "tower"}, ...],
     "footpaths": "footpaths.geojson",
     "connections": [{"id": "bridge-1", "kind": "bridge",
                      "a": {"model": "tower", "storey": "Level 1", "space": null,
                            "point": [E, N, H]},
                      "b": {...}, "length_m": 24.0, "covered": true, "wheelchair": true,
                      "steps": false}],
     "network_joints": [...]}

Points are map coordinates (eastings, northings, height) in ``crs``, the projected CRS every
model's IfcMapConversion names. Paths are relative to the file. Parsing is pure (no IFC, no
geometry): :mod:`twin.navigation.campus_graph` turns it into a graph, the service serves it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from twin.errors import InvalidInput

__all__ = [
    "CampusFile",
    "CampusModel",
    "Connection",
    "ConnectionEnd",
    "load_campus_file",
    "parse_campus",
]


@dataclass(frozen=True, slots=True)
class CampusModel:
    key: str  # the campus's name for the building model, e.g. "tower"
    file: Path  # absolute


@dataclass(frozen=True, slots=True)
class ConnectionEnd:
    model: str  # a CampusModel key
    storey: str | None  # storey Name
    space: str | None  # IfcSpace GlobalId where the model has one
    point: tuple[float, float, float] | None  # map E, N, H


@dataclass(frozen=True, slots=True)
class Connection:
    """A bridge or tunnel between storeys of two buildings."""

    id: str
    kind: Literal["bridge", "tunnel"]
    a: ConnectionEnd
    b: ConnectionEnd
    length_m: float | None
    covered: bool = True
    wheelchair: bool = True
    steps: bool = False
    name: str = ""


@dataclass(frozen=True)
class CampusFile:
    name: str
    crs: str
    models: tuple[CampusModel, ...]
    footpaths: Path | None
    connections: tuple[Connection, ...]
    network_joints: tuple[Mapping[str, Any], ...] = ()
    path: Path | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    def model(self, key: str) -> CampusModel:
        for m in self.models:
            if m.key == key:
                return m
        raise InvalidInput(
            f"the campus has no model {key!r}; known: {[m.key for m in self.models]}"
        )


def _str(doc: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    v = doc.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, str) or not v:
        raise InvalidInput(f"campus file: {where}.{key} must be a non-empty string")
    return v


def _point(v: Any, where: str) -> tuple[float, float, float] | None:
    if v is None:
        return None
    if not isinstance(v, Sequence) or isinstance(v, str) or len(v) not in (2, 3):
        raise InvalidInput(f"campus file: {where}.point must be [E, N] or [E, N, H]")
    try:
        vals = [float(x) for x in v]
    except (TypeError, ValueError):
        raise InvalidInput(f"campus file: {where}.point must hold numbers") from None
    if not all(math.isfinite(x) for x in vals):
        raise InvalidInput(f"campus file: {where}.point must be finite")
    return (vals[0], vals[1], vals[2] if len(vals) == 3 else 0.0)


def _end(doc: Any, where: str, keys: set[str]) -> ConnectionEnd:
    if not isinstance(doc, Mapping):
        raise InvalidInput(f"campus file: {where} must be an object")
    model = _str(doc, "model", where)
    assert model is not None
    if model not in keys:
        raise InvalidInput(f"campus file: {where}.model {model!r} is not one of {sorted(keys)}")
    end = ConnectionEnd(
        model,
        _str(doc, "storey", where, required=False),
        _str(doc, "space", where, required=False),
        _point(doc.get("point"), where),
    )
    if end.space is None and end.point is None:
        raise InvalidInput(f"campus file: {where} needs a space or a point")
    return end


def _flag(doc: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    v = doc.get(key, default)
    if not isinstance(v, bool):
        raise InvalidInput(f"campus file: {where}.{key} must be true or false")
    return v


def parse_campus(doc: Any, base: Path) -> CampusFile:
    """A campus document (the parsed JSON) with paths resolved against ``base``."""
    if not isinstance(doc, Mapping):
        raise InvalidInput("campus file: the document must be a JSON object")
    crs = _str(doc, "crs", "campus")
    assert crs is not None
    models_doc = doc.get("models")
    if not isinstance(models_doc, list) or not models_doc:
        raise InvalidInput("campus file: models must be a non-empty list")
    models: list[CampusModel] = []
    for i, m in enumerate(models_doc):
        if not isinstance(m, Mapping):
            raise InvalidInput(f"campus file: models[{i}] must be an object")
        f, k = _str(m, "file", f"models[{i}]"), _str(m, "key", f"models[{i}]")
        assert f is not None and k is not None
        models.append(CampusModel(k, (base / f).resolve()))
    keys = {m.key for m in models}
    if len(keys) != len(models):
        raise InvalidInput("campus file: model keys must be unique")
    conns: list[Connection] = []
    for i, c in enumerate(doc.get("connections") or []):
        where = f"connections[{i}]"
        if not isinstance(c, Mapping):
            raise InvalidInput(f"campus file: {where} must be an object")
        cid = _str(c, "id", where)
        kind = c.get("kind")
        if kind not in ("bridge", "tunnel"):
            raise InvalidInput(f"campus file: {where}.kind must be bridge or tunnel")
        length = c.get("length_m")
        if length is not None and (
            not isinstance(length, int | float) or not math.isfinite(length) or length < 0
        ):
            raise InvalidInput(f"campus file: {where}.length_m must be a length in metres")
        assert cid is not None
        conns.append(
            Connection(
                cid,
                kind,
                _end(c.get("a"), f"{where}.a", keys),
                _end(c.get("b"), f"{where}.b", keys),
                None if length is None else float(length),
                _flag(c, "covered", True, where),
                _flag(c, "wheelchair", True, where),
                _flag(c, "steps", False, where),
                str(c.get("name") or cid),
            )
        )
    paths = _str(doc, "footpaths", "campus", required=False)
    joints = doc.get("network_joints") or []
    return CampusFile(
        name=str(doc.get("name") or "campus"),
        crs=crs,
        models=tuple(models),
        footpaths=(base / paths).resolve() if paths else None,
        connections=tuple(conns),
        network_joints=tuple(j for j in joints if isinstance(j, Mapping)),
        raw=dict(doc),
    )


def load_campus_file(path: Path) -> CampusFile:
    """Read and parse ``campus.json``; paths inside resolve against its folder."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"campus file {path}: {exc}") from None
    cf = parse_campus(doc, Path(path).resolve().parent)
    return CampusFile(
        cf.name,
        cf.crs,
        cf.models,
        cf.footpaths,
        cf.connections,
        cf.network_joints,
        Path(path).resolve(),
        cf.raw,
    )
