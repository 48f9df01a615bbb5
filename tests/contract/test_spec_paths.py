"""Every endpoint a product's spec documents is in its route table with that exact method and path
(trailing slash included): existing frontends call them. Path parameters may be named differently.

An endpoint deliberately not served is in NOT_SERVED with the reason its product README gives; the
test checks the README still names it and that the route is still absent (a stale entry fails).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from chalicelib.core import docgen
from tests.contract.specs import PRODUCTS, SPECS_DIR, Endpoint, endpoints, normalise, read_endpoints

ROOT = Path(__file__).resolve().parents[2]
SHARED_SPECS = ROOT.parent / "shared" / "specs"  # the agreed originals, beside the checkouts

# (product, "METHOD /path/" as the spec writes it) -> the README's reason
NOT_SERVED = {
    ("leads", "GET /logout/"): "a GET cannot carry the refresh token and must not change state: "
                               "`POST /logout/` with `{refresh}` is served instead (GET is 405)",
}

# How many endpoints each spec documents (method x path): pins the reader, so a spec notation it
# stops understanding fails here rather than silently checking fewer routes.
DOCUMENTED = {"repaysync": 33, "leads": 12, "vst": 37, "revisbali": 14, "isp": 48}


@cache
def served(product: str) -> frozenset[tuple[str, str]]:
    return frozenset((method, normalise(route.path)) for route in docgen.product_api(product).routes
                     for method in route.methods)


def _readme(product: str) -> str:
    return (ROOT / "chalicelib" / "products" / product / "README.md").read_text()


@pytest.mark.parametrize("product", PRODUCTS)
def test_every_documented_endpoint_is_served(product):
    missing = [str(endpoint) for endpoint in endpoints(product)
               if endpoint.key not in served(product) and (product, str(endpoint)) not in NOT_SERVED]
    assert not missing, f"{product}: endpoints of the spec absent from the route table: {missing}"


@pytest.mark.parametrize(("product", "endpoint"), sorted(NOT_SERVED))
def test_an_endpoint_not_served_is_explained_by_its_readme_and_still_absent(product, endpoint):
    method, path = endpoint.split(" ", 1)
    assert f"`{endpoint}`" in _readme(product), f"{product}'s README no longer explains {endpoint}"
    assert Endpoint(method, path) in endpoints(product), f"{endpoint} is not in {product}'s spec"
    assert (method, normalise(path)) not in served(product), f"{endpoint} is served now: drop it from NOT_SERVED"


@pytest.mark.parametrize("product", PRODUCTS)
def test_the_reader_finds_every_endpoint_of_the_spec(product):
    assert len(endpoints(product)) == DOCUMENTED[product]


# Made-up paths in each spec's notations (real paths here would list this file in docs/routes/ as a
# test "naming" them).
NOTATIONS = """
### 5.3 Things
*   **URL:** `/api/things/<int:id>/`
*   **Methods:** `GET`, `PUT/PATCH`, `DELETE`

**URL**: `/widgets/<uuid:widget_id>/poke/`

**Method**: `POST`

| Things | `/api/things/bulk/upload/` | POST | Bulk upload |

### PUT/PATCH `/api/crm/gadgets/{id}/`
### GET /api/crm/gadgets/ [?phone=][?role=]
GET `/api/crm/reports/gadgets/?month=YYYY-MM`
POST /api/crm/gadgets/mark_present/
GET/PUT/PATCH/DELETE `/api/auth/gizmos/{id}/`

```bash
curl -X POST http://localhost:8000/widgets/550e8400/poke/
```

```yaml
paths:
  /api/sprockets/{id}/:
    delete:
      operationId: sprockets_destroy
```
"""


def test_the_reader_understands_each_notation():
    assert {str(endpoint) for endpoint in read_endpoints(NOTATIONS)} == {
        "GET /api/things/<int:id>/", "PUT /api/things/<int:id>/", "PATCH /api/things/<int:id>/",
        "DELETE /api/things/<int:id>/",  # URL + Methods lines
        "POST /widgets/<uuid:widget_id>/poke/",  # URL + Method lines, not the curl example
        "POST /api/things/bulk/upload/",  # a summary table row
        "PUT /api/crm/gadgets/{id}/", "PATCH /api/crm/gadgets/{id}/",  # a heading
        "GET /api/crm/gadgets/", "GET /api/crm/reports/gadgets/",  # query strings dropped
        "POST /api/crm/gadgets/mark_present/",  # a bare line
        "GET /api/auth/gizmos/{id}/", "PUT /api/auth/gizmos/{id}/", "PATCH /api/auth/gizmos/{id}/",
        "DELETE /api/auth/gizmos/{id}/",
        "DELETE /api/sprockets/{id}/",  # an OpenAPI snippet
    }
    assert normalise("/a/<int:id>/b/{x:int}/:y/") == normalise("/a/{id}/b/{x}/{y}/") == "/a/{}/b/{}/{}/"


@pytest.mark.parametrize("product", PRODUCTS)
def test_the_copy_of_the_spec_is_the_agreed_one(product):
    original = SHARED_SPECS / f"{product}.md"
    if not original.exists():
        pytest.skip(f"{original} is not on this machine")
    assert (SPECS_DIR / f"{product}.md").read_text() == original.read_text()
