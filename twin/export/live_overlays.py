"""Floor-plan overlays of live state: active alarms, open tickets, a heat map of one quantity.

Moved here from ``twin/live/`` because it draws SVG: the live store is read, never imported back.
The data functions return plain dicts (usable without SVG); :class:`SpaceFillLayer` draws them
as a :class:`twin.export.plan_svg.PlanLayer`: spaces filled by colour, with a legend.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from twin.errors import InvalidInput
from twin.export.plan_svg import PlanContext
from twin.live.store import LiveStore
from twin.model import Twin

__all__ = [
    "SEVERITY_COLOURS",
    "SpaceFillLayer",
    "alarm_spaces",
    "heat_colour",
    "heatmap",
    "overlay_layer",
    "ticket_spaces",
]

SEVERITY_RANK = {"info": 0, "minor": 1, "major": 2, "critical": 3}
SEVERITY_COLOURS = {
    "info": "#5ac8fa",
    "minor": "#ffcc00",
    "major": "#ff9500",
    "critical": "#ff3b30",
}
PRIORITY_COLOURS = {"planned": "#5ac8fa", "normal": "#ffcc00", "urgent": "#ff9500",
                    "emergency": "#ff3b30"}  # fmt: skip


def alarm_spaces(store: LiveStore, storey: str) -> dict[str, dict[str, Any]]:
    """Space guid -> worst active severity and count of active alarms on a storey."""
    out: dict[str, dict[str, Any]] = {}
    for a in store.alarms(state="active", storey=storey):
        if not a.space:
            continue
        cur = out.setdefault(a.space, {"severity": a.severity, "count": 0, "alarms": []})
        cur["count"] += 1
        cur["alarms"].append(a.id)
        if SEVERITY_RANK.get(a.severity, 0) > SEVERITY_RANK.get(cur["severity"], 0):
            cur["severity"] = a.severity
    return out


def ticket_spaces(store: LiveStore, storey: str) -> dict[str, dict[str, Any]]:
    """Space guid -> highest priority and count of open tickets (live B's tickets module)."""
    rank = list(PRIORITY_COLOURS)
    out: dict[str, dict[str, Any]] = {}
    for t in store.tickets.list(storey=storey, open_only=True):
        if not t.space:
            continue
        cur = out.setdefault(t.space, {"priority": t.priority, "count": 0, "tickets": []})
        cur["count"] += 1
        cur["tickets"].append(t.id)
        if rank.index(t.priority) > rank.index(cur["priority"]):
            cur["priority"] = t.priority
    return out


def heatmap(store: LiveStore, storey: str, quantity: str) -> dict[str, Any]:
    """Mean of the latest values per space for one quantity, with the range and unit."""
    acc: dict[str, list[float]] = {}
    unit = ""
    for s in store.sensors(storey=storey, quantity=quantity):
        if s.space and s.last_value is not None:
            acc.setdefault(s.space, []).append(s.last_value)
            unit = s.unit
    spaces = {k: sum(v) / len(v) for k, v in acc.items()}
    lo = min(spaces.values(), default=0.0)
    hi = max(spaces.values(), default=0.0)
    return {"quantity": quantity, "unit": unit, "min": lo, "max": hi, "spaces": spaces}


def heat_colour(value: float, lo: float, hi: float) -> str:
    """Blue (low) to red (high) through yellow."""
    f = 0.5 if hi <= lo else max(0.0, min(1.0, (value - lo) / (hi - lo)))
    stops = [(0.0, (10, 132, 255)), (0.5, (255, 204, 0)), (1.0, (255, 59, 48))]
    for (f0, c0), (f1, c1) in itertools.pairwise(stops):
        if f <= f1:
            u = (f - f0) / (f1 - f0)
            rgb = [round(a + (b - a) * u) for a, b in zip(c0, c1, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#ff3b30"


@dataclass(frozen=True)
class SpaceFillLayer:
    """Spaces filled by colour with a tooltip, plus a legend in the plan's top-left corner."""

    name: str
    fills: Mapping[str, tuple[str, str]]  # space guid -> (colour, title)
    legend: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (colour, label)

    def svg(self, ctx: PlanContext) -> str:
        out = [f'<g class="layer layer-overlay" data-overlay="{escape(self.name)}">']
        for guid, (colour, title) in sorted(self.fills.items()):
            sp = ctx.twin.spaces.get(guid)
            if sp is None or sp.storey != ctx.storey.guid or sp.footprint is None:
                continue
            out.append(
                f'<path data-guid="{escape(guid)}" fill="{colour}" fill-opacity="0.55" '
                f'stroke="{colour}" stroke-width="0.1" fill-rule="evenodd" '
                f'd="{ctx.path(sp.footprint)}"><title>{escape(title)}</title></path>'
            )
        x, y = ctx.xy(ctx.bounds[0], ctx.bounds[3])
        out.append(f'<g class="legend" transform="translate({x:.3f},{y - 1:.3f})">')
        for i, (colour, label) in enumerate(self.legend):
            out.append(
                f'<rect x="0" y="{i * 1.2:.1f}" width="1" height="1" fill="{colour}"/>'
                f'<text x="1.4" y="{i * 1.2 + 0.85:.1f}" font-size="0.9">{escape(label)}</text>'
            )
        out.append("</g></g>")
        return "".join(out)


def overlay_layer(store: LiveStore, twin: Twin, storey: str, value: str) -> SpaceFillLayer:
    """The layer for ``overlay=alarms|tickets|sensor:<quantity>``."""
    if storey not in twin.storeys:
        raise InvalidInput(f"storey {storey!r} is not in this model")
    if value == "alarms":
        data = alarm_spaces(store, storey)
        fills = {g: (SEVERITY_COLOURS.get(d["severity"], "#ff3b30"),
                     f"{d['count']} active alarm(s), worst {d['severity']}")
                 for g, d in data.items()}  # fmt: skip
        return SpaceFillLayer("alarms", fills, [(c, s) for s, c in SEVERITY_COLOURS.items()])
    if value == "tickets":
        tdata = ticket_spaces(store, storey)
        fills = {g: (PRIORITY_COLOURS[d["priority"]],
                     f"{d['count']} open ticket(s), {d['priority']}")
                 for g, d in tdata.items()}  # fmt: skip
        return SpaceFillLayer("tickets", fills, [(c, p) for p, c in PRIORITY_COLOURS.items()])
    if value.startswith("sensor:") and len(value) > 7:
        h = heatmap(store, storey, value[7:])
        lo, hi, unit = h["min"], h["max"], h["unit"]
        fills = {g: (heat_colour(v, lo, hi), f"{v:.1f} {unit}") for g, v in h["spaces"].items()}
        legend = [(heat_colour(v, lo, hi), f"{v:.1f} {unit}") for v in _ticks(lo, hi)]
        return SpaceFillLayer(f"sensor:{h['quantity']}", fills, legend)
    raise InvalidInput("overlay must be alarms, tickets or sensor:<quantity>")


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]
