"""The test kit: an app fixture per product, an HTTP wrapper, a seeded world and the route x role matrix
(README.md says how a product uses them)."""
