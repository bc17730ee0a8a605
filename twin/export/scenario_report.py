"""A renovation impact report as a planner reads it: an HTML page with the affected plans, and
the clashes as BCF topics that open in BIM tools at the clash.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from twin.export.bcf import viewpoint_at
from twin.export.plan_svg import render_plan
from twin.export.scenario_plan import ScenarioLayer
from twin.kinds import plural
from twin.model import Twin
from twin.scenario import ImpactReport

__all__ = ["PROFILE_NAMES", "clashes_bcf_zip", "duration", "report_html"]

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;
color:#1c1c1e}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f2f2f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.critical td:first-child{color:#b00020;font-weight:600}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:.6rem;
margin:1rem 0}
.figures div{border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem}
.figures b{display:block;font-size:1.5rem}.muted{color:#666}
figure{margin:1rem 0;border:1px solid #ddd}figure svg{width:100%;height:auto;max-height:32rem}
figcaption{padding:.3rem .6rem;background:#f2f2f7}
"""

#: How the report names the route profiles it compares (twin.analysis.renovation.PROFILES_CHECKED).
PROFILE_NAMES = {
    "walking": "on foot (staff and technicians)",
    "emergency": "emergency response and evacuation",
}
_CRITICALITY_NAMES = {"normal": "normal", "icu": "ICU", "cold_chain": "cold chain"}
_LIST_MAX = 6  # names listed in one cell before "and N more"


def duration(seconds: float) -> str:
    """Seconds as a person reads them: ``"45 s"``, ``"2 min 05 s"``, ``"1 h 03 min"``."""
    s = round(abs(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s // 60 % 60:02d} min"


def _criticality(value: str) -> str:
    return _CRITICALITY_NAMES.get(value, value.replace("_", " "))


class _Names:
    """GlobalIds of one twin turned into what a planner reads (room number and name, storey
    name, element or system name); a GlobalId the twin does not hold reads "not in the model"."""

    def __init__(self, twin: Twin) -> None:
        self.twin = twin

    def storey(self, guid: str | None) -> str:
        st = self.twin.storeys.get(guid) if guid else None
        return st.name or f"storey {st.index}" if st else "—"

    def room(self, guid: str) -> str:
        s = self.twin.spaces.get(guid)
        return s.label or s.name or "unnamed room" if s else "a room not in the model"

    def thing(self, guid: str) -> str:
        if guid in self.twin.spaces:
            return self.room(guid)
        if guid in self.twin.systems:
            return self.twin.systems[guid].name or "unnamed system"
        e = self.twin.elements.get(guid)
        if e is None:
            return "an element not in the model"
        return e.name or e.type_name or e.kind.replace("_", " ")

    def some(self, guids: Iterable[str]) -> str:
        """Distinct names, the first few, then "and N more"."""
        names = list(dict.fromkeys(self.thing(g) for g in guids))
        if len(names) <= _LIST_MAX:
            return ", ".join(names) or "—"
        return f"{', '.join(names[:_LIST_MAX])} and {len(names) - _LIST_MAX} more"

    def kinds(self, guids: Iterable[str]) -> list[tuple[str, int]]:
        """Elements counted by kind (plural), most first."""
        counts = Counter(
            plural(self.twin.elements[g].kind) if g in self.twin.elements else "other"
            for g in guids
        )
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _table(
    columns: Sequence[str], rows: Iterable[Sequence[object]], critical: Sequence[bool] = ()
) -> str:
    """An HTML table of text cells (numbers right-aligned); "None." when there is no row."""
    body = []
    for i, row in enumerate(rows):
        cls = ' class="critical"' if i < len(critical) and critical[i] else ""
        cells = "".join(
            f'<td class="num">{escape(str(c))}</td>'
            if isinstance(c, int | float)
            else f"<td>{escape(str(c))}</td>"
            for c in row
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    if not body:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _rooms(names: _Names, rows: Sequence[Mapping[str, Any]]) -> str:
    return _table(
        ["Room", "Storey", "Criticality"],
        [
            (names.room(r["guid"]), names.storey(r.get("storey")), _criticality(r["criticality"]))
            for r in rows
        ],
        [r["criticality"] != "normal" for r in rows],
    )


def _figures(report: ImpactReport) -> str:
    s = report.summary()
    cells = [("Rooms closed", str(s["closed_spaces"]))]
    for prof, n in s["unreachable"].items():
        cells.append((f"Rooms cut off, {PROFILE_NAMES.get(prof, prof)}", str(n)))
    for prof, n in s["longer"].items():
        worst = s["max_added_s"].get(prof, 0.0)
        extra = f" (up to +{duration(worst)})" if n else ""
        cells.append((f"Longer routes, {PROFILE_NAMES.get(prof, prof)}", f"{n}{extra}"))
    crit = s["critical_spaces_without_service"]
    cells.append(("Rooms without service", f"{s['spaces_without_service']} ({crit} critical)"))
    cells.append(("Clashes", f"{s['clashes']} ({s['hard_clashes']} hard)"))
    return "<div class='figures'>" + "".join(
        f"<div><b>{escape(v)}</b>{escape(k)}</div>" for k, v in cells
    ) + "</div>"  # fmt: skip


def _unreachable(names: _Names, report: ImpactReport) -> str:
    """One table: each room cut off, and for which profiles."""
    rooms: dict[str, dict[str, Any]] = {}
    for prof, rows in report.unreachable.items():
        for r in rows:
            rooms.setdefault(r["guid"], {**r, "profiles": []})["profiles"].append(
                PROFILE_NAMES.get(prof, prof)
            )
    rows = list(rooms.values())
    return _table(
        ["Room", "Storey", "Criticality", "Cut off for"],
        [
            (
                names.room(r["guid"]),
                names.storey(r.get("storey")),
                _criticality(r["criticality"]),
                "; ".join(r["profiles"]),
            )
            for r in rows
        ],
        [r["criticality"] != "normal" for r in rows],
    )


def _longer(names: _Names, report: ImpactReport) -> str:
    rows = [(prof, r) for prof, rs in report.longer.items() for r in rs]
    return _table(
        ["Room", "Storey", "Profile", "Before", "After", "Added"],
        [
            (
                names.room(r["guid"]),
                names.storey(r.get("storey")),
                PROFILE_NAMES.get(p, p),
                duration(r["before_s"]),
                duration(r["after_s"]),
                f"+{duration(r['added_s'])}",
            )
            for p, r in rows
        ],
        [r["criticality"] != "normal" for _, r in rows],
    )


def _services(names: _Names, report: ImpactReport) -> str:
    sl = report.services_lost
    if not sl.get("known", True):
        return f"<p>Not known: {escape(str(sl.get('reason', 'no distribution network')))}.</p>"
    spaces = sl.get("spaces", [])
    parts = [
        "<h3>Rooms without service</h3>",
        _table(
            ["Room", "Storey", "Criticality", "Supplied through"],
            [
                (
                    names.room(s["guid"]),
                    names.storey(s.get("storey")),
                    _criticality(s["criticality"]),
                    names.some(s.get("via", [])),
                )
                for s in spaces
            ],
            [s["criticality"] != "normal" for s in spaces],
        ),
    ]
    by_system = sl.get("by_system", {})
    if by_system:
        parts += [
            "<h3>Systems affected</h3>",
            _table(
                ["System", "Terminals and equipment cut off"],
                [(names.thing(g), len(v)) for g, v in by_system.items()],
            ),
        ]
    closed = sl.get("closed", [])
    if closed:
        parts += [
            "<h3>Shut off or running through closed rooms</h3>",
            _table(
                ["Kind", "Count", "Names"],
                [
                    (k, n, names.some(g for g in closed if _kind(names, g) == k))
                    for k, n in names.kinds(closed)
                ],
            ),
        ]
    return "".join(parts)


def _kind(names: _Names, guid: str) -> str:
    e = names.twin.elements.get(guid)
    return plural(e.kind) if e else "other"


def _inside(names: _Names, report: ImpactReport) -> str:
    inside = report.inside_zone
    rows: list[tuple[str, object, str]] = []
    sensors = inside.get("sensors", [])
    if sensors:
        known = [g for g in sensors if g in names.twin.elements]
        label = names.some(known) if known else ""
        others = len(sensors) - len(known)
        label += f"{', ' if label else ''}{others} live sensor(s)" if others else ""
        rows.append(("Sensors", len(sensors), label))
    tickets = inside.get("open_tickets", [])
    if tickets:
        rows.append(("Open tickets", len(tickets), ", ".join(f"#{t}" for t in tickets)))
    points = inside.get("checkpoints", [])
    if points:
        rows.append(("Patrol checkpoints", len(points), names.some(points)))
    elements = inside.get("elements", [])
    for kind, n in names.kinds(elements):
        rows.append((f"Elements: {kind}", n, names.some(g for g in elements
                                                        if _kind(names, g) == kind)))  # fmt: skip
    return _table(["What", "Count", "Names"], rows)


def _clashes(names: _Names, report: ImpactReport) -> str:
    proposed = {p["id"]: p.get("name") or p["id"] for p in report.proposed}
    return _table(
        ["Proposed", "Existing element", "Kind", "Storey", "Type", "Gap", "Overlap"],
        [
            (
                proposed.get(c["proposed"], c["proposed"]),
                c.get("existing_name") or names.thing(c["existing"]),
                c["existing_kind"].replace("_", " "),
                names.storey(c.get("storey")),
                c["type"],
                f"{c['distance'] * 1000:.0f} mm",
                f"{c['volume'] * 1000:.1f} litres",
            )
            for c in report.clashes
        ],
        [c["type"] == "hard" for c in report.clashes],
    )


def _design(names: _Names, report: ImpactReport) -> str:
    if not report.design:
        return ""
    rows = [
        (what, len(report.design.get(key, [])), names.some(report.design.get(key, [])))
        for key, what in (("new", "New"), ("modified", "Modified"), ("removed", "Removed"))
    ]
    return "<h2>Design file</h2>" + _table(["Products", "Count", "Names"], rows)


def report_html(twin: Twin, report: ImpactReport) -> str:
    """One self-contained page a planner reads: headline figures, tables with room numbers and
    names, storey names, times in minutes and seconds (critical rooms first), and a plan per
    storey the scenario touches, drawn by :class:`ScenarioLayer` (the same as
    ``plan.svg?scenario=``). No GlobalId is shown as text: a GlobalId the twin does not hold reads
    "not in the model"."""
    names = _Names(twin)
    closed = [r["guid"] for r in report.closed_spaces]
    lost = [s["guid"] for s in report.services_lost.get("spaces", [])]
    touched: set[str | None] = {twin.spaces[g].storey for g in closed + lost if g in twin.spaces}
    touched |= {c["storey"] for c in report.clashes} | {z["storey"] for z in report.zones}
    storeys = sorted(
        (g for g in touched if g and g in twin.storeys), key=lambda g: twin.storeys[g].elevation
    )
    title = escape(report.scenario)
    touched_names = ", ".join(names.storey(g) for g in storeys)
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Impact of {title}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Impact of scenario “{title}”</h1>",
        f"<p class='muted'>Storeys touched: {escape(touched_names or 'none')}.</p>",
        _figures(report),
        "<h2 id='closed'>Closed rooms</h2>",
        _rooms(names, report.closed_spaces),
        "<h2 id='unreachable'>Rooms that can no longer be reached</h2>",
        _unreachable(names, report),
        "<h2 id='longer'>Longer routes from the entrances</h2>",
        _longer(names, report),
        "<h2 id='services'>Services lost</h2>",
        _services(names, report),
        "<h2 id='inside'>Inside the closed area</h2>",
        _inside(names, report),
        "<h2 id='clashes'>Clashes of the proposed work</h2>",
        _clashes(names, report),
        _design(names, report),
        "<h2 id='plans'>Plans</h2>",
    ]
    for sg in storeys:
        svg = render_plan(twin, sg, layers=[ScenarioLayer(report)])
        parts.append(f"<figure>{svg}<figcaption>{escape(names.storey(sg))}</figcaption></figure>")
    notes = [*report.assumptions, *report.services_lost.get("assumptions", [])]
    parts.append("<h2 id='assumptions'>Assumptions</h2><ul>")
    parts += [f"<li>{escape(a)}</li>" for a in dict.fromkeys(notes)]
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
