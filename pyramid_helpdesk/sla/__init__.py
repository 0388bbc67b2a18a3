"""Service hours (and, later, business-time targets)."""
