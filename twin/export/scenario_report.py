"""A renovation impact report as a planner reads it: an HTML page with the affected plans, and
the clashes as BCF topics that open in BIM tools at the clash.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from twin.export.bcf import viewpoint_at
from twin.export.plan_svg import render_plan
from twin.export.scenario_plan import ScenarioLayer
from twin.model import Twin
from twin.scenario import ImpactReport

__all__ = ["clashes_bcf_zip", "report_html"]

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;max-width:70rem;color:#1c1c1e}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.2rem .5rem}
th{background:#f2f2f7;text-align:left}.critical{color:#b00020;font-weight:600}
figure{margin:1rem 0;border:1px solid #ddd}figure svg{width:100%;height:auto;max-height:32rem}
"""


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cls = ' class="critical"' if r.get("criticality", "normal") != "normal" else ""
        cells = "".join(f"<td>{escape(str(r.get(c, '')))}</td>" for c in columns)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def report_html(twin: Twin, report: ImpactReport) -> str:
    """One self-contained page: summary, tables (critical rooms first) and a plan per storey
    the scenario touches, drawn by :class:`ScenarioLayer` (the same as ``plan.svg?scenario=``)."""
    closed = [r["guid"] for r in report.closed_spaces]
    lost = [s["guid"] for s in report.services_lost.get("spaces", [])]
    touched = {twin.spaces[g].storey for g in closed + lost}
    touched |= {c["storey"] for c in report.clashes} | {z["storey"] for z in report.zones}
    storeys = sorted((g for g in touched if g), key=lambda g: twin.storeys[g].elevation)
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Impact of {escape(report.scenario)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Impact of scenario “{escape(report.scenario)}”</h1>",
        _table([report.summary()], list(report.summary())),
        "<h2>Closed rooms</h2>",
        _table(report.closed_spaces, ["label", "criticality", "storey"]),
    ]
    for prof, rows in report.unreachable.items():
        parts += [f"<h2>Unreachable ({escape(prof)})</h2>", _table(rows, ["label", "criticality"])]
    for prof, rows in report.longer.items():
        parts += [
            f"<h2>Longer routes ({escape(prof)})</h2>",
            _table(rows, ["label", "before_s", "after_s", "added_s"]),
        ]
    parts += [
        "<h2>Services lost</h2>",
        _table(report.services_lost.get("spaces", []), ["label", "criticality", "storey"]),
        "<h2>Clashes</h2>",
        _table(report.clashes, ["proposed", "existing", "existing_kind", "type", "distance"]),
        "<h2>Plans</h2>",
    ]
    for sg in storeys:
        svg = render_plan(
            twin,
            sg,
            layers=[ScenarioLayer(report)],
        )
        name = escape(twin.storeys[sg].name)
        parts.append(f"<figure>{svg}<figcaption>{name}</figcaption></figure>")
    parts.append("<h2>Assumptions</h2><ul>")
    parts += [f"<li>{escape(a)}</li>" for a in report.assumptions]
    parts.append("</ul></body></html>")
    return "".join(parts)


def clashes_bcf_zip(report: ImpactReport, project: str = "Hospital twin") -> bytes:
    """One BCF 3.0 topic per clash, with a viewpoint at the clash and both products selected."""
    from bcf.v3.bcfxml import BcfXml
    from bcf.v3.visinfo import VisualizationInfoHandler

    bcf = BcfXml.create_new(project)
    for c in report.clashes:
        title = f"{c['type']} clash: {c['proposed']} / {c['existing_kind']} {c['existing_name']}"
        text = (
            f"Scenario {report.scenario}: gap {c['distance']:.3f} m, overlap {c['volume']:.4f} m3"
        )
        topic = bcf.add_topic(title, text, "twin", "Clash", "Open")
        x, y, z = c["point"]
        info = viewpoint_at((x - 1, y - 1, z - 1, x + 1, y + 1, z + 1), [c["existing"]])
        topic.add_visinfo_handler(VisualizationInfoHandler(visualization_info=info))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clashes.bcfzip"
        bcf.save(path)
        bcf.close()
        return path.read_bytes()
