"""Leads' route x role matrix, generated from its route table (tests/kit/matrix.py): for every route, no
token and an invalid token are 401, a role the route does not declare is 403 (`{"error": ...}`), and a
declared role gets through. Happy paths, bad input and another user's record are in the other files."""

from __future__ import annotations

import pytest

from tests.kit.app import build_app
from tests.kit.matrix import Matrix

MATRIX = Matrix(build_app("leads"))


@pytest.mark.parametrize("route", MATRIX.params())
def test_roles(world, route):
    MATRIX.check(route, world)
