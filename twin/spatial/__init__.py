"""spatial package."""
