"""What a cold Lambda pays for: `import app` leaves heavy modules that only some routes or workers use
unloaded, and every DynamoDB table shares one botocore session (its model files are loaded once) and
one client.
`make bench` prints the figures (import app / authorizer libraries, cold start / floor)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each costs 15-100 ms to import and serves only some routes or workers: imported where used.
NOT_AT_IMPORT = (
    "openpyxl",  # spreadsheets: imports and exports
    "phonenumbers",  # E.164 phone fields (not RepaySync's)
    "aws_lambda_powertools.utilities.batch",  # SQS consumers
    "aws_lambda_powertools.utilities.idempotency",
    "boto3", "s3transfer",  # only S3's client needs boto3 (upload_fileobj); the rest use botocore alone
    "multipart", "python_multipart",  # multipart bodies: bulk uploads
    "chalicelib.core.files.answer",  # file answers: exports
    "pydantic_settings", "asyncio",  # settings are a plain pydantic model over os.environ (core/config.py)
    "argon2",  # password hashing: logins and password changes (core/auth/passwords.py)
    "chalicelib.core.openapi",  # the document generator: GET /openapi.json (core/openapi_route.py)
    "chalicelib.core.files.engine", "chalicelib.core.files.reader",  # the import engine: imports and the worker
    "aws_lambda_powertools",  # its JSON log formatter loads with the first line written (core/logs.py)
    # request and response models: each route loads them on its first use (core/lazyschemas.py)
    "chalicelib.products.repaysync.schemas", "chalicelib.core.files.schemas", "chalicelib.core.jobs.schemas",
    "chalicelib.core.decimals", "chalicelib.core.fields",
)


def test_import_app_leaves_what_only_some_routes_use_unloaded():
    code = f"import json, sys, app; print(json.dumps([m for m in {list(NOT_AT_IMPORT)!r} if m in sys.modules]))"
    env = {**os.environ, "CRM_PRODUCT": "repaysync"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_every_table_and_client_shares_one_botocore_session_and_tables_one_dynamodb_client(aws_mock):
    from chalicelib.core import aws
    from chalicelib.core.audit import audit_model
    from chalicelib.core.auth.store import revocation_model
    from chalicelib.products.repaysync.models import Customer

    sessions = {id(model._get_connection().connection.session)
                for model in (Customer, revocation_model("repaysync"), audit_model("repaysync"))}
    assert sessions == {id(aws.botocore_session())}
    assert aws.secrets()._request_signer is not None and len(sessions) == 1
    clients = {id(model._get_connection().connection.client)
               for model in (Customer, revocation_model("repaysync"), audit_model("repaysync"))}
    assert len(clients) == 1


def test_import_app_collects_no_garbage_on_the_way_and_freezes_what_it_built():
    # full collections while importing (without the switch: several, each walking every object)
    code = ("import gc; full = []; gc.callbacks.append(lambda phase, info: full.append(info['generation'] == 2 "
            "and phase == 'start') if info['generation'] == 2 else None); import app; "
            "print(sum(full), gc.isenabled(), gc.get_freeze_count() > 10_000, len(app.app.routes) > 10)")
    env = {**os.environ, "CRM_PRODUCT": "repaysync"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.split() == ["0", "True", "True", "True"]


def test_import_app_skips_pydantics_plugin_search():
    # the search reads every installed distribution's entry points (~3 ms); the app uses no plugin
    code = "import app; from pydantic.plugin import _loader; print(_loader._plugins is None)"
    env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "CRM_PRODUCT": "repaysync"},
                         capture_output=True, text=True, check=True, timeout=120).stdout
    assert out.split()[-1] == "True"


@pytest.mark.parametrize("product", ["repaysync", "vst", "isp", "leads", "revisbali"])
def test_import_app_loads_no_schemas_module(product):
    # route tables name their models (core/lazyschemas.py); each loads on its route's first use
    code = ("import json, sys, app; print(json.dumps([m for m in sys.modules "
            "if m.rsplit('.', 1)[-1].endswith('schemas') and m != 'chalicelib.core.lazyschemas']))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "CRM_PRODUCT": product},
                         capture_output=True, text=True, check=True, timeout=120).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
