"""The room programme of the demo hospital: which room goes where, as plain data.

Every storey has ``wings`` wings laid end to end along +x; each wing is a corridor with
``rooms_per_side`` rooms on its south and north sides. Wing 0 holds the vertical circulation
(stair core at slot 0 south, lift shaft at slot 0 north) and the plant room (slot 1 south); the
ground floor has the oxygen manifold room and the pharmacy cold room; storey 1 the operating suite
and isolation rooms; the ICU occupies the last wing of storey 2 (its corridor is the ICU corridor,
joined to the main corridor by exactly one door). No geometry is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CORRIDOR_W",
    "ROOM_D",
    "ROOM_W",
    "SPACE_H",
    "Room",
    "icu_level",
    "plan_storey",
]

ROOM_W = 4.0  # room width along the corridor
ROOM_D = 6.0  # room depth
CORRIDOR_W = 2.4
SPACE_H = 3.0  # clear height of every space; the storey height is the spec's floor height

_WARD_CYCLE: tuple[tuple[str, str], ...] = (
    ("Ward room", "ward"),
    ("Ward room", "ward"),
    ("Treatment room", "treatment"),
    ("Ward room", "ward"),
    ("Office", "office"),
    ("Store", "store"),
    ("Ward room", "ward"),
    ("Staff room", "staff"),
)


@dataclass
class Room:
    """One space of the programme, with its footprint in storey coordinates (metres)."""

    key: str
    number: str
    long_name: str
    category: str
    criticality: str
    level: int
    wing: int
    side: str  # "S" south of the corridor, "N" north, "C" the corridor itself
    slot: int
    x0: float
    y0: float
    x1: float
    y1: float
    entity: Any = field(default=None, repr=False)
    #: a footprint that is not the x0..x1 / y0..y1 rectangle (a campus tunnel), counter-clockwise
    outline: tuple[tuple[float, float], ...] | None = None

    @property
    def area(self) -> float:
        if self.outline is not None:
            pts = self.outline
            twice = sum(
                pts[i][0] * pts[(i + 1) % len(pts)][1] - pts[(i + 1) % len(pts)][0] * pts[i][1]
                for i in range(len(pts))
            )
            return round(abs(twice) / 2, 6)
        return round((self.x1 - self.x0) * (self.y1 - self.y0), 6)

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)


def icu_level(storeys: int) -> int:
    """The storey of the ICU: storey 2, or the top one in a three-storey building."""
    return min(2, storeys - 1)


def _function(
    storeys: int, wings: int, n: int, level: int, wing: int, side: str, slot: int
) -> tuple[str, str, str]:
    """(long name, category, criticality) of one room slot."""
    if wing == 0 and slot == 0:
        return (
            ("Stair core", "stair", "normal") if side == "S" else ("Lift shaft", "lift", "normal")
        )
    if wing == 0 and slot == 1 and side == "S":
        return f"Plant room {level}", "plant", "plant"
    if level == 0 and wing == 0:
        if side == "N" and slot == 1:
            return "Medical gas manifold room", "medical_gas", "medical_gas"
        if side == "N" and slot == 2:
            return "Pharmacy cold room", "cold_room", "cold_chain"
        if side == "S" and slot == 2:
            return "Pharmacy", "pharmacy", "normal"
    if level == icu_level(storeys) and wing == wings - 1:
        bed = slot + 1 if side == "S" else n + slot + 1
        return f"ICU bed {bed}", "icu", "icu"
    if level == 1 and wing == 0 and side == "S" and 2 <= slot <= 4:
        return f"Operating theatre {slot - 1}", "operating", "operating_theatre"
    if level == 1 and wing == 0 and side == "N" and slot == 2:
        return "Anaesthesia room", "treatment", "normal"
    if level == 1 and wing == 0 and side == "N" and slot == 3:
        return "Recovery room", "recovery", "normal"
    if level == 1 and wing == 1 and side == "S" and slot in (1, 2):
        return f"Isolation room {slot}", "isolation", "isolation"
    long_name, category = _WARD_CYCLE[(slot * 2 + (side == "N") + wing) % len(_WARD_CYCLE)]
    return long_name, category, "normal"


def plan_storey(storeys: int, wings: int, n: int, level: int) -> list[Room]:
    """All rooms of one storey: per wing the corridor first, then south and north rooms."""
    rooms: list[Room] = []
    length = n * ROOM_W
    for wing in range(wings):
        letter = chr(ord("A") + wing)
        x0 = wing * length
        icu = level == icu_level(storeys) and wing == wings - 1
        rooms.append(
            Room(
                key=f"L{level}/W{wing}/C",
                number=f"{level}.{letter}.C",
                long_name="ICU corridor" if icu else f"Corridor {letter}",
                category="corridor",
                criticality="icu" if icu else "normal",
                level=level,
                wing=wing,
                side="C",
                slot=-1,
                x0=x0,
                y0=0.0,
                x1=x0 + length,
                y1=CORRIDOR_W,
            )
        )
        for side in ("S", "N"):
            for slot in range(n):
                long_name, category, crit = _function(storeys, wings, n, level, wing, side, slot)
                y0, y1 = (-ROOM_D, 0.0) if side == "S" else (CORRIDOR_W, CORRIDOR_W + ROOM_D)
                idx = slot + 1 if side == "S" else n + slot + 1
                rooms.append(
                    Room(
                        key=f"L{level}/W{wing}/{side}{slot}",
                        number=f"{level}.{letter}.{idx:02d}",
                        long_name=long_name,
                        category=category,
                        criticality=crit,
                        level=level,
                        wing=wing,
                        side=side,
                        slot=slot,
                        x0=x0 + slot * ROOM_W,
                        y0=y0,
                        x1=x0 + (slot + 1) * ROOM_W,
                        y1=y1,
                    )
                )
    return rooms
