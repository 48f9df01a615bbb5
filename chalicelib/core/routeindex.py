"""A product's route index (docs/routes/<product>.md): one entry per method of every declared route.

A newcomer looking for an endpoint greps its literal path, including paths built by code (RepaySync's
`/api/interactions/field/...` and `/api/interactions/calling/...` come from one loop), and finds what
the route declares (roles, permission, auth, schemas), the handler, the service functions it calls,
the pynamodb models and indexes those read, and the test files that call the path.

Everything but the test files is read from the route table (`api.routes`); the calls, models and
indexes are found by reading the handler's and the services' source (module-level names, closures and
imports inside the function), so a call through a value the source cannot name (`self.model`) is not
listed. `make openapi` writes the index with the OpenAPI document (core/docgen.py); a test fails when
the committed copy is stale.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
import typing
from collections.abc import Iterable, Iterator
from dataclasses import field
from pathlib import Path
from types import FunctionType, MethodType, ModuleType
from typing import Any

from pynamodb.indexes import Index
from pynamodb.models import Model

from chalicelib.core.api import Api, RouteSpec
from chalicelib.core.records import Record

# Modules whose functions are plumbing, not rules: the route machinery and error classes.
PLUMBING = ("chalicelib.core.api", "chalicelib.core.errors", "chalicelib.core.http")
HELPER_DEPTH = 3  # how far calls are followed into helpers and services to find the models they read
NONE = "-"


class Reads(Record):
    """What one route's code reaches: the service functions it calls, the models and indexes they read."""

    calls: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)

    def add(self, bucket: list[str], name: str) -> None:
        if name not in bucket:
            bucket.append(name)


# -- reading code ------------------------------------------------------------------------------
def _function_node(func: FunctionType) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return None
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == func.__name__:
            return node
    return None


def _namespace(func: FunctionType, node: ast.AST) -> dict[str, Any]:
    """The names the function's body can see: its module, its closure, its own imports."""
    names: dict[str, Any] = dict(func.__globals__)
    if func.__closure__:
        names.update({name: cell.cell_contents for name, cell in zip(func.__code__.co_freevars, func.__closure__,
                                                                      strict=True) if _filled(cell)})
    for inner in ast.walk(node):
        if isinstance(inner, ast.ImportFrom) and inner.module and not inner.level:
            module = importlib.import_module(inner.module)
            for alias in inner.names:
                value = getattr(module, alias.name, None)
                if value is None:
                    value = importlib.import_module(f"{inner.module}.{alias.name}")
                names[alias.asname or alias.name] = value
        elif isinstance(inner, ast.Import):
            for alias in inner.names:
                names[alias.asname or alias.name.partition(".")[0]] = importlib.import_module(
                    alias.name if alias.asname else alias.name.partition(".")[0])
    return names


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def _resolve(expr: ast.expr, names: dict[str, Any]) -> Any:
    """The object a dotted name (`services.list_users`, `flows().login`) stands for, or None."""
    if isinstance(expr, ast.Name):
        return names.get(expr.id)
    if isinstance(expr, ast.Attribute):
        owner = _resolve(expr.value, names)
        return _attribute(owner, expr.attr) if owner is not None else None
    if isinstance(expr, ast.Call):  # `flows().login`: the method of what `flows` says it returns
        func = _resolve(expr.func, names)
        if isinstance(func, type):
            return func
        returned = _return_type(func)
        return returned if isinstance(returned, type) else None
    return None


def _attribute(owner: Any, name: str) -> Any:
    """`owner.name` without running anything: a property is unknown, an instance's method is bound."""
    try:
        value = inspect.getattr_static(owner, name)
    except AttributeError:
        return None
    if isinstance(value, staticmethod | classmethod):
        return value.__func__
    if isinstance(value, FunctionType) and not isinstance(owner, type | ModuleType) \
            and name not in getattr(owner, "__dict__", {}):
        return MethodType(value, owner)
    return None if isinstance(value, property) else value


def _return_type(func: Any) -> Any:
    try:
        return typing.get_type_hints(func).get("return")
    except Exception:  # an annotation that names something not importable here: unknown
        return None


def _function(value: Any) -> FunctionType | None:
    if isinstance(value, MethodType):
        value = value.__func__
    return value if isinstance(value, FunctionType) else None


def _ours(func: FunctionType) -> bool:
    module = func.__module__ or ""
    return module.startswith("chalicelib.") and not module.startswith(PLUMBING)


def _dotted(func: FunctionType) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def _index_name(index: Index) -> str:
    """`Customer.all_index (all-index)`: the attribute a reader greps, and DynamoDB's name."""
    model = index._model
    attribute = next((name for name, value in vars(model).items() if value is index), "?")
    return f"{model.__name__}.{attribute} ({index.Meta.index_name})"


def _walk(func: FunctionType, reads: Reads, depth: int, seen: set[FunctionType], record: bool,
          bound: Any = None) -> None:
    """Collect what `func` reaches. Functions of the handler's own module are helpers (followed, not
    listed); any other function of ours called from a handler is a service (listed and followed).
    `bound` is the instance a method was called on (its `self`), when the caller's source names it."""
    if func in seen or depth < 0:
        return
    seen.add(func)
    node = _function_node(func)
    if node is None:
        return
    names = _namespace(func, node)
    if bound is not None:
        names["self"] = bound
    for inner in _body_nodes(node):
        if isinstance(inner, ast.Call):
            target = _resolve(inner.func, names)
            called = _function(target)
            if called is None or not _ours(called):
                continue
            helper = called.__module__ == func.__module__ and record
            if record and not helper:
                reads.add(reads.calls, _dotted(called))
            _walk(called, reads, depth - 1, seen, record=helper,
                  bound=target.__self__ if isinstance(target, MethodType) else None)
        elif isinstance(inner, ast.Name | ast.Attribute):
            value = _resolve(inner, names)
            passed = _function(value)  # a function handed on (`call.listing(services.list_users, ...)`)
            if passed is not None and _ours(passed) and passed.__module__ != func.__module__ and record:
                reads.add(reads.calls, _dotted(passed))
                _walk(passed, reads, depth - 1, seen, record=False)
            elif isinstance(value, Index) and getattr(value, "_model", None) is not None:
                reads.add(reads.indexes, _index_name(value))
                reads.add(reads.models, value._model.__name__)
            elif isinstance(value, type) and issubclass(value, Model) and value.__module__.startswith("chalicelib."):
                reads.add(reads.models, value.__name__)


def _body_nodes(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    for statement in node.body:
        yield from ast.walk(statement)


def route_reads(spec: RouteSpec) -> Reads:
    """The services a route's handler calls and the models and indexes they read."""
    reads = Reads()
    handler = _function(spec.handler)
    if handler is not None:
        _walk(handler, reads, HELPER_DEPTH, set(), record=True)
    return reads


# -- the tests that call a path ----------------------------------------------------------------
def path_pattern(path: str) -> re.Pattern[str]:
    """A path as tests write it: parameters are values or f-string fields, a literal segment may be an
    f-string field too (`/api/interactions/{kind}/create/`); the path ends where the string or its
    query does."""
    parts = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{"):
            parts.append(r"(?:\{[^}/]*\}|[^/\"'{}\s?]+)")
        else:
            parts.append(rf"(?:{re.escape(segment)}|\{{[^}}/]*\}})")
    return re.compile(r"[\"']/" + "/".join(parts) + r"/?(?=[\"'?])")


def calling_tests(path: str, tests: dict[str, str]) -> list[str]:
    """The test files (relative path -> text) that name `path`."""
    pattern = path_pattern(path)
    return sorted(name for name, text in tests.items() if pattern.search(text))


def read_tests(tests_dir: Path, root: Path, slug: str, products: Iterable[str]) -> dict[str, str]:
    """The test modules that may call `slug`'s routes, keyed by their path from `root`: all of them but
    the kit's and other products' folders (tests/core, tests/e2e... call the default product's app)."""
    others = {product for product in products if product != slug}
    found = {}
    for path in sorted(tests_dir.rglob("test_*.py")):
        folder = path.relative_to(tests_dir).parts[0]
        if folder != "kit" and folder not in others:
            found[path.relative_to(root).as_posix()] = path.read_text()
    return found


# -- the document ------------------------------------------------------------------------------
def _type_name(tp: Any) -> str:
    if tp is None:
        return NONE
    if isinstance(tp, type):
        return tp.__name__
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is not None and args:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_type_name(arg) for arg in args)}]"
    return str(tp)


def _responses(spec: RouteSpec) -> str:
    if isinstance(spec.response, dict) and all(isinstance(k, int) for k in spec.response):
        return ", ".join(f"{status} {_type_name(tp)}" for status, tp in sorted(spec.response.items()))
    suffix = ", paginated" if spec.paginated else ""
    files = f", or a file ({', '.join(spec.files)})" if spec.files else ""
    return f"{spec.status} {_type_name(spec.response)}{suffix}{files}"


def _access(spec: RouteSpec) -> str:
    if spec.optional_auth:
        return "public; a token, when sent, must be valid and names the caller"
    if spec.public:
        return "public"
    rules = []
    if spec.roles:
        rules.append("roles " + ", ".join(sorted(spec.roles)))
    if spec.permission:
        rules.append(f"permission `{spec.permission}`")
    return "token; " + ("; ".join(rules) if rules else "any signed-in user")


def _code(items: Iterable[str]) -> str:
    listed = [f"`{item}`" for item in items]
    return ", ".join(listed) if listed else NONE


def _section(spec: RouteSpec) -> str:
    parts = [part for part in spec.path.strip("/").split("/") if part and not part.startswith("{")]
    return parts[1] if len(parts) > 1 and parts[0] == "api" else (parts[0] if parts else "/")


def route_entry(spec: RouteSpec, method: str, tests: dict[str, str], matrix: str | None) -> list[str]:
    reads = route_reads(spec)
    handler = _function(spec.handler)
    callers = [name for name in calling_tests(spec.path, tests) if name != matrix]
    if matrix:
        callers.append(f"{matrix} (every route)")
    lines = [f"### {method} {spec.path}", "",
             f"- name: `{spec.name}`; access: {_access(spec)}",
             f"- query: {_type_name(spec.query)}; request: {_type_name(spec.request)}"
             + (f" (file in multipart field `{spec.upload}`)" if spec.upload else "")
             + f"; response: {_responses(spec)}",
             f"- handler: {_code([_dotted(handler)] if handler else [])}",
             f"- calls: {_code(reads.calls)}",
             f"- models: {_code(reads.models)}; indexes: {_code(reads.indexes)}",
             f"- tests naming the path: {_code(callers)}", ""]
    return lines


def build_index(api: Api, slug: str, tests: dict[str, str]) -> str:
    """The markdown route index of `api`, routes in path order, grouped by their first path word."""
    matrix = f"tests/{slug}/test_matrix.py"
    matrix = matrix if matrix in tests else None
    lines = [f"# {api.title} routes", "",
             "Generated from the route table by `make openapi` (chalicelib/core/routeindex.py); do not edit.",
             "Grep a literal path to find its handler, the services it calls, the models and indexes they",
             "read and the tests that call it. Roles and schemas are as declared; the OpenAPI document",
             f"(docs/openapi/{slug}.json) has the fields.", ""]
    section = None
    routes = sorted(((spec.path, method, spec) for spec in api.routes for method in spec.methods),
                    key=lambda item: (item[0], item[1]))
    for _path, method, spec in routes:
        if _section(spec) != section:
            section = _section(spec)
            lines += [f"## {section}", ""]
        lines += route_entry(spec, method, tests, matrix)
    return "\n".join(lines).rstrip("\n") + "\n"

