"""Latitudes/longitudes that authoring tools write when nobody set the project's location.

A Revit model whose location was never set still carries IfcSite RefLatitude/RefLongitude: the
template's city (Boston for the US template). Read as real coordinates, every such model lands in
the same spot and a campus of unrelated buildings overlaps there. This module is the one table of
those defaults, each with where it comes from; :mod:`twin.ifc.georef` reports a site at one of
them as "default location, not georeferenced". Kept free of pyproj and ifcopenshell.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LOCATIONS", "DEFAULT_LOCATION_TOLERANCE", "DefaultLocation", "default_location"]


@dataclass(frozen=True, slots=True)
class DefaultLocation:
    """A latitude/longitude an authoring tool writes when nobody set the project's location."""

    latitude: float
    longitude: float
    tool: str
    place: str
    source: str  # where the entry comes from, so a reader can check or retire it


#: The one table of known default site locations (IfcSite RefLatitude/RefLongitude). A site at one
#: of these, within :data:`DEFAULT_LOCATION_TOLERANCE`, is reported as "default location, not
#: georeferenced" instead of being trusted as real coordinates. Add entries with their source.
DEFAULT_LOCATIONS: tuple[DefaultLocation, ...] = (
    DefaultLocation(
        0.0,
        0.0,
        "tools that write an unset location as zeros",
        "0 N 0 E",
        "unset RefLatitude/RefLongitude written as zeros; no building sits at 0 N 0 E",
    ),
    DefaultLocation(
        42.3586617,
        -71.0567398,
        "Autodesk Revit (US template)",
        "Boston, MA",
        "shared 1269--Project_IfcDuctFitting.ifc (Revit 2019, site 'Default', a single duct "
        "fitting) writes (42,21,31,181945)/(-71,-3,-24,-263305); public IFC writers reuse the same "
        "DMS as their default site; Bentley's iTwin notes that Revit files without a set "
        "location land 'near Boston or your nearest capital city'",
    ),
    DefaultLocation(
        41.8744,
        -87.6394,
        "Autodesk Revit 2011-2013 (US template)",
        "Chicago, IL",
        "shared Duplex_A_20110907.ifc (Revit Architecture 2011) and "
        "Duplex_Electrical_20121207.ifc (Revit 2013), the fictional NIBS/buildingSMART duplex, "
        "both with site 'Default' at 41 52' 27.84\" N, 87 38' 21.84\" W (round city-table "
        "values 41.8744/-87.6394)",
    ),
    DefaultLocation(
        51.5001526,
        -0.1262362,
        "Autodesk Revit (UK template)",
        "London",
        "shared SampleHouse_IFC4.ifc (Revit 2015 sample, site 'Default'); the capital-city "
        "default Bentley describes for localised Revit templates",
    ),
)

#: Degrees within which a site counts as sitting at a default (about 10 m; Revit versions write
#: the same city with different micro-second rounding, 0.004" apart on the Duplex pair).
DEFAULT_LOCATION_TOLERANCE = 1e-4


def default_location(latitude: float, longitude: float) -> DefaultLocation | None:
    """The known tool default at this latitude/longitude, or None for a real location."""
    for loc in DEFAULT_LOCATIONS:
        if (
            abs(latitude - loc.latitude) <= DEFAULT_LOCATION_TOLERANCE
            and abs(longitude - loc.longitude) <= DEFAULT_LOCATION_TOLERANCE
        ):
            return loc
    return None
