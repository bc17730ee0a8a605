"""A ticket exported as BCF reads back with bcf-client: topic, selection, camera, comments."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops_support import open_test_store
from twin.export.bcf import camera_for_bbox, ticket_bcf_zip
from twin.live.store import LiveStore


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStore]:
    for st, _url in open_test_store("sqlite", tmp_path_factory.mktemp("bcf")):
        yield st


class _El:
    def __init__(self, bbox: tuple[float, ...]) -> None:
        self.bbox = bbox


class _Twin:
    """Just what the exporter reads: ``elements`` / ``spaces`` with bounding boxes."""

    def __init__(self, guid: str, bbox: tuple[float, ...]) -> None:
        self.elements = {guid: _El(bbox)}
        self.spaces: dict[str, _El] = {}


def _read(data: bytes, tmp_path: Path):  # type: ignore[no-untyped-def]
    from bcf.v3.bcfxml import BcfXml

    path = tmp_path / "t.bcfzip"
    path.write_bytes(data)
    return BcfXml.load(path)


def test_camera_looks_at_bbox_centre() -> None:
    bbox = (10.0, 20.0, 0.0, 12.0, 22.0, 3.0)
    pos, d = camera_for_bbox(bbox)
    centre = (11.0, 21.0, 1.5)
    to_centre = [c - p for c, p in zip(centre, pos, strict=True)]
    n = math.hypot(*to_centre)
    assert [x / n for x in to_centre] == pytest.approx(d)
    assert n >= 3.0 and pos[2] > centre[2]


def test_ticket_bcf_reads_back(store: LiveStore, tmp_path: Path) -> None:
    guid = "2O2Fr$t4X7Zf8NOew3FLOH"
    store.technicians.register("t1", name="Ann", skills=["medical_gas"], actor="a")
    t = store.tickets.create(title="O2 outlet hissing", priority="emergency",
                              actor="desk", description="Bed 2, OT 2", element=guid)  # fmt: skip
    store.tickets.assign(t.id, "t1", "desk")
    store.tickets.transition(t.id, "on_site", "t1", "at the bed head")
    ticket = store.tickets.get(t.id)
    bbox = (1.0, 2.0, 0.5, 1.4, 2.2, 1.9)
    bcf = _read(ticket_bcf_zip(ticket, _Twin(guid, bbox)), tmp_path)
    [topic] = bcf.topics.values()
    assert topic.topic.title == f"#{t.id} O2 outlet hissing"
    assert topic.topic.priority == "emergency" and topic.topic.topic_status == "on_site"
    assert topic.topic.assigned_to == "t1"
    [vp] = topic.viewpoints.values()
    assert vp.get_selected_guids() == [guid]
    cam = vp.visualization_info.perspective_camera
    pos = [cam.camera_view_point.x, cam.camera_view_point.y, cam.camera_view_point.z]
    d = [cam.camera_direction.x, cam.camera_direction.y, cam.camera_direction.z]
    assert (pos, d) == (
        pytest.approx(camera_for_bbox(bbox)[0]),
        pytest.approx(camera_for_bbox(bbox)[1]),
    )
    texts = [c.comment for c in topic.comments]
    assert "Bed 2, OT 2" in texts[0]
    assert texts[1:] == ["new → assigned: assigned to t1", "assigned → on_site: at the bed head"]


def test_without_twin_only_selects(store: LiveStore, tmp_path: Path) -> None:
    t = store.tickets.create(title="Door", priority="planned", actor="d", space="SPACE1")
    bcf = _read(ticket_bcf_zip(store.tickets.get(t.id)), tmp_path)
    [topic] = bcf.topics.values()
    [vp] = topic.viewpoints.values()
    assert vp.get_selected_guids() == ["SPACE1"]
    assert vp.visualization_info.perspective_camera is None
