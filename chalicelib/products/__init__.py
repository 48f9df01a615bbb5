"""One package per product."""
