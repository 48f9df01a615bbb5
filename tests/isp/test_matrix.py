"""ISP's route x role matrix, generated from its route table (tests/kit/matrix.py): for every route, no
token and an invalid token are 401, a built-in role whose rights (read from the roles table) lack the
route's permission is 403, and a role holding it gets through. The data-driven accountant role is
checked in test_roles.py."""

from __future__ import annotations

import pytest

from tests.kit.app import build_app
from tests.kit.matrix import Matrix

MATRIX = Matrix(build_app("isp"))


@pytest.mark.parametrize("route", MATRIX.params())
def test_roles(world, route):
    MATRIX.check(route, world)
