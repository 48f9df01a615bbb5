"""A real Cognito user pool's access token (issued by moto's cognito-idp) passes the authorizer.

The pool's JWKS is fetched over HTTP by PyJWKClient (urllib), which in-process moto does not
intercept, so moto's server runs on a free loopback port and serves `/<pool>/.well-known/jwks.json`.
moto's signing key is trusted only here, by pointing COGNITO_JWKS_URL at it.
"""

from __future__ import annotations

import socket

import boto3
import pytest

from chalicelib.core.config import reset_settings

PASSWORD = "Perm#12345abc"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def jwks_server():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture()
def pool(core_app):
    """A user pool with two app clients and a user in the `manager` and `admin` groups."""
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool_id = idp.create_user_pool(PoolName="crm")["UserPool"]["Id"]

    def app_client(name: str) -> str:
        return idp.create_user_pool_client(UserPoolId=pool_id, ClientName=name,
                                           ExplicitAuthFlows=["ADMIN_NO_SRP_AUTH"])["UserPoolClient"]["ClientId"]

    web, other = app_client("web"), app_client("other")
    idp.admin_create_user(UserPoolId=pool_id, Username="carol", MessageAction="SUPPRESS",
                          TemporaryPassword="Temp#12345abc")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="carol", Password=PASSWORD, Permanent=True)
    for group in ("manager", "admin"):
        idp.create_group(GroupName=group, UserPoolId=pool_id)
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username="carol", GroupName=group)

    def login(client_id: str, flow: str = "ADMIN_NO_SRP_AUTH") -> dict[str, str]:
        return idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow=flow,
                                       AuthParameters={"USERNAME": "carol", "PASSWORD": PASSWORD}
                                       )["AuthenticationResult"]

    return {"id": pool_id, "web": web, "other": other, "login": login,
            "issuer": f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"}


def configure(monkeypatch, pool, jwks_server, client_id: str | None = "web") -> None:
    monkeypatch.setenv("COGNITO_ISSUER", pool["issuer"])
    monkeypatch.setenv("COGNITO_JWKS_URL", f"{jwks_server}/{pool['id']}/.well-known/jwks.json")
    if client_id:
        monkeypatch.setenv("COGNITO_CLIENT_ID", pool[client_id])
    reset_settings()


def me(core, token: str):
    return core.client.http.get("/api/me/", headers={"Authorization": f"Bearer {token}"})


def test_pool_access_token_is_accepted_and_groups_become_roles(core_app, pool, jwks_server, monkeypatch):
    configure(monkeypatch, pool, jwks_server)
    result = pool["login"](pool["web"])
    response = me(core_app, result["AccessToken"])
    assert response.status_code == 200, response.body
    assert response.json_body["username"] == "carol"
    assert response.json_body["roles"] == ["admin", "manager"]
    assert response.json_body["iss"] == pool["issuer"]
    admin = core_app.client.http.get("/api/admin-only/", headers={"Authorization": f"Bearer {result['AccessToken']}"})
    assert admin.status_code == 200
    # the other admin flow issues the same kind of token
    assert me(core_app, pool["login"](pool["web"], "ADMIN_USER_PASSWORD_AUTH")["AccessToken"]).status_code == 200
    # our own tokens keep working beside the pool's
    assert me(core_app, core_app.token()).status_code == 200


def test_pool_token_for_another_app_client_is_refused(core_app, pool, jwks_server, monkeypatch):
    configure(monkeypatch, pool, jwks_server)
    response = me(core_app, pool["login"](pool["other"])["AccessToken"])
    assert response.status_code == 401
    assert response.json_body == {"error": "Authentication credentials were not provided or are invalid."}


def test_pool_tokens_are_refused_when_no_client_id_is_configured(core_app, pool, jwks_server, monkeypatch):
    """Issuer and JWKS without an app client id would accept every client of the pool: not enabled."""
    configure(monkeypatch, pool, jwks_server, client_id=None)
    assert me(core_app, pool["login"](pool["other"])["AccessToken"]).status_code == 401
    assert me(core_app, pool["login"](pool["web"])["AccessToken"]).status_code == 401


def test_pool_id_token_is_refused(core_app, pool, jwks_server, monkeypatch):
    configure(monkeypatch, pool, jwks_server)
    assert me(core_app, pool["login"](pool["web"])["IdToken"]).status_code == 401


def test_pool_token_is_refused_when_the_pool_is_not_configured(core_app, pool):
    assert me(core_app, pool["login"](pool["web"])["AccessToken"]).status_code == 401


def test_pool_token_is_refused_when_the_jwks_cannot_be_fetched(core_app, pool, monkeypatch):
    monkeypatch.setenv("COGNITO_ISSUER", pool["issuer"])
    monkeypatch.setenv("COGNITO_JWKS_URL", f"http://127.0.0.1:{free_port()}/{pool['id']}/.well-known/jwks.json")
    reset_settings()
    assert me(core_app, pool["login"](pool["web"])["AccessToken"]).status_code == 401


def test_expired_pool_token_is_refused(core_app, pool, jwks_server, monkeypatch):
    import time

    configure(monkeypatch, pool, jwks_server)
    token = pool["login"](pool["web"])["AccessToken"]
    real_time = time.time
    monkeypatch.setattr("jwt.api_jwt.datetime", _Clock(real_time() + 2 * 3600))
    assert me(core_app, token).status_code == 401


class _Clock:
    """`datetime` as PyJWT sees it, two hours ahead (moto's pool tokens live one hour)."""

    def __init__(self, timestamp: float) -> None:
        from datetime import UTC, datetime

        self._now = datetime.fromtimestamp(timestamp, tz=UTC)
        self._real = datetime

    def now(self, tz=None):
        return self._now

    def __getattr__(self, name):
        return getattr(self._real, name)
