"""The spatial tree of the served campus as maintenance staff browse it."""

from __future__ import annotations

from twin.model import Space
from twin.service.campus import Campus

__all__ = ["spaces_on"]


def spaces_on(campus: Campus, storey: str) -> list[Space]:
    """The rooms of a served storey by room number (StoreyNotFound for an unknown storey)."""
    twin = campus.twin_of(storey)
    twin.storey(storey)
    return sorted((s for s in twin.spaces.values() if s.storey == storey), key=lambda s: s.number)
