"""models_ifc package."""
