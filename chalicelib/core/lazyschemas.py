"""Schemas named where routes are declared, imported when first used.

Creating a pydantic model class costs ~0.2-0.5 ms even with `defer_build` (its fields are collected
and checked), and a product declares dozens: ~10 ms of a cold `import app` that the authorizer
function, and a Lambda's first request to one route, never use. So a route table names its schemas:

    S = Schemas("chalicelib.products.repaysync.schemas")

    @api.route("/api/customers/", ["POST"], request=S.CustomerIn, response=list[S.CustomerOut])
    def create(call: Call) -> CustomerOut:  # (a TYPE_CHECKING import keeps the annotations)
        return S.CustomerOut.model_validate(...)

`S.Name` is a `LazySchema`: its module is imported the first time the schema is used, and attribute
access and calls go to the class (`S.DeletedOut(detail=...)`). `lazy(factory)` defers a model made by
a function. `RouteSpec.request/query/response` (core/api.py) answer resolved classes, so the OpenAPI
generator and every other reader of the route table see plain models.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, get_args, get_origin


class LazySchema:
    """A model class, loaded on first use."""

    __slots__ = ("_load", "_loaded", "label")

    def __init__(self, load: Callable[[], Any], label: str) -> None:
        self._load = load
        self._loaded: Any = None
        self.label = label

    def resolve(self) -> Any:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe dunders: never load for them
            raise AttributeError(name)
        return getattr(self.resolve(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<schema {self.label}>"


class Schemas:
    """The schemas of one module, by name, unloaded: `Schemas(module).Name` is a LazySchema."""

    def __init__(self, module: str) -> None:
        self._module = module
        self._named: dict[str, LazySchema] = {}

    def __getattr__(self, name: str) -> LazySchema:
        if name.startswith("__"):
            raise AttributeError(name)
        if name not in self._named:
            module = self._module
            self._named[name] = LazySchema(lambda: getattr(importlib.import_module(module), name),
                                           f"{module}.{name}")
        return self._named[name]


def lazy(factory: Callable[[], Any], label: str = "") -> LazySchema:
    """A model that `factory()` makes (e.g. a request model built for a list of choices), made once."""
    return LazySchema(factory, label or getattr(factory, "__qualname__", "schema"))


def resolve_schema(declared: Any) -> Any:
    """`declared` with its LazySchemas loaded: a class, `list[...]` of one, or `{status: ...}`."""
    if isinstance(declared, LazySchema):
        return declared.resolve()
    if isinstance(declared, dict):
        return {key: resolve_schema(value) for key, value in declared.items()}
    args = get_args(declared)
    if args and any(isinstance(arg, LazySchema) for arg in args):
        return get_origin(declared)[tuple(resolve_schema(arg) for arg in args)]
    return declared
