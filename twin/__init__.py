"""Hospital building twin: IFC models joined with live state for facility teams.

Importing this package loads nothing heavy; import the submodule you need
(``twin.service.cache.load_twin``, ``twin.spatial.index``, ``twin.distribution`` ...).
"""

__version__ = "0.1.0"
