"""Code-built twins the tests share (fixtures, not library code)."""
