"""Floor plan of one storey as a clean, scalable SVG that other areas draw on through layers.

The viewBox is in metres with Y flipped (SVG y = -world y) so north is up and the plan scales
without loss. Every shape carries ``data-guid`` and ``data-kind`` so the viewer can hit-test it;
rooms also carry ``data-number`` and ``data-criticality`` and a CSS class per criticality.
Overlays (live state, routes, fault traces, scenarios) implement :class:`PlanLayer` and are drawn
on top, in order. All text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from xml.sax.saxutils import escape, quoteattr

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from twin.model import Element, Space, Storey, Twin

__all__ = [
    "HighlightLayer",
    "PlanContext",
    "PlanLayer",
    "PolylineLayer",
    "path_data",
    "render_plan",
]

_SYMBOL_KINDS = (
    "terminal",
    "valve",
    "pump",
    "equipment",
    "sensor",
    "actuator",
    "alarm",
    "controller",
    "meter",
    "fitting",
)
_STYLE = """
.space{fill:#f7f7f2;stroke:#555;stroke-width:0.05}
.space.crit-operating_theatre{fill:#f8c9c9}.space.crit-icu{fill:#f9d7b5}
.space.crit-isolation{fill:#f3e39b}.space.crit-medical_gas{fill:#cfe3f7}
.space.crit-cold_chain{fill:#cdeef0}.space.crit-plant{fill:#dcdcdc}
.space.critical{stroke:#b00020;stroke-width:0.12}
.wall{fill:#333;stroke:none}.door{fill:none;stroke:#8a5a00;stroke-width:0.04}
.stair{fill:#e8e0f0;stroke:#6a4c93;stroke-width:0.04}.lift{fill:#d9e6d0;stroke:#3d6b2a;stroke-width:0.05}
.window{fill:#bfe3ff;stroke:#3a7bbf;stroke-width:0.02}
.symbol{fill:#1f6fb2;stroke:#fff;stroke-width:0.02}.sym-fitting{fill:#6a9fcf}
.sym-sensor{fill:#e0a800}.sym-valve{fill:#e06c00}.sym-equipment,.sym-pump{fill:#b0306a}
.segment{fill:#1f6fb2;fill-opacity:0.45;stroke:none}
.label{font-family:sans-serif;fill:#222;text-anchor:middle;dominant-baseline:middle;
paint-order:stroke;stroke:#fff;stroke-opacity:0.8;stroke-width:0.06}
.highlight{fill:#ff3b30;fill-opacity:0.35;stroke:#ff3b30;stroke-width:0.15}
.route{fill:none;stroke:#0a84ff;stroke-width:0.25;stroke-linecap:round;stroke-linejoin:round}
.closed{fill:#8e8e93;fill-opacity:.55;stroke:#3a3a3c;stroke-width:.12}
.lost{fill:#ff9f0a;fill-opacity:.45;stroke:#c93400;stroke-width:.12}
.zone{fill:none;stroke:#3a3a3c;stroke-width:.15;stroke-dasharray:.6 .4}
.proposed{fill:#af52de;fill-opacity:.25;stroke:#7d2fa8;stroke-width:.1}
.clash{fill:none;stroke:#d000d0;stroke-width:.15}.clash-hard{fill:#d000d0;fill-opacity:.35}
"""


@dataclass(frozen=True, slots=True)
class PlanContext:
    """What a layer needs to draw: the twin, the storey, its bounds and the world->SVG mapping."""

    twin: Twin
    storey: Storey
    bounds: tuple[float, float, float, float]  # world minx, miny, maxx, maxy (metres)

    @staticmethod
    def xy(x: float, y: float) -> tuple[float, float]:
        """World metres -> SVG user units (metres, y flipped)."""
        return (x, -y)

    def points(self, coords: Sequence[tuple[float, float]] | Sequence[Sequence[float]]) -> str:
        """``points`` attribute text for a world polyline."""
        return " ".join(f"{c[0]:.3f},{-c[1]:.3f}" for c in coords)

    def path(self, geom: BaseGeometry) -> str:
        return path_data(geom)


@runtime_checkable
class PlanLayer(Protocol):
    """Something drawn over the plan; ``svg`` returns one ``<g>`` fragment.

    ``name`` may be a plain attribute, a dataclass field (frozen or not) or a property.
    """

    @property
    def name(self) -> str: ...

    def svg(self, ctx: PlanContext) -> str: ...


def path_data(geom: BaseGeometry) -> str:
    """SVG path ``d`` of a (multi)polygon in world metres, holes included (evenodd fill)."""
    polys: list[Polygon]
    if isinstance(geom, Polygon):
        polys = [geom]
    elif isinstance(geom, MultiPolygon):
        polys = list(geom.geoms)
    else:
        polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    parts = []
    for p in polys:
        for ring in (p.exterior, *p.interiors):
            c = list(ring.coords)
            if len(c) < 3:
                continue
            parts.append("M" + " L".join(f"{x:.3f},{-y:.3f}" for x, y, *_ in c) + " Z")
    return " ".join(parts)


@dataclass(frozen=True)
class HighlightLayer:
    """Spaces or elements by GlobalId, outlined and filled (fault traces, search results)."""

    guids: Collection[str]
    name: str = "highlight"
    css_class: str = "highlight"

    def svg(self, ctx: PlanContext) -> str:
        out = [f'<g class="layer layer-{escape(self.name)}">']
        for g in sorted(set(self.guids)):
            prod = ctx.twin.spaces.get(g) or ctx.twin.elements.get(g)
            if prod is None or prod.storey != ctx.storey.guid:
                continue
            shape = prod.footprint
            if shape is None or shape.is_empty:
                continue
            geom = shape if shape.area > 0.04 else shape.buffer(0.3)
            out.append(
                f'<path class="{escape(self.css_class)}" data-guid={quoteattr(g)} '
                f'data-highlight="1" fill-rule="evenodd" d="{path_data(geom)}"/>'
            )
        out.append("</g>")
        return "".join(out)


@dataclass(frozen=True)
class PolylineLayer:
    """XY polylines in world metres (routes, patrols) with a CSS class or inline style."""

    lines: Sequence[Sequence[tuple[float, float]]]
    name: str = "route"
    css_class: str = "route"
    style: str = ""

    def svg(self, ctx: PlanContext) -> str:
        style = f" style={quoteattr(self.style)}" if self.style else ""
        out = [f'<g class="layer layer-{escape(self.name)}">']
        for line in self.lines:
            if len(line) >= 2:
                out.append(
                    f'<polyline class="{escape(self.css_class)}"{style} '
                    f'points="{ctx.points(line)}"/>'
                )
        out.append("</g>")
        return "".join(out)


def _storey_bounds(twin: Twin, storey_guid: str) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    prods: list[Space | Element] = [*twin.spaces.values(), *twin.elements.values()]
    for prod in prods:
        if (
            prod.storey == storey_guid
            and prod.footprint is not None
            and not prod.footprint.is_empty
        ):
            b = prod.footprint.bounds
            xs += [b[0], b[2]]
            ys += [b[1], b[3]]
    if not xs:
        return (0.0, 0.0, 10.0, 10.0)
    return (min(xs), min(ys), max(xs), max(ys))


def _spaces(ctx: PlanContext, highlight: Collection[str]) -> tuple[str, str]:
    out = ['<g class="spaces">']
    labels = ['<g class="labels">']
    spaces = [
        s
        for s in ctx.twin.spaces.values()
        if s.storey == ctx.storey.guid and s.footprint is not None and not s.footprint.is_empty
    ]
    for s in sorted(spaces, key=lambda s: (s.number, s.guid)):
        assert s.footprint is not None
        crit = s.criticality or "normal"
        cls = f"space crit-{crit}" + (" critical" if crit != "normal" else "")
        if s.guid in highlight:
            cls += " highlight"
        title = escape(f"{s.label} ({crit})" if crit != "normal" else s.label)
        out.append(
            f'<path class={quoteattr(cls)} data-guid={quoteattr(s.guid)} data-kind="space" '
            f"data-number={quoteattr(s.number)} data-criticality={quoteattr(crit)} "
            f'fill-rule="evenodd" d="{path_data(s.footprint)}"><title>{title}</title></path>'
        )
        p = s.footprint.representative_point()
        b = s.footprint.bounds
        w = b[2] - b[0]
        big = max(0.16, min(0.6, w / (len(s.number) + 1) * 1.6))
        small = max(0.12, min(0.4, w / (len(s.long_name) + 1) * 1.7, big * 0.8))
        labels.append(
            f'<text class="label" x="{p.x:.3f}" y="{-p.y:.3f}" font-size="{big:.2f}" '
            f"data-guid={quoteattr(s.guid)}>"
            f'<tspan x="{p.x:.3f}" dy="-0.3em">{escape(s.number)}</tspan>'
            f'<tspan x="{p.x:.3f}" dy="1.2em" font-size="{small:.2f}">'
            f"{escape(s.long_name)}</tspan></text>"
        )
    out.append("</g>")
    labels.append("</g>")
    return "".join(out), "".join(labels)


def _door(e: Element) -> str:
    """A door as its opening outline plus a quarter-circle swing of the leaf width."""
    assert e.footprint is not None
    minx, miny, maxx, maxy = e.footprint.bounds
    w, d = maxx - minx, maxy - miny
    if w >= d:  # opening along x: hinge at minx, swing towards +y
        x0, y0, r = minx, maxy, w
        arc = f"M{x0 + r:.3f},{-y0:.3f} A{r:.3f},{r:.3f} 0 0 0 {x0:.3f},{-(y0 + r):.3f}"
        leaf = f"M{x0:.3f},{-y0:.3f} L{x0:.3f},{-(y0 + r):.3f}"
    else:  # opening along y: hinge at miny, swing towards +x
        x0, y0, r = maxx, miny, d
        arc = f"M{x0:.3f},{-(y0 + r):.3f} A{r:.3f},{r:.3f} 0 0 1 {x0 + r:.3f},{-y0:.3f}"
        leaf = f"M{x0:.3f},{-y0:.3f} L{x0 + r:.3f},{-y0:.3f}"
    return f'<path class="door" d="{path_data(e.footprint)} {leaf} {arc}"'


def _elements(ctx: PlanContext, highlight: Collection[str]) -> str:
    groups: dict[str, list[str]] = {"wall": [], "window": [], "door": [], "stair": [], "lift": []}
    groups["segment"] = []
    groups["symbol"] = []
    els = [
        e
        for e in ctx.twin.elements.values()
        if e.storey == ctx.storey.guid and e.footprint is not None and not e.footprint.is_empty
    ]
    for e in sorted(els, key=lambda e: e.guid):
        assert e.footprint is not None
        attrs = f"data-guid={quoteattr(e.guid)} data-kind={quoteattr(e.kind)}"
        hl = ' data-highlight="1"' if e.guid in highlight else ""
        title = f"<title>{escape(e.name or e.kind)}</title>"
        if e.kind in ("wall", "window", "stair", "lift"):
            groups[e.kind].append(
                f'<path class="{e.kind}" {attrs}{hl} fill-rule="evenodd" '
                f'd="{path_data(e.footprint)}">{title}</path>'
            )
        elif e.kind == "door":
            groups["door"].append(f"{_door(e)} {attrs}{hl}>{title}</path>")
        elif e.kind == "segment":
            groups["segment"].append(
                f'<path class="segment" {attrs}{hl} d="{path_data(e.footprint)}">{title}</path>'
            )
        elif e.kind in _SYMBOL_KINDS:
            c = e.footprint.centroid
            r = {"fitting": 0.05, "sensor": 0.1, "terminal": 0.1}.get(e.kind, 0.18)
            groups["symbol"].append(
                f'<circle class="symbol sym-{e.kind}" {attrs}{hl} cx="{c.x:.3f}" '
                f'cy="{-c.y:.3f}" r="{r}">{title}</circle>'
            )
    return "".join(
        f'<g class="{name}s">{"".join(items)}</g>' for name, items in groups.items() if items
    )


def _north_angle(twin: Twin) -> float:
    """Degrees to rotate the north arrow (clockwise) from the georef rotation, 0 without one."""
    g = twin.georef
    if g.mode != "map_conversion":
        return 0.0
    # the local x axis points at angle a east of map-east; map north is then -a in local frame
    a = math.degrees(math.atan2(g.x_axis_ordinate, g.x_axis_abscissa))
    return a


def _furniture(ctx: PlanContext) -> str:
    minx, miny, maxx, maxy = ctx.bounds
    span = max(maxx - minx, maxy - miny, 1.0)
    u = span / 40  # symbol unit
    # north arrow, top right
    ax, ay = maxx + 2 * u, -(maxy)
    rot = _north_angle(ctx.twin)
    arrow = (
        f'<g class="north-arrow" '
        f'transform="translate({ax:.3f},{ay + 2 * u:.3f}) rotate({rot:.2f})">'
        f'<path d="M0,{-1.5 * u:.3f} L{0.6 * u:.3f},{1 * u:.3f} L0,{0.5 * u:.3f} '
        f'L{-0.6 * u:.3f},{1 * u:.3f} Z" fill="#222"/>'
        f'<text class="label" y="{-2.1 * u:.3f}" font-size="{u:.3f}">N</text></g>'
    )
    # scale bar, bottom left: a round length near a fifth of the span
    target = span / 5
    step = 10 ** math.floor(math.log10(target))
    length = max(m * step for m in (1, 2, 5) if m * step <= target)
    sx, sy = minx, -(miny) + 1.0 * u
    bar = (
        f'<g class="scale-bar" data-length-m="{length:g}">'
        f'<rect x="{sx:.3f}" y="{sy:.3f}" width="{length:.3f}" height="{0.3 * u:.3f}" fill="#222"/>'
        f'<text class="label" x="{sx + length / 2:.3f}" y="{sy + 1.0 * u:.3f}" '
        f'font-size="{0.9 * u:.3f}">{length:g} m</text></g>'
    )
    return arrow + bar


def render_plan(
    twin: Twin,
    storey_guid: str,
    *,
    layers: Sequence[PlanLayer] = (),
    highlight: Collection[str] = (),
    width_px: int | None = None,
) -> str:
    """SVG floor plan of a storey; raises StoreyNotFound for an unknown storey."""
    storey = twin.storey(storey_guid)
    ctx = PlanContext(twin, storey, _storey_bounds(twin, storey_guid))
    minx, miny, maxx, maxy = ctx.bounds
    span = max(maxx - minx, maxy - miny, 1.0)
    m = span / 12
    vb = (minx - m, -(maxy + m), (maxx - minx) + 2 * m, (maxy - miny) + 2 * m)
    size = ""
    if width_px:
        size = f' width="{width_px}" height="{round(width_px * vb[3] / vb[2])}"'
    hl = set(highlight)
    spaces, labels = _spaces(ctx, hl)
    body = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="{vb[0]:.3f} {vb[1]:.3f} {vb[2]:.3f} {vb[3]:.3f}"{size} '
        f'data-storey={quoteattr(storey.guid)} data-units="m">',
        f"<title>{escape(storey.name)}</title>",
        f"<style>{_STYLE}</style>",
        spaces,
        _elements(ctx, hl),
        labels,
    ]
    if hl:
        body.append(HighlightLayer(hl).svg(ctx))
    body.extend(layer.svg(ctx) for layer in layers)
    body.append(_furniture(ctx))
    body.append("</svg>")
    return "\n".join(body)
