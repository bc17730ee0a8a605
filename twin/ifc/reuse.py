"""Revision reuse: the meshes of unchanged products come from the last ingest of the project.

A revision of a served model (the same IfcProject, a few percent of its elements moved, renamed
or remodelled) differs from the last ingest in a few representations only, but exporters
renumber STEP ids between saves, so neither the file's sha256 nor entity ids say what is
unchanged. Each meshed product gets a *geometry key*: a content hash of everything its world
mesh is computed from, independent of ids:

- a Merkle hash of its representation's entity graph (each entity's STEP arguments with every
  ``#id`` replaced by the hash of the entity it names, so the hash of an IfcMappedItem covers
  its mapping source and the type's shared solid, of a profile its points),
- the same hash of its ObjectPlacement (the whole chain of relative placements),
- the hashes (representation and placement) of the openings that void it and of the elements
  that project from it (IfcRelVoidsElement / IfcRelProjectsElement), since a moved door opening
  changes the wall's mesh without touching the wall's own entities.

Names, properties and relationships are not in the key (they do not change a mesh). The store is
one pickle per project and engine beside the twin cache, holding ``key -> Mesh`` of the last
ingest only (so it does not grow with every revision); a revision's ingest meshes just the
products whose key is absent and takes the others' meshes from the store.

Why the file's text and not ifcopenshell's entity objects: the hash needs every entity's
arguments once; ``str(entity)`` and attribute access cost 20-40 µs per entity through the
wrapper, one regular expression over the file's lines and dictionary lookups a few.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ifcopenshell
import numpy as np

from twin.ifc.fast import attr
from twin.model import Mesh

__all__ = ["STORE_FORMAT", "MeshStore", "geometry_keys", "store_path"]

log = logging.getLogger(__name__)

#: Bump when the key recipe or the stored layout changes: older stores are then ignored.
STORE_FORMAT = 3  # 2: packed arrays; 3: reals in one spelling

_LINE = re.compile(rb"^#(\d+)[ \t]*=[ \t]*([^\r\n]*);[ \t\r]*$", re.M)
_REF = re.compile(rb"#(\d+)")
#: a real literal (STEP reals always have a point): 0., 1.5, -2.E-05, 1.25E3
_REAL = re.compile(rb"[-+]?\d+\.\d*(?:[eE][-+]?\d+)?")


def _canon(m: re.Match[bytes]) -> bytes:
    return repr(float(m.group())).encode()


class _Hasher:
    """Merkle hashes of entities by id, from the STEP text of the file (module doc)."""

    def __init__(self, model: ifcopenshell.file, data: bytes) -> None:
        self._model = model
        # ids stay bytes (b"123"): no int conversion for the half million entities of a large file
        self._text: dict[bytes, bytes] = dict(_LINE.findall(data))
        self._memo: dict[bytes, bytes] = {}

    def _body(self, eid: bytes) -> bytes:
        body = self._text.get(eid)
        if body is None:  # an entity written over several lines: ifcopenshell's text of it
            line = str(self._model.by_id(int(eid))).encode()
            body = line.split(b"=", 1)[1]
            self._text[eid] = body
        return body

    def of(self, entity_id: int) -> bytes:
        memo = self._memo
        eid = str(entity_id).encode()
        done = memo.get(eid)
        if done is not None:
            return done
        stack = [eid]  # iterative: placement chains and mapped items nest several levels
        # entities on the stack whose children are pending -> their split text (a malformed
        # cycle back to one of them hashes as a marker)
        waiting: dict[bytes, list[bytes]] = {}
        while stack:
            top = stack[-1]
            if top in memo:
                stack.pop()
                continue
            parts = waiting.pop(top, None)
            if parts is None:
                # reals in one spelling: a revision written by another tool (or ifcopenshell)
                # formats the same value differently (0. / 0.0, 1.E-05 / 1e-05)
                parts = _REF.split(_REAL.sub(_canon, self._body(top)))
                todo = [c for c in parts[1::2] if c not in memo and c not in waiting]
                if todo:
                    waiting[top] = parts
                    stack.extend(todo)
                    continue
            for k in range(1, len(parts), 2):
                parts[k] = memo.get(parts[k], b"cycle")
            memo[top] = hashlib.blake2b(b"|".join(parts), digest_size=16).digest()
            stack.pop()
        return memo[eid]


def _own(hasher: _Hasher, product: Any) -> bytes:
    rep = attr(product, "Representation")
    place = attr(product, "ObjectPlacement")
    return (hasher.of(rep.id()) if rep is not None else b"-") + (
        hasher.of(place.id()) if place is not None else b"-"
    )


def geometry_keys(
    model: ifcopenshell.file, path: Path, products: Iterable[Any], engine: str
) -> dict[int, bytes]:
    """Product entity id -> geometry key (module doc) for ``products``."""
    with path.open("rb") as fh:
        hasher = _Hasher(model, fh.read())
    cuts: dict[int, list[Any]] = defaultdict(list)  # element id -> openings / projections
    for cls, whole, part in (
        ("IfcRelVoidsElement", "RelatingBuildingElement", "RelatedOpeningElement"),
        ("IfcRelProjectsElement", "RelatingElement", "RelatedFeatureElement"),
    ):
        try:
            rels = model.by_type(cls)
        except RuntimeError:  # class absent from this schema
            continue
        for rel in rels:
            element, feature = attr(rel, whole), attr(rel, part)
            if element is not None and feature is not None:
                cuts[element.id()].append(feature)
    salt = f"{engine}|{STORE_FORMAT}".encode()
    keys: dict[int, bytes] = {}
    for p in products:
        pid = p.id()
        digest = hashlib.blake2b(salt, digest_size=20)
        digest.update(_own(hasher, p))
        for feature in sorted(_own(hasher, f) for f in cuts.get(pid, ())):
            digest.update(feature)
        keys[pid] = digest.digest()
    return keys


def store_path(directory: Path, model: ifcopenshell.file, engine: str) -> Path | None:
    """The store of ``model``'s project and ``engine`` in ``directory`` (None without a
    project GlobalId)."""
    projects = model.by_type("IfcProject")
    guid = attr(projects[0], "GlobalId") if projects else None
    if not guid:
        return None
    tag = hashlib.sha1(str(guid).encode()).hexdigest()[:16]
    return directory / f"meshes-{tag}-{engine}-s{STORE_FORMAT}.pkl"


class MeshStore:
    """``key -> Mesh`` of a project's last ingest (module doc), packed: every mesh's vertices in
    one float32 array and faces in one int32 array, with offsets per key. Why packed: a pickled
    dict of 55,000 Mesh objects took 10 s (loaded machine) to load, mostly per-object unpickling;
    two arrays load at disk speed and each reused mesh is a view into them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._index: dict[bytes, int] = {}
        self._verts = np.zeros((0, 3), dtype=np.float32)
        self._faces = np.zeros((0, 3), dtype=np.int32)
        self._vstart = self._fstart = np.zeros(1, dtype=np.int64)
        try:
            with path.open("rb") as fh:
                keys, vstart, fstart, verts, faces = pickle.load(fh)
        except FileNotFoundError:
            return
        except Exception as exc:  # truncated or from an older layout: start empty
            log.warning("discarding unreadable mesh store %s (%s)", path, exc)
            return
        self._index = {k: n for n, k in enumerate(keys)}
        self._vstart, self._fstart, self._verts, self._faces = vstart, fstart, verts, faces

    def __len__(self) -> int:
        return len(self._index)

    def get(self, key: bytes) -> Mesh | None:
        n = self._index.get(key)
        if n is None:
            return None
        v0, v1 = self._vstart[n], self._vstart[n + 1]
        f0, f1 = self._fstart[n], self._fstart[n + 1]
        return Mesh(vertices=self._verts[v0:v1], faces=self._faces[f0:f1])

    def save(self, keys: Mapping[int, bytes], meshes: Mapping[int, Mesh]) -> None:
        """Replace the store with the meshes of this ingest (temp file, then rename)."""
        chosen: dict[bytes, Mesh] = {}
        for pid, mesh in meshes.items():
            key = keys.get(pid)
            if key is not None:
                chosen.setdefault(key, mesh)
        items = list(chosen.values())
        nv = np.fromiter((len(m.vertices) for m in items), dtype=np.int64, count=len(items))
        nf = np.fromiter((len(m.faces) for m in items), dtype=np.int64, count=len(items))
        packed = (
            list(chosen),
            np.concatenate([[0], np.cumsum(nv)]),
            np.concatenate([[0], np.cumsum(nf)]),
            np.concatenate([m.vertices for m in items]) if items else self._verts[:0],
            np.concatenate([m.faces for m in items]).astype(np.int32) if items else self._faces[:0],
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as fh:
                    pickle.dump(packed, fh, protocol=pickle.HIGHEST_PROTOCOL)
                    fh.flush()
                    os.fsync(fh.fileno())  # the rename must never publish blocks not on disk
                os.chmod(tmp, 0o644)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:  # a read-only cache costs the next revision's reuse only
            log.warning("cannot write mesh store %s (%s)", self.path, exc)
