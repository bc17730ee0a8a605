"""What a design IFC changes in the existing building: new, modified and removed products.

Designers hand over a renovation as an IFC file, in one of two habits: an edited copy of the
existing model (unchanged products keep their GlobalIds, new ones get fresh ids, removed ones are
gone) or a file holding only the new work. One rule serves both: a product whose GlobalId the
building does not know is new; a known one whose box moved or changed size by more than a
tolerance is modified; and, only where the design claims the same building (shares its GlobalId),
a product of that building missing from the design is removed. New and modified products become
:class:`~twin.scenario.Proposed` elements with their design meshes; the modified and removed
ones are left out of the existing side of the clash check, since the works replace them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from twin.analysis.clash import NOT_OBSTACLES
from twin.model import Twin
from twin.scenario import Proposed

__all__ = ["DesignDiff", "design_diff"]

log = logging.getLogger(__name__)

#: Metres a product's box may move before it counts as modified (IFC exporters round coordinates).
MOVE_TOLERANCE = 0.01


@dataclass(frozen=True)
class DesignDiff:
    proposed: tuple[Proposed, ...]
    new: tuple[str, ...]
    modified: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def replaced(self) -> frozenset[str]:
        """Existing products the works take away (excluded from the clash check)."""
        return frozenset(self.modified) | frozenset(self.removed)

    def summary(self) -> dict[str, object]:
        return {
            "new": list(self.new),
            "modified": list(self.modified),
            "removed": list(self.removed),
        }


def design_diff(existing: Twin, design: Twin, *, tolerance: float = MOVE_TOLERANCE) -> DesignDiff:
    """Compare a design twin with the twin of the existing building (both in model metres)."""
    new: list[str] = []
    modified: list[str] = []
    proposed: list[Proposed] = []
    for guid, e in design.elements.items():
        if e.kind in NOT_OBSTACLES or e.bbox is None or guid not in design.meshes:
            continue
        old = existing.elements.get(guid)
        if old is not None:
            if old.bbox is not None and np.allclose(old.bbox, e.bbox, atol=tolerance):
                continue
            modified.append(guid)
        else:
            new.append(guid)
        proposed.append(Proposed(guid, e.kind, design.meshes[guid], name=e.name, storey=e.storey))
    shared = set(existing.buildings) & set(design.buildings)
    removed = sorted(
        g
        for g, e in existing.elements.items()
        if g not in design.elements
        and e.kind not in NOT_OBSTACLES
        and e.storey is not None
        and existing.storeys[e.storey].building in shared
    )
    log.info(
        "design %s: %d new, %d modified, %d removed products",
        design.source.path,
        len(new),
        len(modified),
        len(removed),
    )
    return DesignDiff(tuple(proposed), tuple(sorted(new)), tuple(sorted(modified)), tuple(removed))
