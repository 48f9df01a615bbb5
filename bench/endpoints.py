"""(b) DynamoDB calls (and moto wall time) per RepaySync endpoint, through Chalice's test client."""

from __future__ import annotations

import json
import time
from typing import Any


def bootstrap() -> Any:
    """A fresh stage on in-process moto, as the tests and the embedded stack build it."""
    from chalicelib.core.db.tables import ensure_tables
    from local.gateway import install
    from local.resources import create_buckets_and_queues, create_signing_key_secret

    install()
    import app as app_module

    product = app_module.app.crm_product
    ensure_tables(product.models)
    create_buckets_and_queues(product)
    create_signing_key_secret()
    product.seed_admin("bench-admin-password")
    return app_module.app


def bench_endpoints(counter: Any) -> None:
    """The scenario runs twice: the first pass warms moto and botocore (their first call of each
    operation loads service models), the second is printed."""
    from chalice.test import Client

    app = bootstrap()
    watch_authorizer(counter)
    print("\n(b) DynamoDB calls per endpoint: the API function's (each /api/ request also writes its audit")
    print("    record: one PutItem) and the authorizer function's (its revocation check: one GetItem)")
    print(f"    {'endpoint':<52} {'api':>5} {'authorizer':>10} {'ms (warm, moto)':>16}")
    with Client(app) as client:
        scenario(client, counter, "w", quiet=True)
        scenario(client, counter, "b", quiet=False)


def watch_authorizer(counter: Any) -> None:
    """Count the authorizer's calls apart: in AWS it is its own Lambda, run before the API's."""
    from chalice.local import LocalGatewayAuthorizer

    original = LocalGatewayAuthorizer.authorize

    def authorize(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = counter.dynamodb()
        try:
            return original(self, *args, **kwargs)
        finally:
            counter.authorizer += counter.dynamodb() - before

    LocalGatewayAuthorizer.authorize = authorize  # type: ignore[method-assign]


def scenario(client: Any, counter: Any, tag: str, *, quiet: bool) -> None:
    def call(label: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else b""
        counter.reset()
        started = time.perf_counter()
        response = client.http.request(method, path, headers=headers, body=data)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code >= 400:
            raise SystemExit(f"{label}: {response.status_code} {response.body[:200]!r}")
        if not quiet:
            api = counter.dynamodb() - counter.authorizer
            print(f"    {label:<52} {api:>5} {counter.authorizer:>10} {elapsed:>16.1f}")
        return response.json_body

    token = call("POST /api/auth/token/", "POST", "/api/auth/token/",
                 {"username": "admin", "password": "bench-admin-password"})["access"]
    officer = call("POST /api/users/register/ (officer)", "POST", "/api/users/register/",
                   {"username": f"officer-{tag}", "email": f"o-{tag}@example.com", "role": "collection_officer",
                    "manager": None, "password": "Bench-Officer-1"}, token)["id"]  # by an admin: active at once
    call("GET /api/users/", "GET", "/api/users/", token=token)
    customer = call("POST /api/customers/", "POST", "/api/customers/", {
        "name": "John Doe", "phone": "+91-9876543210", "email": "john@example.com",
        "assigned_collection_officer": officer, "address_line_1": "123 Main St", "city": "Kolkata",
        "state": "WB", "pincode": "700001", "date_of_birth": "1990-01-01"}, token)["id"]
    call("GET /api/customers/", "GET", "/api/customers/", token=token)
    call("GET /api/customers/{id}/", "GET", f"/api/customers/{customer}/", token=token)
    detail = counter.dynamodb() - counter.authorizer
    call("PATCH /api/customers/{id}/", "PATCH", f"/api/customers/{customer}/", {"city": "Howrah"}, token)
    loan = call("POST /api/loans/", "POST", "/api/loans/", {
        "loan_account_number": f"LN-{tag}", "principal_amount": "50000.00", "interest_rate": "10.50",
        "loan_type": "personal", "tenure_months": 12, "loan_date": "2025-03-09", "customer": customer},
        token)["id"]
    call("GET /api/loans/", "GET", "/api/loans/", token=token)
    call("GET /api/loans/customer/{id}/", "GET", f"/api/loans/customer/{customer}/", token=token)
    interaction = call("POST /api/interactions/field/create/", "POST", "/api/interactions/field/create/", {
        "loan": loan, "comment": "Visited", "disposition": "visited", "next_call_date": "2025-03-15"},
        token)["id"]
    call("GET /api/interactions/field/loan/{id}/", "GET", f"/api/interactions/field/loan/{loan}/", token=token)
    call("GET /api/interactions/field/{id}/", "GET", f"/api/interactions/field/{interaction}/", token=token)
    call("DELETE /api/interactions/field/{id}/", "DELETE", f"/api/interactions/field/{interaction}/",
         token=token)
    call("GET /api/logs/", "GET", "/api/logs/", token=token)
    if not quiet:
        print(f"    detail GET (the record + its audit PutItem): {detail} calls in the API function (limit 2)")
