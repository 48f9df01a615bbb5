"""`make openapi` (core/docgen.py): each product's OpenAPI document and route index, committed and fresh."""

from __future__ import annotations

import re
from functools import cache

import pytest

from chalicelib.core import docgen
from chalicelib.core.api import Api
from chalicelib.core.routeindex import calling_tests, path_pattern

PRODUCTS = docgen.available_products()


@cache
def _api(slug: str) -> Api:
    return docgen.product_api(slug)


@cache
def _index(slug: str) -> str:
    return docgen.texts(slug)[docgen.ROUTES_DIR / f"{slug}.md"]


def _entry(slug: str, method: str, path: str) -> str:
    """The lines of one route's entry in the index."""
    text = _index(slug)
    start = text.index(f"### {method} {path}\n")
    end = text.find("\n#", start + 4)
    return text[start:end if end > 0 else None]


# -- the committed files ------------------------------------------------------------------------
@pytest.mark.parametrize("slug", PRODUCTS)
def test_committed_documents_are_current(slug):
    """Fails when routes, schemas, services or the tests naming a path changed without `make openapi`."""
    for target, text in docgen.texts(slug).items():
        assert target.exists(), f"{target} is missing: run `make openapi`"
        assert target.read_text() == text, f"{target} is stale: run `make openapi` and commit the result"


@pytest.mark.parametrize("slug", PRODUCTS)
def test_document_is_valid_openapi_31(slug):
    validator = pytest.importorskip("openapi_spec_validator")
    document = docgen.product_document(slug)
    validator.validate(document)
    api_paths = {(route.openapi_path, method.lower()) for route in _api(slug).routes for method in route.methods}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert api_paths == documented


# Per product, links the paths alone do not show (declared with `Api.answers_item_of`), and one each
# that they do: (create path or "GET list path", status, link name, target parameter, pointer to the id).
LINKS = {
    "repaysync": [("/api/customers/create/", "201", "get_customer", "id", "id"),
                  ("/api/customers/", "201", "customer_loans", "customer_id", "id"),
                  ("/api/loans/", "201", "list_field_interactions", "loan_id", "id"),
                  ("/api/interactions/calling/create/", "201", "delete_calling_interaction", "id", "id"),
                  ("/api/users/register/", "201", "approve_user", "id", "id"),
                  ("/api/imports/presign/", "201", "import_job_status", "job_id", "job_id")],
    "leads": [("/users/", "201", "patch_user", "id", "id"),
              ("GET /customers/", "200", "update_status", "customer_id", "0/id"),  # imported leads: from the list
              ("/customers/bulk-assign/", "202", "job_status", "job_id", "job_id")],
    "vst": [("/api/crm/services/", "201", "verify_otp", "id", "id"),
            ("/api/crm/autoassign/run/", "202", "job_status", "job_id", "job_id")],
    "revisbali": [("/api/invoices/", "201", "create_payment", "id", "id"),
                  ("GET /api/invoices/", "200", "get_invoice", "id", "results/0/id"),
                  ("/api/documents/", "202", "ocr_status", "job_id", "ocrJobId")],
    "isp": [("/api/customers/prospects/", "201", "convert_prospect", "id", "id"),
            ("/api/auth/register/", "201", "assign_role", "user_id", "id")],
}


@pytest.mark.parametrize("slug", PRODUCTS)
def test_creates_link_to_their_records_routes(slug):
    document = docgen.product_document(slug)
    paths = document["paths"]
    for operation, status, name, param, field in LINKS[slug]:
        method, _, path = operation.rpartition(" ")
        link = paths[path][(method or "POST").lower()]["responses"][status]["links"][name]
        assert link["parameters"][param] == f"$response.body#/{field}", (path, name)
    operations = {op["operationId"]: op for item in paths.values() for op in item.values()}
    for item in paths.values():
        for op in item.values():
            for response in op["responses"].values():
                for link in response.get("links", {}).values():  # each names a real operation and its parameters
                    target = operations[link["operationId"]]
                    path_params = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
                    assert set(link["parameters"]) <= path_params and path_params, link


def test_check_fails_on_a_stale_copy_and_write_refreshes_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(docgen, "OPENAPI_DIR", tmp_path / "openapi")
    monkeypatch.setattr(docgen, "ROUTES_DIR", tmp_path / "routes")
    assert docgen.main(["--check", "--product", "vst"]) == 1
    assert "routes/vst.md" in capsys.readouterr().err
    assert docgen.main(["--write", "--product", "vst"]) == 0
    assert (tmp_path / "routes" / "vst.md").read_text() == _index("vst")
    (tmp_path / "routes" / "vst.md").write_text(_index("vst").replace("### GET", "### POST", 1))
    assert docgen.main(["--check", "--product", "vst"]) == 1


# -- the route index ----------------------------------------------------------------------------
@pytest.mark.parametrize("slug", PRODUCTS)
def test_every_method_of_every_route_has_one_entry(slug):
    declared = sorted(f"{method} {spec.path}" for spec in _api(slug).routes for method in spec.methods)
    assert sorted(re.findall(r"^### (.+)$", _index(slug), re.M)) == declared


@pytest.mark.parametrize("kind", ["field", "calling"])
def test_paths_built_by_code_are_written_out(kind):
    """RepaySync declares its interaction routes in a loop over the kinds: each path is in the index."""
    entry = _entry("repaysync", "POST", f"/api/interactions/{kind}/create/")
    creators = {"field": "admin, collection_officer, manager", "calling": "admin, calling_agent, manager"}[kind]
    assert f"roles {creators}" in entry
    assert "request: InteractionIn; response: 201 InteractionOut" in entry
    assert "`chalicelib.products.repaysync.services.interactions.create_interaction`" in entry
    assert "`tests/repaysync/test_interactions.py`" in entry


def test_an_entry_names_the_service_the_model_its_index_and_the_tests():
    entry = _entry("repaysync", "GET", "/api/customers/")
    assert "response: 200 list[CustomerOut], paginated" in entry
    assert "handler: `chalicelib.products.repaysync.routes.list_customers`" in entry
    assert "calls: `chalicelib.products.repaysync.services.customers.list_customers`" in entry
    assert "`Customer.all_index (all-index)`" in entry and "`Customer.officer_index (officer-index)`" in entry
    assert "`tests/repaysync/test_customers.py`" in entry
    assert entry.rstrip().endswith("`tests/repaysync/test_matrix.py (every route)`")


def test_a_service_handed_on_as_a_value_is_followed():
    """`call.listing(services.list_users, UserOut)` passes the service without calling it."""
    entry = _entry("repaysync", "GET", "/api/users/")
    assert "calls: `chalicelib.products.repaysync.services.users.list_users`" in entry
    assert "`User.all_index (all-index)`" in entry


def test_core_routes_are_followed_through_the_instance_they_were_mounted_with():
    """The jobs list is core code on the product's job table: its model and index are named."""
    entry = _entry("repaysync", "GET", "/api/jobs/")
    assert "`chalicelib.core.jobs.service.Jobs.page`" in entry
    assert "`RepaysyncJob.by_product (product-created-index)`" in entry


def test_public_and_optional_routes_say_so():
    assert "access: public; a token, when sent, must be valid" in _entry("repaysync", "POST", "/api/users/register/")
    assert "access: public\n" in _entry("repaysync", "POST", "/api/auth/token/")


def test_other_products_tests_are_not_listed():
    assert "tests/vst/" not in _index("repaysync")
    assert "tests/repaysync/" not in _index("vst")


@pytest.mark.parametrize(("text", "found"), [
    ('get("/api/loans/7/")', True),
    ('get(f"/api/loans/{loan.id}/?page_size=2")', True),
    ("('GET', '/api/loans/{loan_mine}/', 'officer')", True),
    ('post(f"/api/{kind}/7/")', True),
    ('get("/api/loans/customer/7/")', False),
    ('get("/api/loans/")', False),
    ('get("/api/loans/7/extra/")', False),
])
def test_a_path_is_found_as_tests_write_it(text, found):
    assert bool(path_pattern("/api/loans/{id:int}/").search(text)) is found
    assert calling_tests("/api/loans/{id:int}/", {"t.py": text}) == (["t.py"] if found else [])


# -- one page-size rule, read by the validator and the document ------------------------------------
@pytest.mark.parametrize("slug", PRODUCTS)
def test_every_list_has_cores_one_page_size_rule(slug):
    """One rule per product (core's LINK default, or the product's own: RevisBali's DRF pages of 10, at
    most 100): the document states it on every list and the validator enforces exactly it."""
    from chalicelib.core.errors import ValidationFailed
    from chalicelib.core.paging import LINK_PAGING, ListContext, Slice, Style, paginate

    api = _api(slug)
    paging = api.paging
    assert paging is LINK_PAGING or slug == "revisbali"  # a product leaves core's rule only when its spec says
    sizes = [param["schema"] for item in docgen.product_document(slug)["paths"].values() for operation in item.values()
             for param in operation.get("parameters", []) if param["name"] == paging.size_param]
    assert sizes and all((size["default"], size["maximum"]) == (paging.default, paging.maximum) for size in sizes)

    asked = []

    def fetch(window):
        asked.append(window.limit)
        return Slice([], None)

    def listing(size: int):
        context = ListContext(product=slug, path="/api/things/", query={paging.size_param: str(size)}, caller="",
                              base_url="http://testserver/api/things/")
        return paginate(context, paging, fetch, lambda item: item,
                        count=(lambda: 0) if paging.style is Style.PAGE else None)

    listing(paging.maximum)
    assert asked == [paging.maximum]
    with pytest.raises(ValidationFailed) as refused:
        listing(paging.maximum + 1)
    assert refused.value.field_errors == {paging.size_param: [f"Must be between 1 and {paging.maximum}."]}
