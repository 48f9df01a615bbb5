"""make fuzz's one check exception for Leads: DELETE /users/{id}/ deactivates (issue 10), so the user
stays readable afterwards and schemathesis' use-after-free check (ST301) is off for the two reads of
users, and only there; local/fuzz.py leaves the checks to the file (a `--checks all` would override it)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from local.fuzz import CONFIG, schemathesis_command

DOCS = Path(__file__).resolve().parents[2] / "docs" / "openapi"


def use_after_free(slug: str) -> dict[str, bool]:
    import schemathesis
    import schemathesis.specs.openapi.checks
    from schemathesis.config import SchemathesisConfig

    schema = schemathesis.openapi.from_path(str(DOCS / f"{slug}.json"), config=SchemathesisConfig.from_path(CONFIG))
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        config = schema.config.checks_config_for(operation=operation, phase="stateful")
        found[operation.label] = config.get_by_name(name="use_after_free").enabled
    return found


@pytest.fixture(autouse=True)
def _token(monkeypatch):
    monkeypatch.setenv("CRM_FUZZ_TOKEN", "unused")  # the file's headers read it


def test_only_the_reads_of_leads_users_skip_use_after_free():
    leads = use_after_free("leads")
    assert sorted(label for label, enabled in leads.items() if not enabled) == ["GET /users/", "GET /users/{id}/"]
    assert all(use_after_free("revisbali").values())  # /api/users/ is another product's path


def test_the_fuzz_command_leaves_the_checks_to_the_file():
    args = argparse.Namespace(max_examples=5, workers=1, seed=None, max_time=0, phases="")
    command = schemathesis_command("http://127.0.0.1:1", args, Path("/tmp/report.json"))
    assert "--checks" not in command and str(CONFIG) in command
