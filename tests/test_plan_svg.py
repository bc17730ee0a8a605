"""Floor plan SVG: well-formed, one shape per room, attributes, highlight, layers, escaping."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require
from tests.samples.spatial import hand_twin
from twin.errors import StoreyNotFound
from twin.export.plan_svg import HighlightLayer, PlanContext, PlanLayer, PolylineLayer, render_plan

NS = "{http://www.w3.org/2000/svg}"


def _shapes(root: ET.Element, kind: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("data-kind") == kind]


def _check_plan(twin: Any, storey: str) -> ET.Element:
    svg = render_plan(twin, storey, width_px=800)
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    spaces = _shapes(root, "space")
    want = {
        s.guid
        for s in twin.spaces.values()
        if s.storey == storey and s.footprint is not None and not s.footprint.is_empty
    }
    assert sorted(e.get("data-guid") or "" for e in spaces) == sorted(want)
    for e in spaces:
        assert e.find(f"{NS}title") is not None
        assert e.get("data-number") is not None and e.get("data-criticality")
    assert root.find(f".//{NS}g[@class='north-arrow']") is not None
    assert root.find(f".//{NS}g[@class='scale-bar']") is not None
    return root


def test_hand_plan() -> None:
    twin = hand_twin()
    root = _check_plan(twin, "S0")
    assert len(_shapes(root, "space")) == 2
    assert {e.get("data-kind") for e in root.iter() if e.get("data-kind")} >= {
        "space",
        "wall",
        "door",
        "terminal",
        "sensor",
    }
    icu = [e for e in _shapes(root, "space") if e.get("data-criticality") == "icu"]
    assert len(icu) == 1 and "critical" in (icu[0].get("class") or "")
    vb = [float(v) for v in (root.get("viewBox") or "").split()]
    assert vb[1] < -4  # y flipped: the room's top edge y=4 is at svg y=-4
    with pytest.raises(StoreyNotFound):
        render_plan(twin, "nope")


def test_highlight_and_layers() -> None:
    twin = hand_twin()

    @dataclasses.dataclass
    class Custom:
        name: str = "custom"

        def svg(self, ctx: PlanContext) -> str:
            return f'<g class="custom">{ctx.points([(0, 0), (1, 1)])}</g>'

    layer = Custom()
    assert isinstance(layer, PlanLayer)
    svg = render_plan(
        twin,
        "S0",
        highlight=["S0B", "S0X"],
        layers=[PolylineLayer([[(1.0, 1.0), (7.0, 2.0)]]), layer],
    )
    root = ET.fromstring(svg)
    marked = {e.get("data-guid") for e in root.iter() if e.get("data-highlight") == "1"}
    assert marked == {"S0B", "S0X"}
    room = next(e for e in _shapes(root, "space") if e.get("data-guid") == "S0B")
    assert "highlight" in (room.get("class") or "")
    line = root.find(f".//{NS}polyline")
    assert line is not None and line.get("points") == "1.000,-1.000 7.000,-2.000"
    assert root.find(f".//{NS}g[@class='custom']") is not None
    # a highlight layer ignores guids on other storeys
    other = HighlightLayer(["S1A"]).svg(PlanContext(twin, twin.storeys["S0"], (0, 0, 10, 4)))
    assert "S1A" not in other


def test_text_is_escaped() -> None:
    twin = hand_twin()
    spaces = dict(twin.spaces)
    spaces["S0A"] = dataclasses.replace(spaces["S0A"], long_name='<b>"Lab" & co</b>', number="<1>")
    evil = dataclasses.replace(twin, spaces=spaces)
    root = ET.fromstring(render_plan(evil, "S0"))
    room = next(e for e in _shapes(root, "space") if e.get("data-guid") == "S0A")
    assert room.get("data-number") == "<1>"
    assert "<b>" in "".join(root.itertext())  # text content, not markup


@pytest.mark.slow
def test_fzk_plans(shared_twin: Any, artifacts: Path) -> None:
    twin = shared_twin("AC20-FZK-Haus.ifc")
    for st in twin.storeys:
        _check_plan(twin, st)
    ground = min(twin.storeys.values(), key=lambda s: abs(s.elevation))
    (artifacts / "plan_fzk_ground.svg").write_text(render_plan(twin, ground.guid, width_px=1200))


@pytest.mark.slow
def test_hospital_plans(small_twin: Any, artifacts: Path) -> None:
    for st in small_twin.storeys:
        root = _check_plan(small_twin, st)
        assert _shapes(root, "door")
    first = next(iter(small_twin.buildings.values())).storeys[0]
    svg = artifacts / "plan_hospital_ground.svg"
    svg.write_text(render_plan(small_twin, first, width_px=1400))
    _screenshot(svg, artifacts / "plan_hospital_ground.png")


def _screenshot(svg: Path, png: Path) -> None:
    """Render the SVG in headless chromium: it must paint, not just parse."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(chromium).exists(), "chromium not installed")
    png.unlink(missing_ok=True)
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
         "--window-size=1400,700", svg.resolve().as_uri()],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    assert png.stat().st_size > 10_000  # a blank page is a few kB
