"""How a renovation scenario is drawn: one plan layer and one set of scene colours.

The floor plan (``plan.svg?scenario=``, the HTML report) and the 3D scene (``scene.glb?scenario=``)
show the same things from the same impact report, so a planner reading the report and a command
centre looking at the building see one story: closed rooms, zones, rooms left without service,
the proposed solids and where they clash with what is already there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from twin.export.plan_svg import PlanContext, path_data
from twin.model import Storey
from twin.scenario import ImpactReport

__all__ = [
    "SCENE_CLASH",
    "SCENE_CLOSED",
    "SCENE_NO_SERVICE",
    "SCENE_SHUT_OFF",
    "ScenarioLayer",
    "scene_colors",
]

#: Scene colours (RGBA 0..1): what the command centre must tell apart at a glance.
SCENE_CLOSED = (0.30, 0.30, 0.34, 1.0)
SCENE_NO_SERVICE = (1.0, 0.55, 0.0, 1.0)
SCENE_SHUT_OFF = (0.85, 0.10, 0.10, 1.0)
SCENE_CLASH = (0.85, 0.0, 0.85, 1.0)

_CLASH_RADIUS = 0.4  # m, marker on the plan


def scene_colors(report: ImpactReport) -> dict[str, tuple[float, ...]]:
    """GlobalId -> colour: rooms and terminals without service orange, shut-off elements red,
    existing elements a proposal clashes with magenta, closed rooms dark grey (later wins)."""
    colors: dict[str, tuple[float, ...]] = {}
    lost = report.services_lost
    for g in [s["guid"] for s in lost.get("spaces", [])] + list(lost.get("terminals", [])):
        colors[g] = SCENE_NO_SERVICE
    for g in lost.get("closed", []):
        colors[g] = SCENE_SHUT_OFF
    for c in report.clashes:
        colors[c["existing"]] = SCENE_CLASH
    for r in report.closed_spaces:
        colors[r["guid"]] = SCENE_CLOSED
    return colors


def _on_storey(bbox: list[float], storey: Storey) -> bool:
    top = storey.elevation + (storey.height if storey.height else math.inf)
    return bbox[2] < top and bbox[5] > storey.elevation


@dataclass(frozen=True)
class ScenarioLayer:
    """Zones dashed, closed rooms grey, rooms without service orange, proposed solids outlined
    in violet, clashes as magenta rings at the clash point (``data-guid`` the existing element)."""

    report: ImpactReport
    name: str = "scenario"

    def svg(self, ctx: PlanContext) -> str:
        r, sg = self.report, ctx.storey.guid
        out = [f'<g class="layer layer-{escape(self.name)}">']
        closed = {x["guid"] for x in r.closed_spaces}
        lost = {x["guid"] for x in r.services_lost.get("spaces", [])} - closed
        for css, guids in (("closed", closed), ("lost", lost)):
            for g in sorted(guids):
                space = ctx.twin.spaces.get(g)
                if space is None or space.storey != sg or space.footprint is None:
                    continue
                out.append(
                    f'<path class="{css}" data-guid={quoteattr(g)} data-highlight="1" '
                    f'fill-rule="evenodd" d="{path_data(space.footprint)}"/>'
                )
        for z in r.zones:
            if z["storey"] == sg and len(z["polygon"]) >= 3:
                out.append(f'<polygon class="zone" points="{ctx.points(z["polygon"])}"/>')
        for p in r.proposed:
            if p["plan"] and _on_storey(p["bbox"], ctx.storey):
                out.append(
                    f'<polygon class="proposed" data-proposed={quoteattr(p["id"])} '
                    f'points="{ctx.points(p["plan"])}"><title>{escape(p["kind"])} '
                    f"{escape(p['name'] or p['id'])}</title></polygon>"
                )
        for c in r.clashes:
            if c["storey"] != sg:
                continue
            x, y = ctx.xy(c["point"][0], c["point"][1])
            out.append(
                f'<circle class="clash clash-{escape(c["type"])}" cx="{x:.3f}" cy="{y:.3f}" '
                f'r="{_CLASH_RADIUS}" data-guid={quoteattr(c["existing"])} '
                f"data-proposed={quoteattr(c['proposed'])}><title>{escape(c['type'])} clash: "
                f"{escape(c['proposed'])} / {escape(c['existing_kind'])}</title></circle>"
            )
        out.append("</g>")
        return "".join(out)
