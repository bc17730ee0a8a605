"""The vocabulary facility teams use: element kinds and room criticality.

Kinds are what maintenance staff call things ("a valve", "a terminal"), not IFC classes; the IFC
class stays on every element for those who need it. A product of a class we do not classify keeps
its IFC class as its kind. Criticality ranks rooms for response: critical areas come first in every
impact list and alarm.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

__all__ = [
    "CORE_KINDS",
    "CRITICALITIES",
    "CRITICALITY_RANK",
    "DISTRIBUTION_KINDS",
    "ISOLATING_KINDS",
    "KINDS",
    "classify_space_criticality",
    "count_kinds",
    "plural",
]

#: Building kinds, then distribution kinds. Order is the order of counts in reports.
BUILDING_KINDS: tuple[str, ...] = (
    "door",
    "window",
    "wall",
    "slab",
    "roof",
    "stair",
    "ramp",
    "lift",
    "column",
    "beam",
    "covering",
    "railing",
    "furniture",
)
DISTRIBUTION_KINDS: tuple[str, ...] = (
    "segment",  # pipes, ducts, cable carriers, cables
    "fitting",
    "valve",  # flow controllers: valves, dampers, breakers, switches
    "pump",  # flow movers: pumps, fans, compressors
    "terminal",
    "equipment",  # boilers, chillers, air handlers, distribution boards, tanks, heat exchangers
    "sensor",
    "actuator",
    "alarm",
    "controller",
    "meter",
)
KINDS: tuple[str, ...] = BUILDING_KINDS + DISTRIBUTION_KINDS

#: Kinds whose counts appear in every report, zeros included (scripts rely on the keys).
CORE_KINDS: tuple[str, ...] = ("storey", "space", *KINDS)

#: Kinds one can close to cut a branch off.
ISOLATING_KINDS: frozenset[str] = frozenset({"valve"})

_PLURAL_EXCEPTIONS = {"equipment": "equipment", "storey": "storeys", "furniture": "furniture"}


def count_kinds(
    kinds: Iterable[str], *, storeys: int, spaces: int
) -> tuple[dict[str, int], dict[str, int]]:
    """Counts by plural kind name (every core kind present, zeros included) and, apart, the
    products of IFC classes the twin does not classify, by class: scripts index the first
    blindly, so it never holds a raw class name."""
    counts: Counter[str] = Counter({plural(k): 0 for k in CORE_KINDS})
    counts[plural("storey")] = storeys
    counts[plural("space")] = spaces
    other: Counter[str] = Counter()
    for kind in kinds:
        if kind in KINDS:
            counts[plural(kind)] += 1
        else:
            other[kind] += 1
    return dict(counts), dict(sorted(other.items()))


def plural(kind: str) -> str:
    """``"valve"`` -> ``"valves"``; IFC-class kinds keep their name (``"IfcBeam"``)."""
    if kind in _PLURAL_EXCEPTIONS:
        return _PLURAL_EXCEPTIONS[kind]
    if kind.startswith("Ifc"):
        return kind
    return kind + "s"


#: Criticality classes, most critical first.
CRITICALITIES: tuple[str, ...] = (
    "operating_theatre",
    "icu",
    "isolation",
    "medical_gas",
    "cold_chain",
    "plant",
    "normal",
)
CRITICALITY_RANK: dict[str, int] = {c: i for i, c in enumerate(CRITICALITIES)}

_CRITICALITY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("operating_theatre", re.compile(r"operating|theat(re|er)|\bOR\b|surgery|\bOP\b", re.I)),
    ("icu", re.compile(r"\bICU\b|intensive|critical care", re.I)),
    ("isolation", re.compile(r"isolation|negative pressure", re.I)),
    ("medical_gas", re.compile(r"medical gas|oxygen|manifold", re.I)),
    (
        "cold_chain",
        re.compile(r"cold ?room|cold ?store|cold ?chain|pharmacy cold|refrigerat", re.I),
    ),
    ("plant", re.compile(r"\bplant\b|mechanical|electrical room|switch ?room|boiler", re.I)),
)


def classify_space_criticality(*texts: str | None, declared: str | None = None) -> str:
    """Criticality of a room from a declared value, else from its name, long name and category.

    A declared value (the generator's ``Pset_HospitalSpace.Criticality``, or any model that adopts
    it) wins; otherwise keywords in the texts decide; otherwise ``"normal"``.
    """
    if declared and declared.strip().lower() in CRITICALITY_RANK:
        return declared.strip().lower()
    joined = " ".join(t for t in texts if t)
    for name, pattern in _CRITICALITY_PATTERNS:
        if pattern.search(joined):
            return name
    return "normal"
