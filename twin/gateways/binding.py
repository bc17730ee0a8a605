"""Binding protocol points to the twin: suggested matches from names and descriptions, confirmed
by a person, exported and imported as CSV.

BMS point names carry the tag of the equipment they belong to (``AHU-01 supply temp``) or the
number of the room they sit in (``Room 1.A.03 humidity``). A suggestion is a whole-token match of
an element tag or a room number in the point's name or description. Tags compare case- and
punctuation-insensitively (``AHU01`` = ``AHU-01`` = ``ahu 01``); room numbers compare as written,
case aside (``1.04`` is not ``104``, which may be a VAV box's number). Suggestions are never
applied on their own: a person confirms them (API or CSV); only confirmed bindings place a sensor.

Element tags are read from the element's name and from pset properties named ``Tag``,
``Reference``, ``Mark`` or ``AssetTag``; a candidate tag must hold a letter and a digit (``AHU-01``,
``P3``), so that ordinary words in a name never match. Room numbers must hold a digit.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from twin.errors import InvalidInput
from twin.gateways.points import GatewayPoint, Placement
from twin.model import Twin

__all__ = [
    "CSV_FIELDS",
    "Binding",
    "BindingError",
    "bindings_from_csv",
    "bindings_to_csv",
    "check_binding",
    "merge",
    "norm",
    "placements",
    "suggest",
    "unmatched",
]

TAG_PROPS = ("Tag", "Reference", "Mark", "AssetTag")
CSV_FIELDS = (
    "point", "device", "protocol", "ref", "name", "description",
    "element", "space", "storey", "building", "status", "evidence",
)  # fmt: skip
STATUSES = ("suggested", "confirmed", "unmatched")
_SPLIT = re.compile(r"[\s,;:/()\[\]]+")


class BindingError(InvalidInput):
    title = "Invalid point binding"


@dataclass(frozen=True, slots=True)
class Binding:
    """A point and where it is in the twin; ``status`` suggested, confirmed or unmatched."""

    point: str
    device: str
    protocol: str
    ref: str
    name: str
    description: str = ""
    element: str | None = None
    space: str | None = None
    storey: str | None = None
    building: str | None = None
    status: str = "unmatched"
    evidence: str = ""


def norm(text: str) -> str:
    """Letters and digits only, upper case: the form tags and numbers are compared in."""
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def _grams(text: str) -> set[str]:
    """Normalised tokens and pairs of neighbouring tokens (``AHU 01`` -> ``AHU01``)."""
    toks = [norm(t) for t in _SPLIT.split(text) if norm(t)]
    return set(toks) | {a + b for a, b in itertools.pairwise(toks)}


def _room_tokens(text: str) -> set[str]:
    """Tokens as written (upper case, end punctuation dropped): room numbers keep their dots and
    dashes, so ``1.04`` never matches ``104``."""
    return {t.upper().strip(".-") for t in _SPLIT.split(text) if t.strip(".-")}


def _tagish(text: str) -> bool:
    n = norm(text)
    return len(n) >= 2 and any(c.isdigit() for c in n) and any(c.isalpha() for c in n)


def _element_tags(twin: Twin) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in twin.elements.values():
        cands = {e.name} | {
            str(v) for ps in e.psets.values() for k, v in ps.items() if k in TAG_PROPS and v
        }
        for c in cands:
            for tok in [c, *_SPLIT.split(c)]:
                if _tagish(tok):
                    out.setdefault(norm(tok), []).append(e.guid)
    return out


def _room_numbers(twin: Twin) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in twin.spaces.values():
        n = s.number.strip().upper()
        if any(c.isdigit() for c in n):
            out.setdefault(n, []).append(s.guid)
    return out


def suggest(points: Iterable[GatewayPoint], twin: Twin) -> list[Binding]:
    """One binding per point: ``suggested`` where exactly one element tag (else exactly one
    room number) is found in its text, ``unmatched`` otherwise (none, or ambiguous: the
    evidence then names the candidates)."""
    tags, rooms = _element_tags(twin), _room_numbers(twin)
    out = []
    for p in points:
        text = f"{p.name} {p.description}"
        grams, words = _grams(text), _room_tokens(text)
        els = sorted({g for k in grams & tags.keys() for g in tags[k]})
        sps = sorted({g for k in words & rooms.keys() for g in rooms[k]})
        b = Binding(p.id, p.device, p.protocol, p.ref, p.name, p.description)
        if len(els) == 1:
            e = twin.elements[els[0]]
            b = replace(b, element=e.guid, space=e.space, storey=e.storey, status="suggested",
                        evidence=f"element tag in point text: {e.name}")  # fmt: skip
            if len(sps) == 1 and e.space is None:
                b = replace(b, space=sps[0])
        elif len(sps) == 1:
            s = twin.spaces[sps[0]]
            why = f"room number in point text: {s.number}"
            b = replace(b, space=s.guid, storey=s.storey, building=s.building,
                        status="suggested", evidence=why)  # fmt: skip
        elif els or sps:
            b = replace(b, evidence=f"ambiguous: {len(els)} elements, {len(sps)} rooms match")
        if b.storey and not b.building and b.storey in twin.storeys:
            b = replace(b, building=twin.storeys[b.storey].building)
        out.append(b)
    return out


def unmatched(bindings: Iterable[Binding]) -> list[Binding]:
    return [b for b in bindings if b.status == "unmatched"]


def placements(bindings: Iterable[Binding]) -> dict[str, Placement]:
    """Where confirmed points go: the only bindings that place a sensor."""
    return {
        b.point: Placement(b.element, b.space, b.storey, b.building)
        for b in bindings
        if b.status == "confirmed"
    }


def bindings_to_csv(bindings: Iterable[Binding]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\n")
    w.writeheader()
    for b in bindings:
        w.writerow({f: getattr(b, f) or "" for f in CSV_FIELDS})
    return buf.getvalue()


def check_binding(b: Binding, twin: Twin | None, row: int | str = "") -> Binding:
    """``b`` checked against the model (element and space exist) with storey and building
    filled in from them; raises :class:`BindingError` naming ``row``."""
    if b.status not in STATUSES:
        raise BindingError(f"row {row}: status {b.status!r} not in {STATUSES}")
    if twin is None:
        return b
    if b.element and b.element not in twin.elements:
        raise BindingError(f"row {row}: no element {b.element!r} in the model")
    if b.space and b.space not in twin.spaces:
        raise BindingError(f"row {row}: no space {b.space!r} in the model")
    where = twin.elements[b.element] if b.element else None
    space = twin.spaces[b.space] if b.space else None
    storey = b.storey or (where.storey if where else None) or (space.storey if space else None)
    st = twin.storeys.get(storey) if storey else None
    building = b.building or (st.building if st else None)
    return replace(b, storey=storey, building=building)


def bindings_from_csv(
    text: str,
    known: Mapping[str, GatewayPoint],
    twin: Twin | None = None,
    *,
    keep_unknown: bool = False,
) -> list[Binding]:
    """Bindings from CSV (the columns of :data:`CSV_FIELDS`; ``point`` required, the point's
    own columns are taken from the gateway, not the file). Every row is checked before any is
    returned: an unknown point, element or space, or a bad status, rejects the whole file.

    ``keep_unknown`` (the gateway's own file at start): a row of a point not discovered now (a
    device that did not answer at start) is kept as the file has it instead of refused, so it
    is neither lost nor applied."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or "point" not in reader.fieldnames:
        raise BindingError("the CSV needs a header with at least a 'point' column")
    out: list[Binding] = []
    for i, r in enumerate(reader, start=2):
        cell = {f: (r.get(f) or "").strip() for f in CSV_FIELDS}
        p = known.get(cell["point"])
        if p is None and not keep_unknown:
            raise BindingError(f"row {i}: unknown point {cell['point']!r}")
        own = (
            (p.device, p.protocol, p.ref, p.name, p.description)
            if p is not None
            else (cell["device"], cell["protocol"], cell["ref"], cell["name"], cell["description"])
        )
        b = Binding(
            cell["point"], *own,
            element=cell["element"] or None, space=cell["space"] or None,
            storey=cell["storey"] or None, building=cell["building"] or None,
            status=cell["status"] or "confirmed", evidence=cell["evidence"],
        )  # fmt: skip
        out.append(check_binding(b, twin, i))
    return out


def merge(old: Sequence[Binding], new: Iterable[Binding]) -> list[Binding]:
    """``old`` with ``new`` replacing bindings of the same point; a confirmed binding is never
    overwritten by a suggestion."""
    by = {b.point: b for b in old}
    for b in new:
        cur = by.get(b.point)
        if cur is not None and cur.status == "confirmed" and b.status != "confirmed":
            continue
        by[b.point] = b
    return sorted(by.values(), key=lambda b: b.point)
