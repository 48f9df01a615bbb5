"""Lazy schemas (core/lazyschemas.py): a route table names its models; they load on first use, and the
route table, handlers and listings see the classes."""

from __future__ import annotations

import copy
import subprocess
import sys

from pydantic import BaseModel

from chalicelib.core.lazyschemas import LazySchema, Schemas, lazy, resolve_schema
from tests.core.test_cold_start import ROOT


class Thing(BaseModel):
    name: str


def test_a_named_schema_loads_its_module_only_when_used():
    code = ("import sys; from chalicelib.core.lazyschemas import Schemas; "
            "S = Schemas('chalicelib.core.jobs.schemas'); ref = S.JobOut; "
            "before = 'chalicelib.core.jobs.schemas' in sys.modules; "
            "fields = list(ref.model_fields); "
            "print(before, 'chalicelib.core.jobs.schemas' in sys.modules, 'kind' in fields)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=60).stdout
    assert out.split() == ["False", "True", "True"]


def test_attributes_and_calls_go_to_the_class_and_the_same_name_is_the_same_reference():
    schemas = Schemas(__name__)
    assert schemas.Thing is schemas.Thing and schemas.Thing.resolve() is Thing
    assert schemas.Thing(name="a") == Thing(name="a")
    assert schemas.Thing.model_validate({"name": "b"}).name == "b"
    assert "test_lazyschemas.Thing" in repr(schemas.Thing)


def test_copies_and_dunder_probes_do_not_load():
    loads = []
    ref = LazySchema(lambda: loads.append(1) or Thing, "Thing")
    copy.copy(ref), copy.deepcopy(ref)
    assert not hasattr(ref, "__wrapped__") and loads == []


def test_resolve_schema_reads_classes_lists_and_status_maps():
    ref = lazy(lambda: Thing)
    assert resolve_schema(ref) is Thing and resolve_schema(list[ref]) == list[Thing]
    assert resolve_schema({200: ref, 204: None}) == {200: Thing, 204: None}
    assert resolve_schema(Thing) is Thing and resolve_schema(None) is None
    assert resolve_schema(list[Thing]) == list[Thing]


def test_the_route_table_answers_classes_for_what_was_declared_lazily():
    from chalicelib.core.api import Api, RouteSpec
    from chalicelib.core.errors import render_detail

    api = Api("lazy", render_detail)
    ref = Schemas(__name__).Thing

    @api.route("/things/", ["POST"], request=ref, response=list[ref], query=ref)
    def create(call):  # pragma: no cover - never called
        return None

    spec: RouteSpec = api.routes[0]
    assert spec.request is Thing and spec.query is Thing and spec.response == list[Thing]
    assert spec.request_schema is ref
