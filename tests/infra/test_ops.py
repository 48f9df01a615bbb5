"""The operator's commands (infra/ops.py) and the signing keys that belong to the stack.

`make bootstrap-admin` runs for real: `python -m infra.ops` in its own interpreter with a stage's
settings, against a moto server holding what the stack would have created (the stage's tables and
its secret, empty). Key rotation is followed end to end through the HTTP API.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import boto3
import jwt
import pytest

from infra.stages import ROOT, stage_environment

STAGE = "repaysync"  # the first product; ISP's data-driven roles are bootstrapped below


@pytest.fixture()
def moto_server(aws_mock):
    """A moto server on loopback sharing this process's (fresh) moto state."""
    from moto.server import ThreadedMotoServer

    aws_mock.reset()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def _stack_resources(stage: str) -> dict[str, str]:
    """What the stage's stack creates before anyone bootstraps: its tables and an empty secret."""
    from chalicelib.core import aws
    from chalicelib.core.app_factory import load_product
    from chalicelib.core.config import get_settings
    from chalicelib.core.db.tables import table_spec

    env = stage_environment(stage)
    tests_prefix = f"{get_settings().table_prefix}{env['CRM_PRODUCT']}-"
    stage_prefix = f"{env['CRM_TABLE_PREFIX']}{env['CRM_PRODUCT']}-"
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    for model in load_product(env["CRM_PRODUCT"]).models:
        spec = table_spec(model)
        spec["TableName"] = spec["TableName"].replace(tests_prefix, stage_prefix, 1)
        dynamodb.create_table(**spec)
    aws.secrets().create_secret(Name=env["CRM_SIGNING_KEY_SECRET"])  # no value: as CloudFormation makes it
    return env


def _ops(endpoint: str, *args: str, password: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update({"AWS_ENDPOINT_URL": endpoint, "CRM_ADMIN_PASSWORD": password})
    return subprocess.run([sys.executable, "-m", "infra.ops", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)


def _admins(env: dict[str, str]) -> list[dict]:
    table = f"{env['CRM_TABLE_PREFIX']}{env['CRM_PRODUCT']}-users"
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName=table)["Items"]
    return [item for item in items if item.get("role", {}).get("S") == "admin"]


def test_bootstrap_admin_creates_then_resets_the_first_admin_of_a_deployed_stage(moto_server):
    from chalicelib.core import aws
    from chalicelib.core.auth.keys import read_keys
    from chalicelib.core.auth.passwords import verify_password

    env = _stack_resources(STAGE)
    refused = _ops(moto_server, "bootstrap-admin", "--stage", STAGE)  # no password, no terminal
    assert refused.returncode != 0 and "CRM_ADMIN_PASSWORD" in refused.stderr
    assert _admins(env) == [] and read_keys(aws.secrets(), env["CRM_SIGNING_KEY_SECRET"]) == []

    first = _ops(moto_server, "bootstrap-admin", "--stage", STAGE, password="first-password-1")
    assert first.returncode == 0, first.stderr
    [admin] = _admins(env)
    assert verify_password(admin["password_hash"]["S"], "first-password-1")
    [key] = read_keys(aws.secrets(), env["CRM_SIGNING_KEY_SECRET"])  # the first signing key

    again = _ops(moto_server, "bootstrap-admin", "--stage", STAGE, password="second-password-2")
    assert again.returncode == 0, again.stderr
    [admin_again] = _admins(env)
    assert admin_again["id"] == admin["id"]
    assert verify_password(admin_again["password_hash"]["S"], "second-password-2")
    assert not verify_password(admin_again["password_hash"]["S"], "first-password-1")
    assert read_keys(aws.secrets(), env["CRM_SIGNING_KEY_SECRET"]) == [key]  # the key is kept


def test_bootstrap_admin_of_isp_seeds_its_roles_and_one_super_admin(moto_server):
    from chalicelib.core.auth.passwords import verify_password

    env = _stack_resources("isp")
    for password in ("first-password-1", "second-password-2"):
        result = _ops(moto_server, "bootstrap-admin", "--stage", "isp", password=password)
        assert result.returncode == 0, result.stderr
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    users = dynamodb.scan(TableName=f"{env['CRM_TABLE_PREFIX']}isp-users")["Items"]
    [admin] = [user for user in users if user["role_name"]["S"] == "super_admin"]
    assert admin["email"]["S"] == "admin@example.com"
    assert verify_password(admin["password_hash"]["S"], "second-password-2")
    roles = dynamodb.scan(TableName=f"{env['CRM_TABLE_PREFIX']}isp-roles")["Items"]
    assert sorted(role["name"]["S"] for role in roles) == ["admin", "sales_person", "super_admin"]


def test_bootstrap_admin_of_vst_makes_the_phone_admin_then_resets_its_password(moto_server):
    """VST's admin logs in by phone (+919000000001): the bootstrap makes exactly that user, once."""
    from chalicelib.core.auth.passwords import verify_password

    env = _stack_resources("vst")
    for password in ("first-password-1", "second-password-2"):
        result = _ops(moto_server, "bootstrap-admin", "--stage", "vst", password=password)
        assert result.returncode == 0, result.stderr
    users = boto3.client("dynamodb", region_name="us-east-1").scan(
        TableName=f"{env['CRM_TABLE_PREFIX']}vst-users")["Items"]
    admins = [user for user in users if user.get("role", {}).get("S") == "admin"]
    assert [admin["phone"]["S"] for admin in admins] == ["+919000000001"]
    assert verify_password(admins[0]["password_hash"]["S"], "second-password-2")
    assert not verify_password(admins[0]["password_hash"]["S"], "first-password-1")



def test_bootstrap_admin_of_revisbali_seeds_the_admin_and_the_countries(moto_server):
    """RevisBali's admin logs in by e-mail; the bootstrap also writes the ISO countries customers name."""
    from chalicelib.core.auth.passwords import verify_password

    env = _stack_resources("revisbali")
    for password in ("first-password-1", "second-password-2"):
        result = _ops(moto_server, "bootstrap-admin", "--stage", "revisbali", password=password)
        assert result.returncode == 0, result.stderr
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    users = dynamodb.scan(TableName=f"{env['CRM_TABLE_PREFIX']}revisbali-users")["Items"]
    assert [(user["email"]["S"], user["role"]["S"]) for user in users] == [("admin@revisbali.example.com", "admin")]
    assert verify_password(users[0]["password_hash"]["S"], "second-password-2")
    countries = dynamodb.scan(TableName=f"{env['CRM_TABLE_PREFIX']}revisbali-countries", Select="COUNT")
    assert countries["Count"] == 249

def test_bootstrap_admin_of_leads_makes_one_admin_and_resets_its_password(moto_server):
    """Leads' admin logs in by username; a second run gives the same admin the new password."""
    from chalicelib.core.auth.passwords import verify_password

    env = _stack_resources("leads")
    for password in ("first-password-1", "second-password-2"):
        result = _ops(moto_server, "bootstrap-admin", "--stage", "leads", password=password)
        assert result.returncode == 0, result.stderr
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    users = dynamodb.scan(TableName=f"{env['CRM_TABLE_PREFIX']}leads-users")["Items"]
    assert [(user["username"]["S"], user["role"]["S"]) for user in users] == [("admin", "admin")]
    assert verify_password(users[0]["password_hash"]["S"], "second-password-2")


def test_bootstrap_refuses_a_stage_whose_stack_is_not_deployed(moto_server):
    result = _ops(moto_server, "bootstrap-admin", "--stage", STAGE, password="first-password-1")
    assert result.returncode != 0 and "deploy the stage's stack first" in result.stderr


def test_rotate_keys_command_adds_a_key_and_retires_the_old_one(moto_server):
    from chalicelib.core import aws
    from chalicelib.core.auth.keys import read_keys

    env = _stack_resources(STAGE)
    assert _ops(moto_server, "rotate-keys", "--stage", STAGE).returncode == 0  # an empty secret: first key...
    first, second = read_keys(aws.secrets(), env["CRM_SIGNING_KEY_SECRET"])  # ...then rotated at once
    assert first.retired_at is not None and second.retired_at is None
    assert first.verify_until - first.retired_at == 24 * 3600  # RepaySync's refresh lifetime


# -- in process: the API with the stage's keys ----------------------------------------------------
def _login(client, password: str = "admin-password-1") -> dict:
    response = client.http.post("/api/auth/token/", headers={"Content-Type": "application/json"},
                                body=json.dumps({"username": "admin", "password": password}))
    assert response.status_code == 200, response.body
    return response.json_body


def _me(client, token: str) -> int:
    return client.http.get("/api/users/", headers={"Authorization": f"Bearer {token}"}).status_code


def test_keys_rotate_end_to_end_over_http(app, client, monkeypatch):
    from chalicelib.core.auth.keys import keyring
    from infra.ops import bootstrap_admin, grace_seconds, rotate_signing_keys

    product = app.crm_product
    bootstrap_admin(product, "admin-password-1")
    before = _login(client)
    old_kid = jwt.get_unverified_header(before["access"])["kid"]
    fresh = rotate_signing_keys(product)
    keyring.forget()  # a warm Lambda re-reads the secret within MAX_AGE_SECONDS (or on an unknown kid)

    assert _me(client, before["access"]) == 200  # signed before the rotation, still good
    jwks = client.http.get("/.well-known/jwks.json").json_body
    assert [key["kid"] for key in jwks["keys"]] == [fresh.kid, old_kid]
    after = _login(client)
    assert jwt.get_unverified_header(after["access"])["kid"] == fresh.kid

    grace = grace_seconds(product)
    start = time.time()
    monkeypatch.setattr("chalicelib.core.auth.keys._now", lambda: start + grace - 60)
    refreshed = client.http.post("/api/auth/token/refresh/", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"refresh": before["refresh"]}))
    assert refreshed.status_code == 200  # the old key's refresh token, a minute before its end
    assert jwt.get_unverified_header(refreshed.json_body["access"])["kid"] == fresh.kid

    monkeypatch.setattr("chalicelib.core.auth.keys._now", lambda: start + grace + 1)
    assert _me(client, before["access"]) == 401  # not yet expired by its own clock: refused for its key
    assert _me(client, after["access"]) == 200
    jwks = client.http.get("/.well-known/jwks.json").json_body
    assert [key["kid"] for key in jwks["keys"]] == [fresh.kid]


def test_a_stage_without_a_signing_key_fails_clearly(app, client, caplog):
    from chalicelib.core import aws
    from chalicelib.core.auth.keys import keyring
    from chalicelib.core.config import get_settings
    from chalicelib.core.errors import ApiError

    product = app.crm_product
    product.seed_admin("admin-password-1")
    token = _login(client)["access"]
    aws.secrets().put_secret_value(SecretId=get_settings().signing_key_secret, SecretString='{"keys": []}')
    keyring.forget()

    with caplog.at_level(logging.ERROR, logger="crm"):
        login = client.http.post("/api/auth/token/", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"username": "admin", "password": "admin-password-1"}))
    assert login.status_code == 500
    assert set(login.json_body) == set(product.api.renderer(ApiError("x")))
    assert "holds no key" in caplog.text and "rotate-keys" in caplog.text
    assert _me(client, token) == 401
    assert client.http.get("/.well-known/jwks.json").status_code == 500
    assert aws.secrets().get_secret_value(SecretId=get_settings().signing_key_secret)["SecretString"] == \
        '{"keys": []}'  # nothing generated behind the operator's back
