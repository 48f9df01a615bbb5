"""The Product hand-over: seeded admin, user resolution on refresh, tables and roles."""

from __future__ import annotations


def test_seed_admin_is_idempotent_and_can_log_in(app, http):
    product = app.crm_product
    first = product.seed_admin("admin12345")
    again = product.seed_admin("other-password")
    assert first.id == again.id
    assert (first.username, first.email, first.role, first.phone) == ("admin", "admin@example.com", "admin",
                                                                      "+911111111111")
    admin = http.login("/api/auth/token/", username="admin", password="admin12345")
    assert [user["username"] for user in admin.get("/api/users/", expect=200).json_body] == ["admin"]


def test_resetting_the_admin_password_kills_earlier_refresh_tokens(app, http):
    product = app.crm_product
    product.seed_admin("admin12345")
    before = http.post("/api/auth/token/", {"username": "admin", "password": "admin12345"}).json_body
    product.seed_admin("second-pass-2", reset=True)  # `make bootstrap-admin` on a deployed stage
    refused = http.post("/api/auth/token/refresh/", {"refresh": before["refresh"]})
    assert refused.status_code == 401 and refused.json_body == {"error": "Token has been revoked."}
    after = http.post("/api/auth/token/", {"username": "admin", "password": "second-pass-2"}).json_body
    assert http.post("/api/auth/token/refresh/", {"refresh": after["refresh"]}).status_code == 200


def test_resolve_user(world, app):
    product = app.crm_product
    principal = product.resolve_user({"sub": str(world.users["officer"].id)})  # a refresh token's claims
    assert principal.roles == frozenset({"collection_officer"}) and principal.username == "officer"
    assert product.resolve_user({"sub": "999"}) is None and product.resolve_user({"sub": "cognito-sub"}) is None


def test_product_declares_tables_roles_and_lifetimes(app):
    product = app.crm_product
    names = {model.Meta.table_name for model in product.models}
    for entity in ("users", "customers", "loans", "interactions", "counters", "uniques", "revoked-tokens",
                   "login-attempts", "api-logs", "jobs"):
        assert f"test-repaysync-{entity}" in names
    assert product.roles == ("calling_agent", "collection_officer", "manager", "admin")
    assert (product.access_ttl_minutes, product.refresh_ttl_minutes) == (60, 24 * 60)
