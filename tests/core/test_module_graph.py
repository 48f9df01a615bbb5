"""chalicelib's import graph, read from the source (module-level imports, as Python runs them at import):
core has no import cycle, and no product imports another product."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "chalicelib"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _top_level(tree: ast.Module) -> list[ast.stmt]:
    """The statements run at import: the module body, and the branches of a top-level if/try."""
    found: list[ast.stmt] = []
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        found.append(node)
        if isinstance(node, ast.If | ast.Try):
            pending.extend([*node.body, *node.orelse, *getattr(node, "finalbody", []),
                            *(statement for handler in getattr(node, "handlers", []) for statement in handler.body)])
    return found


def _imported(name: str, path: Path, everywhere: bool = False) -> set[str]:
    """The chalicelib modules `name` imports (a package imported also runs its `__init__`)."""
    known = modules()
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in (ast.walk(tree) if everywhere else _top_level(tree)):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                           for alias in node.names)
    found = set()
    for target in targets:
        parts = target.split(".")
        found.update(".".join(parts[:i]) for i in range(2, len(parts) + 1) if ".".join(parts[:i]) in known)
    parts = name.split(".")
    return found - {".".join(parts[:i]) for i in range(1, len(parts) + 1)}  # itself, and its packages (run first)


def graph(prefix: str = "chalicelib", everywhere: bool = False) -> dict[str, set[str]]:
    return {name: {dep for dep in _imported(name, path, everywhere) if dep.startswith(prefix)}
            for name, path in modules().items() if name.startswith(prefix)}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_graph_reads_imports_as_python_runs_them():
    edges = graph()
    assert "chalicelib.core.api" in edges["chalicelib.core.product"]
    assert {"chalicelib.core.cursors", "chalicelib.core.paging"} <= edges["chalicelib.core.db.read"]
    assert "chalicelib.core.db" not in edges["chalicelib.core.db.read"]  # its own package ran first
    assert "chalicelib.products.repaysync.services" in edges["chalicelib.products.repaysync.routes"]
    assert "chalicelib.core.app_factory" not in edges["chalicelib.core.openapi"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_core_has_no_import_cycle():
    assert cycles(graph("chalicelib.core")) == []


def test_openapi_and_app_factory_do_not_import_each_other_even_inside_functions():
    """app_factory registers openapi's route; the CLI that builds whole apps lives in core/docgen.py."""
    everywhere = graph("chalicelib.core", everywhere=True)
    assert "chalicelib.core.app_factory" not in everywhere["chalicelib.core.openapi"]
    assert cycles(everywhere) == []


PRODUCTS = sorted(name.split(".")[2] for name in modules() if name.count(".") == 2
                  and name.startswith("chalicelib.products."))


@pytest.mark.parametrize("product", PRODUCTS)
def test_no_product_imports_another_product(product):
    own = f"chalicelib.products.{product}"
    foreign = sorted(f"{name} -> {dep}" for name, path in modules().items() if name.startswith(own)
                     for dep in _imported(name, path, everywhere=True)
                     if dep.startswith("chalicelib.products.") and dep != own and not dep.startswith(own + "."))
    assert foreign == []


@pytest.mark.parametrize("product", PRODUCTS)
def test_a_products_modules_have_no_cycle(product):
    """Routes, wiring, services... import each other one way, inside functions too."""
    assert cycles(graph(f"chalicelib.products.{product}", everywhere=True)) == []


@pytest.mark.parametrize("product", PRODUCTS)
def test_routes_never_import_the_wiring(product):
    """The wiring builds the product from its routes; the routes <-> wiring cycle is gone."""
    own = f"chalicelib.products.{product}"
    everywhere = graph(own, everywhere=True)
    assert f"{own}.wiring" not in everywhere.get(f"{own}.routes", set())
