"""Indoor navigation: the graph of rooms, doors, stairs and lifts of one twin, and routes over it.

``navgraph`` holds the types, ``build`` the graph build (with ``walkways`` for walks inside a
footprint, ``spanner`` for corridors, ``outdoor`` for walks between entrances), ``paths`` the
scipy shortest-path searches, ``routes`` the routes and ETAs, ``patrol`` the patrol tours.
"""
