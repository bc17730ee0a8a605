"""The serving layer: what runs a server over the pure library below it.

The campus (the set of served twins), the on-disk cache, background jobs, warm-up, campus-wide
queries, the per-campus derived structures (`derived.py`) and the orchestration the API routers
call (store-mutating dispatch, scenarios, sensors). Nothing below this package (ifc, model,
spatial, navigation, distribution, analysis, export, live) imports it.
"""
