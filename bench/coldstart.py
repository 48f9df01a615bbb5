"""Cold start as Lambda pays it, in fresh interpreters against the embedded moto server.

`python -m bench.coldstart seed` bootstraps the stage on the server (tables, secret, admin, one
customer) and prints what the others need. `python -m bench.coldstart app <token> <customer id>`
imports `app` and answers one authorized GET the way Lambda runs it: the authorizer's handler with API
Gateway's TOKEN event, then the API handler with the proxy event carrying the authorizer's context.
`python -m bench.coldstart floor ...` pays only what the authorizer cannot avoid: its libraries
(pynamodb, chalice, pydantic, PyJWT with RSA), one plain boto3 GetItem and one Secrets Manager read.
Each prints its seconds; bench/run.py starts the server, seeds the stage and prints the ratio.
"""

from __future__ import annotations

import sys
import time
from typing import Any

STARTED = time.perf_counter()  # before anything heavy is imported

FLOOR_LIBRARIES = "import pynamodb.models, chalice, pydantic, jwt; from jwt.algorithms import RSAAlgorithm"


class LambdaContext:
    """What Lambda hands a handler (the fields the code reads)."""

    function_name = "bench"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"

    def __init__(self, request_id: str) -> None:
        self.aws_request_id = request_id

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def proxy_event(route: str, path: str, params: dict[str, str], authorizer: dict[str, Any]) -> dict[str, Any]:
    """API Gateway's proxy event for a GET of `path` (the route `route`) past the authorizer."""
    headers = {"Host": "bench.execute-api.us-east-1.amazonaws.com", "Accept": "application/json"}
    return {
        "resource": route, "path": path, "httpMethod": "GET", "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": params,
        "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": route, "httpMethod": "GET", "path": f"/bench{path}", "stage": "bench",
                           "requestId": "bench-request", "domainName": headers["Host"],
                           "identity": {"sourceIp": "127.0.0.1"}, "authorizer": authorizer},
    }


def cold_app(token: str, customer_id: str) -> float:
    import app as module

    arn = f"arn:aws:execute-api:us-east-1:123456789012:bench/bench/GET/api/customers/{customer_id}/"
    allowed = module.jwt_authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": arn},
                                    LambdaContext("bench-authorizer"))
    route = next(path for path in module.app.routes if path.startswith("/api/customers/{"))
    name = route.split("{", 1)[1].split("}", 1)[0]
    event = proxy_event(route, f"/api/customers/{customer_id}/", {name: customer_id},
                        {**allowed["context"], "principalId": allowed["principalId"]})
    response = module.app(event, LambdaContext("bench-api"))
    elapsed = time.perf_counter() - STARTED
    if response["statusCode"] != 200:
        raise SystemExit(f"cold GET answered {response['statusCode']}: {response['body'][:200]}")
    return elapsed


def floor(table: str, key: str, secret: str, region: str) -> float:
    exec(FLOOR_LIBRARIES)
    import boto3

    boto3.client("dynamodb", region_name=region).get_item(TableName=table, Key={"jti": {"S": key}},
                                                          ConsistentRead=True)
    boto3.client("secretsmanager", region_name=region).get_secret_value(SecretId=secret)
    return time.perf_counter() - STARTED


def seed() -> str:
    """A stage on the server: an admin's token, a customer, and where the floor reads."""
    import json

    from chalice.test import Client

    from bench.endpoints import bootstrap
    from chalicelib.core.auth.store import revocation_model
    from chalicelib.core.config import get_settings

    app = bootstrap()
    headers = {"Content-Type": "application/json"}
    with Client(app) as client:
        token = client.http.post("/api/auth/token/", headers=headers, body=json.dumps(
            {"username": "admin", "password": "bench-admin-password"})).json_body["access"]
        customer = client.http.post("/api/customers/", headers={**headers, "Authorization": f"Bearer {token}"},
                                    body=json.dumps({"name": "Cold Start", "phone": "+91-9876543210",
                                                     "address_line_1": "1 Main St", "city": "Kolkata",
                                                     "state": "WB", "pincode": "700001"})).json_body["id"]
    settings = get_settings()
    return " ".join([token, str(customer), revocation_model(settings.product).Meta.table_name, "family#none",
                     settings.signing_key_secret, settings.region])


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "seed":
        print(seed())
    elif mode == "app":
        print(cold_app(*args))
    else:
        print(floor(*args))
