"""Wire schemas of the API, one module per resource (the routers' names).

Request bodies derive from :class:`api.strict.StrictIn`. Response models that mirror a domain
record read it with ``model_config = ConfigDict(from_attributes=True)`` and
``Model.model_validate(record)``: only the same-named attributes are read, so the API contract
keeps its own field list (docs/live-state.md); models whose fields are computed (areas, SLA
state, plan links) keep an ``of`` constructor.
"""
