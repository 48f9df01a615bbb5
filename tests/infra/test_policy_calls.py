"""Each Lambda's IAM policy keeps in step with its code.

Every AWS call the code makes (botocore's `BaseClient._make_api_call`, and the presigned POST the
API signs with its role) is recorded with the function that made it, while each function's code
paths run under moto: the API through HTTP, the authorizer, the uploads worker and the schedule
through their Lambda handlers. Each call must be allowed by that function's policy
(infra/policy.py, as written to .chalice/), and every action a non-API policy grants to the code
must have been used (the API's routes are too many to walk here; its grants are per statement).
"""

from __future__ import annotations

import contextvars
import json
from contextlib import contextmanager
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlparse

import pytest

from infra.policy import functions, grants, policy_document

ACCOUNT, REGION = "123456789012", "us-east-1"
# Granted to the code but not reached by the scenario below, with the reason they are needed.
NOT_EXERCISED = {("uploads_worker", "dynamodb:ConditionCheckItem"): "interaction imports check their loan exists",
                 ("uploads_worker", "dynamodb:BatchGetItem"): "a resumed batch reads which of its records exist; "
                                                              "interaction imports read their loans, and "
                                                              "customer imports their officers"}
# A RepaySync customers file: two good rows and a duplicate, so the import writes and reports errors.
UPLOAD = (b"customer_code,name,phone,email,address_line_1,address_line_2,city,state,pincode,date_of_birth\n"
          b",Bucket One,9876500001,,1 St,,Kolkata,WB,700016,\n"
          b",Bucket Two,9876500002,,2 St,,Kolkata,WB,700016,\n"
          b",Bucket Three,9876500001,,3 St,,Kolkata,WB,700016,\n")
_label: contextvars.ContextVar[str | None] = contextvars.ContextVar("aws_caller", default=None)
DYNAMODB_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def iam_calls(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) for one API call."""
    if service == "dynamodb":
        table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/"
        if operation in ("TransactWriteItems", "TransactGetItems"):
            return [(f"dynamodb:{DYNAMODB_TRANSACT[kind]}", table + body["TableName"])
                    for item in params["TransactItems"] for kind, body in item.items()]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", table + name) for name in params["RequestItems"]]
        index = f"/index/{params['IndexName']}" if params.get("IndexName") else ""
        return [(f"dynamodb:{operation}", table + params["TableName"] + index)]
    if service == "s3":
        key = params.get("Key")
        return [(f"s3:{operation}", f"arn:aws:s3:::{params['Bucket']}" + (f"/{key}" if key else ""))]
    if service == "secretsmanager":
        return [(f"secretsmanager:{operation}", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
                                                 f"{params['SecretId']}-AbCdEf")]
    if service == "sqs":
        name = params.get("QueueName") or urlparse(params["QueueUrl"]).path.rsplit("/", 1)[-1]
        return [(f"sqs:{operation}", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")]
    return [(f"{service}:{operation}", "*")]


@pytest.fixture()
def recorder(monkeypatch):
    """Records (function label, IAM action, resource) for every call made under `as_function`."""
    from botocore.client import BaseClient

    calls: list[tuple[str, str, str]] = []
    original = BaseClient._make_api_call

    def record(self: Any, operation: str, params: dict[str, Any]) -> Any:
        label = _label.get()
        if label is not None:
            service = self.meta.service_model.endpoint_prefix
            calls.extend((label, action, arn) for action, arn in iam_calls(service, operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)

    from chalicelib.core import aws

    s3 = aws.s3()
    presign = s3.generate_presigned_post

    def presigned_post(**kwargs: Any) -> Any:  # signed with the role's credentials: needs PutObject
        label = _label.get()
        if label is not None:
            calls.append((label, "s3:PutObject", f"arn:aws:s3:::{kwargs['Bucket']}/{kwargs['Key']}"))
        return presign(**kwargs)

    monkeypatch.setattr(s3, "generate_presigned_post", presigned_post)
    return calls


@contextmanager
def as_function(name: str):
    token = _label.set(name)
    try:
        yield
    finally:
        _label.reset(token)


def resolve(value: Any, settings: Any) -> str:
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    for name, real in {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                       "AWS::StackName": "crm-test", "Bucket": settings.bucket,
                       "SigningKeySecret": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"
                                           f"{settings.signing_key_secret}-AbCdEf"}.items():
        text = text.replace("${" + name + "}", real)
    return text


def allowed(document: dict[str, Any], action: str, arn: str, settings: Any) -> bool:
    for statement in document["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if action in statement["Action"] and any(fnmatchcase(arn, resolve(r, settings)) for r in resources):
            return True
    return False


def _authorizer_event(token: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": f"Bearer {token}",
            "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123/prod/GET/api/users/"}


def test_every_call_each_function_makes_is_granted_and_every_grant_is_used(app, client, recorder):
    from chalicelib.core import aws
    from chalicelib.core.auth.keys import keyring
    from chalicelib.core.config import get_settings

    settings = get_settings()
    product = app.crm_product
    product.seed_admin("admin-password-1")
    json_headers = {"Content-Type": "application/json"}
    keyring.forget()  # a cold Lambda reads the secret

    with as_function("api_handler"):
        login = client.http.post("/api/auth/token/", headers=json_headers,
                                 body=json.dumps({"username": "admin", "password": "admin-password-1"})).json_body
        bearer = {"Authorization": f"Bearer {login['access']}", **json_headers}
        client.http.post("/api/auth/token/refresh/", headers=json_headers,
                         body=json.dumps({"refresh": login["refresh"]}))
        for route in product.api.routes:
            if "GET" in route.methods and "{" not in route.path:
                client.http.get(route.path, headers=bearer)
        presigned = client.http.post("/api/imports/presign/", headers=bearer,
                                     body=json.dumps({"import_type": "customers", "filename": "c.csv"})).json_body

    keyring.forget()
    with as_function("jwt_authorizer"):
        assert app.handler_map["jwt_authorizer"](_authorizer_event(login["access"]), None)["principalId"]
        with pytest.raises(Exception, match="Unauthorized"):  # a denial the authorizer logs itself
            app.handler_map["jwt_authorizer"](_authorizer_event(login["access"][:-4] + "AAAA"), None)

    aws.s3().put_object(Bucket=settings.bucket, Key=presigned["key"], Body=UPLOAD)
    event = json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": settings.bucket}, "object": {"key": presigned["key"]}}}]})
    with as_function("uploads_worker"):
        client.lambda_.invoke("uploads_worker", client.events.generate_sqs_event([event],
                                                                                 queue_name=settings.uploads_queue))
    with as_function("daily_followups"):
        client.lambda_.invoke("daily_followups", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={},
            resources=[f"arn:aws:events:{REGION}:{ACCOUNT}:rule/daily"]))

    fns = {function.name: function for function in functions(app)}
    assert set(fns) == {"api_handler", "jwt_authorizer", "uploads_worker", "daily_followups"}
    denied = [(label, action, arn) for label, action, arn in recorder
              if not allowed(policy_document(fns[label], settings), action, arn, settings)]
    assert denied == []
    for name, function in fns.items():
        used = {action for label, action, _ in recorder if label == name}
        assert used, f"{name} made no AWS call: the scenario does not reach it"
        if function.kind in ("api", "schedule"):  # their grants cover data this scenario does not create
            continue
        granted = {action for grant in grants(function, settings) if not grant.by_service for action in grant.actions}
        unused = {action for action in granted - used if (name, action) not in NOT_EXERCISED}
        assert unused == set(), f"{name} is granted actions its code never calls"


def test_no_policy_grants_what_no_code_calls_or_writes_the_signing_key(app):
    from chalicelib.core.config import get_settings

    settings = get_settings()
    for function in functions(app):
        actions = {a for s in policy_document(function, settings)["Statement"] for a in s["Action"]}
        assert not actions & {"s3:DeleteObject", "sqs:SendMessage", "sns:Publish", "dynamodb:Scan",
                              "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue",
                              "logs:CreateLogGroup"}, function.name
        logs = next(s for s in policy_document(function, settings)["Statement"] if s["Sid"] == "OwnLogs")
        assert logs["Resource"]["Fn::Sub"].endswith(f"/aws/lambda/${{AWS::StackName}}-{function.logical_id}-*:*")
