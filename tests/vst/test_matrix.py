"""VST's route x role matrix, generated from its route table (tests/kit/matrix.py): for every route, no
token and an invalid token are 401, a role the route does not declare is 403 (DRF's `{"detail": ...}`),
and a declared role gets through. Public routes (login, register, refresh, JWKS, /openapi.json) take
no token. Happy paths, bad input and another user's record are in the other test files."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kit.app import build_app
from tests.kit.http import Http as KitHttp
from tests.kit.matrix import Matrix

MATRIX = Matrix(build_app("vst"))


class MatrixWorld:
    """The module's seeded world as the matrix calls it: one user per role."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.http = KitHttp(world.http.client)

    def named(self, role: str) -> str:
        return role  # the world's users "admin", "worker" and "customer" hold those roles

    def client(self, name: str) -> KitHttp:
        return self.http.as_(self.world.auth[name]["Authorization"].removeprefix("Bearer "))


@pytest.mark.parametrize("route", MATRIX.params())
def test_roles(world, route):
    MATRIX.check(route, MatrixWorld(world))
