"""The route x role matrix, generated from a product's route table (`app.crm_product.api.routes`).

For every route and every caller (no token, an invalid token, each of the product's roles) the expected
answer follows from what the route declares:
- a public route answers everyone (an optional-auth route refuses an invalid token with 401);
- any other route refuses no token and an invalid token with 401, in the product's error shape;
- a role outside the route's `roles` (or without its `permission`) gets 403 in the product's shape;
- an allowed role gets neither 401 nor 403, nor a 5xx.
The request for a cell is side-effect free: path parameters that name nothing (`values` per parameter
name, else 987654321 for an int, a zero uuid or 32 zeros) and `{}` as the body of a write, so an
allowed call ends in 400 or 404 at worst. A new route is in the matrix as soon as it is declared.

    MATRIX = Matrix(build_app("repaysync"))
    @pytest.mark.parametrize("route", MATRIX.params())
    def test_roles(world, route):
        MATRIX.check(route, world)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

ALLOW, DENY, UNAUTHENTICATED = "allowed", "403", "401"
NO_TOKEN, BAD_TOKEN = "no token", "invalid token"
INVALID_TOKEN = "not-a-token"
WRITES = frozenset({"POST", "PUT", "PATCH"})
PLACEHOLDERS = {"int": "987654321", "uuid": "00000000-0000-0000-0000-000000000000", "str": "0" * 32}


@dataclass(frozen=True)
class Route:
    """One method of one declared path (a RouteSpec may serve several methods)."""

    method: str
    spec: Any

    @property
    def id(self) -> str:
        return f"{self.method} {self.spec.path}"


@dataclass(frozen=True)
class Cell:
    route: Route
    caller: str  # NO_TOKEN, BAD_TOKEN or a role
    expect: str  # ALLOW, DENY or UNAUTHENTICATED


@dataclass
class Matrix:
    """The matrix of one product's app; `values` fill path parameters by name."""

    app: Any
    values: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> Any:
        return self.app.crm_product.api

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.app.crm_product.roles)

    def routes(self) -> list[Route]:
        """Every method of every route in the table, in declaration order."""
        return [Route(method, spec) for spec in self.api.routes for method in spec.methods]

    def params(self) -> list[Any]:
        """The routes as pytest parameters, named `METHOD /path/`."""
        return [pytest.param(route, id=route.id) for route in self.routes()]

    def expectation(self, route: Route, caller: str) -> str:
        spec = route.spec
        if spec.public:
            return UNAUTHENTICATED if spec.optional_auth and caller == BAD_TOKEN else ALLOW
        if caller in (NO_TOKEN, BAD_TOKEN):
            return UNAUTHENTICATED
        if spec.roles is not None and caller not in spec.roles:
            return DENY
        if spec.permission is not None:
            from chalicelib.core.auth.principal import Principal

            check = self.api.permissions
            principal = Principal(subject="0", username="matrix", roles=frozenset({caller}))
            return ALLOW if check is not None and check(principal, spec.permission) else DENY
        return ALLOW

    def cells(self, route: Route) -> list[Cell]:
        return [Cell(route, caller, self.expectation(route, caller))
                for caller in (NO_TOKEN, BAD_TOKEN, *self.roles)]

    def request(self, route: Route) -> tuple[str, Any]:
        """The path (its parameters naming nothing) and body of the route's cells."""
        values = {name: self.values.get(name, PLACEHOLDERS.get(kind, PLACEHOLDERS["str"]))
                  for name, kind in route.spec.param_types.items()}
        return route.spec.filled(values), ({} if route.method in WRITES else None)

    def failures(self, route: Route, world: Any) -> list[str]:
        """What the app answers against what the table declares, one line per wrong cell."""
        from chalicelib.core.errors import Forbidden, Unauthorized

        path, body = self.request(route)
        refusals = {DENY: self.api.renderer(Forbidden()), UNAUTHENTICATED: self.api.renderer(Unauthorized())}
        wrong = []
        for cell in self.cells(route):
            if cell.caller == NO_TOKEN:
                http = world.http.as_(None)
            elif cell.caller == BAD_TOKEN:
                http = world.http.as_(INVALID_TOKEN)
            else:
                http = world.client(world.named(cell.caller))
            response = http.call(route.method, path, body)
            status, answer = response.status_code, _json(response)
            if cell.expect == ALLOW:
                ok = status not in (401, 403) and status < 500
            elif cell.expect == UNAUTHENTICATED and cell.caller == BAD_TOKEN:
                ok = status == 401  # the message may say why the token is refused
            else:
                ok = status == int(cell.expect) and answer == refusals[cell.expect]
            if not ok:
                wrong.append(f"{route.id} as {cell.caller}: expected {cell.expect}, got {status} {answer}")
        return wrong

    def check(self, route: Route, world: Any) -> None:
        """Fail listing every cell of the route that answers otherwise than declared."""
        wrong = self.failures(route, world)
        assert not wrong, "\n".join(wrong)


def _json(response: Any) -> Any:
    try:
        return response.json_body
    except ValueError:
        return response.body
