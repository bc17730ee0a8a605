"""Modbus register maps per device model: load them from JSON or YAML and decode registers.

A register map is a property of a device *model* (every PM5560 meter has the same map), so it is
a file shared by every device of that model; the gateway configuration names the file. Decoding is
a pure function of the raw 16-bit registers, so it is tested without a device.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from twin.errors import InvalidInput

__all__ = [
    "REGISTER_TYPES",
    "RegisterMap",
    "RegisterMapError",
    "RegisterPoint",
    "decode",
    "load_register_map",
    "parse_register_map",
]

#: type -> (struct format of the big-endian value, number of 16-bit registers)
REGISTER_TYPES: Mapping[str, tuple[str, int]] = {
    "int16": (">h", 1),
    "uint16": (">H", 1),
    "int32": (">i", 2),
    "uint32": (">I", 2),
    "float32": (">f", 2),
}
TABLES = ("holding", "input")
Order = Literal["big", "little"]


class RegisterMapError(InvalidInput):
    title = "Invalid register map"


@dataclass(frozen=True, slots=True)
class RegisterPoint:
    """One value of a device model: where it sits and how its registers become a number.

    ``byte_order`` is the order of the two bytes inside each register (Modbus says big);
    ``word_order`` is the order of the registers of a 32-bit value (``big``: high word first,
    the Modbus convention; many meters use ``little``). value = raw * scale + offset."""

    name: str
    address: int
    type: str = "uint16"
    table: str = "holding"
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""
    quantity: str = ""
    description: str = ""
    byte_order: Order = "big"
    word_order: Order = "big"
    lower: float | None = None
    upper: float | None = None

    @property
    def count(self) -> int:
        return REGISTER_TYPES[self.type][1]


@dataclass(frozen=True, slots=True)
class RegisterMap:
    model: str
    points: tuple[RegisterPoint, ...]


def decode(registers: Sequence[int], point: RegisterPoint) -> float:
    """The engineering value of ``point`` from its raw registers (exactly ``point.count``)."""
    fmt, count = REGISTER_TYPES[point.type]
    if len(registers) != count:
        raise RegisterMapError(f"{point.name}: {count} register(s) expected, got {len(registers)}")
    words = list(registers) if point.word_order == "big" else list(reversed(registers))
    raw = b"".join(
        w.to_bytes(2, "big") if point.byte_order == "big" else w.to_bytes(2, "little")
        for w in words
    )
    (value,) = struct.unpack(fmt, raw)
    return float(value) * point.scale + point.offset


def _point(d: Mapping[str, Any], where: str) -> RegisterPoint:
    known = set(RegisterPoint.__dataclass_fields__)
    extra = set(d) - known
    if extra:
        raise RegisterMapError(f"{where}: unknown keys {sorted(extra)}")
    try:
        p = RegisterPoint(**dict(d))
    except TypeError as exc:
        raise RegisterMapError(f"{where}: {exc}") from exc
    if not p.name or not isinstance(p.address, int) or not 0 <= p.address <= 0xFFFF:
        raise RegisterMapError(f"{where}: a name and an address 0..65535 are required")
    if p.type not in REGISTER_TYPES:
        raise RegisterMapError(f"{where}: type {p.type!r} not in {sorted(REGISTER_TYPES)}")
    if p.table not in TABLES:
        raise RegisterMapError(f"{where}: table {p.table!r} not in {TABLES}")
    if p.byte_order not in ("big", "little") or p.word_order not in ("big", "little"):
        raise RegisterMapError(f"{where}: byte_order and word_order are 'big' or 'little'")
    return p


def parse_register_map(doc: Mapping[str, Any]) -> RegisterMap:
    """A register map from its parsed document ``{"model": ..., "points": [...]}``."""
    points = doc.get("points")
    if not isinstance(points, list) or not points:
        raise RegisterMapError("a register map needs a non-empty 'points' list")
    parsed = tuple(_point(p, f"points[{i}]") for i, p in enumerate(points))
    names = [p.name for p in parsed]
    if len(set(names)) != len(names):
        raise RegisterMapError("point names must be unique within a register map")
    return RegisterMap(model=str(doc.get("model", "")), points=parsed)


def load_register_map(path: Path) -> RegisterMap:
    """Read a register map from a ``.json``, ``.yaml`` or ``.yml`` file."""
    text = path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text) if path.suffix.lower() in (".yaml", ".yml") else json.loads(text)
    if not isinstance(doc, Mapping):
        raise RegisterMapError(f"{path}: a mapping is expected at the top")
    return parse_register_map(doc)
