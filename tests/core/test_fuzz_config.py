"""make fuzz's per-operation exceptions (schemathesis.toml) reach only the operations they name.

schemathesis ORs the separate `include-*` keys of one `[[operations]]` entry (an `include-method` list
beside an `include-path-regex` matched every operation of that method, in every product); the regex keys of
one entry too, so an entry that needs a method and a path names them in one `include-name-regex`."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.fuzz import CONFIG

DOCS = Path(__file__).resolve().parents[2] / "docs" / "openapi"
PRODUCTS = ("repaysync", "leads", "vst", "revisbali", "isp")


def relaxed_operations(slug: str) -> set[str]:
    """Operations whose positive-data check accepts a 400 (the default does not)."""
    import schemathesis
    import schemathesis.specs.openapi.checks
    from schemathesis.config import SchemathesisConfig

    schema = schemathesis.openapi.from_path(str(DOCS / f"{slug}.json"), config=SchemathesisConfig.from_path(CONFIG))
    relaxed = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        config = schema.config.checks_config_for(operation=operation, phase="fuzzing")
        if "400" in config.get_by_name(name="positive_data_acceptance").expected_statuses:
            relaxed.add(operation.label)
    return relaxed


@pytest.fixture(autouse=True)
def _token(monkeypatch):
    monkeypatch.setenv("CRM_FUZZ_TOKEN", "unused")  # the file's headers read it


@pytest.mark.parametrize("slug", PRODUCTS)
def test_reads_are_relaxed_only_where_their_product_names_them(slug):
    reads = sorted(label for label in relaxed_operations(slug) if label.split()[0] in {"GET", "DELETE"})
    expected = {
        "isp": ["GET /api/bills/", "GET /api/customers/", "GET /api/customers/prospects/", "GET /api/users/"],
        "vst": ["GET /api/auth/admin/users/", "GET /api/crm/cards/"],
        "revisbali": ["GET /api/customers/"],
        "leads": ["GET /customers/"],
    }
    assert reads == expected.get(slug, [])


def test_writes_are_relaxed_only_where_an_entry_names_their_path():
    repaysync = relaxed_operations("repaysync")
    assert "POST /api/customers/create/" in repaysync and "PATCH /api/loans/{id}/" in repaysync
    assert not any(label.startswith(("POST /api/auth/token/", "POST /api/logs")) for label in repaysync)
    assert "POST /api/token/refresh/" not in relaxed_operations("revisbali")
    assert "POST /api/auth/token/refresh/" not in repaysync


def test_one_products_exceptions_do_not_reach_the_same_path_in_another():
    """/api/customers/ is RepaySync's, RevisBali's and ISP's; /api/auth/login/ VST's and ISP's."""
    assert "PATCH /api/customers/{id}/" in relaxed_operations("repaysync")
    revisbali = relaxed_operations("revisbali")
    assert "PATCH /api/applications/{id}/" not in revisbali and "POST /api/token/refresh/" not in revisbali
    assert "POST /api/invoices/" in revisbali and "PATCH /api/customers/{id}/" in revisbali  # its own rule
    assert "POST /api/auth/login/" in relaxed_operations("vst")
    assert not any(label.startswith(("POST /api/crm/", "POST /api/users/register/"))
                   for label in relaxed_operations("isp"))


def test_leads_writes_are_relaxed_by_name():
    writes = sorted(label for label in relaxed_operations("leads") if label.split()[0] not in {"GET", "DELETE"})
    assert writes == ["PATCH /users/{id}/", "POST /customers/bulk-assign/", "POST /customers/random-assign/",
                      "POST /customers/{customer_id}/assign/", "POST /import/", "POST /logout/", "POST /users/"]


def test_a_products_own_block_keeps_the_shared_settings():
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    schema = schemathesis.openapi.from_path(str(DOCS / "isp.json"), config=SchemathesisConfig.from_path(CONFIG))
    assert schema.config.headers == {"Authorization": "Bearer unused"}
    assert schema.config.parameters == {"query.cursor": ""}


def test_the_negative_check_is_off_only_for_isps_roles():
    """A schemathesis false positive on multipart bodies (schemathesis.toml says which), nowhere else."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    off = set()
    for slug in PRODUCTS:
        schema = schemathesis.openapi.from_path(str(DOCS / f"{slug}.json"), config=SchemathesisConfig.from_path(CONFIG))
        for result in schema.get_all_operations():
            operation = result.ok()
            config = schema.config.checks_config_for(operation=operation, phase="fuzzing")
            if not config.get_by_name(name="negative_data_rejection").enabled:
                off.add(f"{slug} {operation.label}")
    assert off == {"isp POST /api/auth/roles/", "isp PUT /api/auth/roles/{id}/", "isp PATCH /api/auth/roles/{id}/"}
