"""ifc package."""
