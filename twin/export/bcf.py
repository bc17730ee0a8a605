"""A work order as a BCF 3.0 topic (zip) that opens in BIM tools at the faulty element.

Written with ``bcf-client``: one topic (title, description, priority, status, assignee, due date
from the SLA), one viewpoint whose perspective camera looks at the element's (or space's)
bounding box from above and to the south-west, at a distance that fits the box, with the element
GlobalId selected, and one comment per ticket transition so the BIM side sees the history.
"""

from __future__ import annotations

import logging
import math
import tempfile
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from twin.live.records import Ticket
from twin.live.sla import sla_status

__all__ = ["camera_for_bbox", "ticket_bcf_zip", "viewpoint_at"]

log = logging.getLogger(__name__)

BBox = tuple[float, float, float, float, float, float]


def camera_for_bbox(bbox: BBox, fov_deg: float = 60.0) -> tuple[list[float], list[float]]:
    """(camera position, unit view direction) looking at the box centre from (+1, +1, +0.8)
    scaled so the box's diagonal fills the field of view (at least 3 m away)."""
    cx, cy, cz = ((bbox[0] + bbox[3]) / 2, (bbox[1] + bbox[4]) / 2, (bbox[2] + bbox[5]) / 2)
    diag = math.dist(bbox[:3], bbox[3:])
    dist = max(3.0, diag / (2 * math.tan(math.radians(fov_deg) / 2)) * 1.5)
    ox, oy, oz = (1.0, 1.0, 0.8)
    n = math.sqrt(ox * ox + oy * oy + oz * oz)
    pos = [cx + ox / n * dist, cy + oy / n * dist, cz + oz / n * dist]
    return pos, [-ox / n, -oy / n, -oz / n]


def _bbox(ticket: Ticket, twin: Any) -> BBox | None:
    if twin is None:
        return None
    for guid in (ticket.element, ticket.space):
        if guid and guid in twin.elements and twin.elements[guid].bbox:
            return twin.elements[guid].bbox  # type: ignore[no-any-return]
        if guid and guid in twin.spaces and twin.spaces[guid].bbox:
            return twin.spaces[guid].bbox  # type: ignore[no-any-return]
    return None


def viewpoint_at(bbox: BBox | None, guids: Sequence[str]) -> Any:
    """A BCF viewpoint whose upright perspective camera frames ``bbox`` with ``guids`` selected
    (work orders select their element, clash topics the existing product)."""
    import bcf.v3.model as mdl
    from bcf.v3.visinfo import build_camera_from_vectors, build_components

    camera = None
    if bbox is not None:
        pos, direction = camera_for_bbox(bbox)
        right = [direction[1], -direction[0], 0.0]  # horizontal, perpendicular to the view
        up = [  # right x direction, so the camera is upright
            right[1] * direction[2] - right[2] * direction[1],
            right[2] * direction[0] - right[0] * direction[2],
            right[0] * direction[1] - right[1] * direction[0],
        ]
        camera = build_camera_from_vectors(pos, direction, up)
    return mdl.VisualizationInfo(
        guid=str(uuid.uuid4()),
        components=build_components(*guids) if guids else None,
        perspective_camera=camera,
    )


def _viewpoint(ticket: Ticket, bbox: BBox | None) -> Any:
    return viewpoint_at(bbox, [g for g in (ticket.element or ticket.space,) if g])


def ticket_bcf_zip(ticket: Ticket, twin: Any = None, project: str = "Hospital twin") -> bytes:
    """The ``.bcfzip`` bytes of one ticket; ``twin`` supplies the element's bounding box for
    the camera (without it the viewpoint only selects the element)."""
    import bcf.v3.model as mdl
    from bcf.v3.bcfxml import BcfXml
    from bcf.v3.visinfo import VisualizationInfoHandler
    from xsdata.models.datatype import XmlDateTime

    def stamp(t: datetime) -> XmlDateTime:
        return XmlDateTime.from_datetime(t)

    bcf = BcfXml.create_new(project)
    desc = ticket.description or ticket.title
    topic = bcf.add_topic(
        f"#{ticket.id} {ticket.title}", desc, ticket.created_by, "Work order", ticket.status
    )
    t = topic.topic
    t.priority = ticket.priority
    t.assigned_to = ticket.technician
    t.creation_date = stamp(ticket.created)
    t.due_date = stamp(sla_status(ticket, ticket.created).arrive_due)
    labels = [x for x in (ticket.skill, ticket.storey and f"storey:{ticket.storey}") if x]
    t.labels = mdl.TopicLabels(label=labels) if labels else None
    handler = VisualizationInfoHandler(visualization_info=_viewpoint(ticket, _bbox(ticket, twin)))
    vp = topic.add_visinfo_handler(handler)
    comments = [
        mdl.Comment(
            date=stamp(ticket.created), author=ticket.created_by, guid=str(uuid.uuid4()),
            comment=f"{ticket.title}\n\n{ticket.description}".strip(),
            viewpoint=mdl.CommentViewpoint(guid=vp.guid),
        )
    ]  # fmt: skip
    for tr in ticket.transitions[1:]:
        text = f"{tr.from_status} → {tr.to_status}" + (f": {tr.note}" if tr.note else "")
        comments.append(
            mdl.Comment(date=stamp(tr.t), author=tr.actor, comment=text, guid=str(uuid.uuid4()))
        )
    topic.comments = comments
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ticket-{ticket.id}.bcfzip"
        bcf.save(path)
        bcf.close()
        return path.read_bytes()
