"""infra/: the merge fragment is derived from the product's models and the shared resource definitions.

The product here is loaded under the tests' settings (table prefix `test-`); `make package` renders
the same fragment under each stage's settings and cfn-lint checks the merged result.
"""

from __future__ import annotations

import json

import pytest

from chalicelib.core.config import get_settings
from chalicelib.core.db.tables import table_spec, ttl_attribute
from chalicelib.core.errors import ApiError
from chalicelib.core.resources import queues
from infra.template import logical_id, queue_id, render


@pytest.fixture(scope="module")
def product():
    from chalicelib.core.app_factory import load_product

    return load_product(get_settings().product)


@pytest.fixture(scope="module")
def template(product):
    return render(product)


def _tables(template):
    return {r["Properties"]["TableName"]: r for r in template["Resources"].values()
            if r.get("Type") == "AWS::DynamoDB::Table"}


def test_a_table_for_every_model_with_its_keys_and_indexes(product, template):
    tables = _tables(template)
    assert set(tables) == {model.Meta.table_name for model in product.models}
    for model in product.models:
        spec = table_spec(model)
        props = tables[spec["TableName"]]["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["KeySchema"] == spec["KeySchema"]
        assert props["AttributeDefinitions"] == spec["AttributeDefinitions"]
        assert props.get("GlobalSecondaryIndexes") == spec.get("GlobalSecondaryIndexes")


def test_ttl_pitr_and_retention(product, template):
    tables = _tables(template)
    with_ttl = 0
    for model in product.models:
        resource = tables[model.Meta.table_name]
        props = resource["Properties"]
        ttl = ttl_attribute(model)
        if ttl:
            with_ttl += 1
            assert props["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}
        else:
            assert "TimeToLiveSpecification" not in props
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["DeletionProtectionEnabled"] == {"Ref": "TableDeletionProtection"}
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("RetainExceptOnCreate", "Retain")
    assert with_ttl >= 2  # revocations and lockouts at least expire


def test_only_the_queues_the_product_declares_exist(product, template):
    declared = {queue_id(queue) for queue in queues(product)}
    assert declared == {"UploadsQueue"}  # RepaySync sends no OTPs and assigns no work by queue
    found = {name for name, resource in template["Resources"].items()
             if resource.get("Type") == "AWS::SQS::Queue" and not name.endswith("DeadLetterQueue")}
    assert found == declared


def test_queues_redrive_to_their_dead_letter_queues(product, template):
    resources = template["Resources"]
    for queue in queues(product):
        main = resources[queue_id(queue)]["Properties"]
        assert main["QueueName"] == queue.name
        assert main["VisibilityTimeout"] == queue.visibility_timeout
        dlq_id = logical_id(queue.key, "DeadLetterQueue")
        assert main["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                                         "maxReceiveCount": queue.max_receive_count}
        assert resources[dlq_id]["Properties"]["QueueName"] == queue.dlq_name
        alarm = resources[logical_id(queue.key, "DeadLetterAlarm")]["Properties"]
        assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]
    assert resources["AlertsTopic"]["Type"] == "AWS::SNS::Topic"


def test_bucket_notifies_the_uploads_queue_which_lets_s3_send(product, template):
    resources = template["Resources"]
    uploads = next(q for q in queues(product) if q.key == "uploads")
    bucket_resource = resources["Bucket"]
    props = bucket_resource["Properties"]
    assert props["BucketName"] == {"Fn::If": ["HasBucketName", {"Ref": "BucketName"},
                                              {"Fn::Sub": "${AWS::StackName}-${AWS::AccountId}"}]}
    assert bucket_resource["DeletionPolicy"] == "RetainExceptOnCreate"
    notifications = props["NotificationConfiguration"]["QueueConfigurations"]
    assert {n["Filter"]["S3Key"]["Rules"][0]["Value"] for n in notifications} == {"imports/", "documents/"}
    assert all(n["Queue"] == {"Fn::GetAtt": [queue_id(uploads), "Arn"]} for n in notifications)
    assert all(n["Event"] == "s3:ObjectCreated:*" for n in notifications)
    policy_id = logical_id("uploads", "QueuePolicy")
    assert bucket_resource["DependsOn"] == [policy_id]  # S3 checks the policy when it sets the notification
    statement = resources[policy_id]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]


def test_gateway_responses_use_the_product_error_shape(product, template):
    responses = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"][
        "x-amazon-apigateway-gateway-responses"]
    assert responses["UNAUTHORIZED"]["statusCode"] == "401"
    assert responses["ACCESS_DENIED"]["statusCode"] == "403"
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    for kind in ("UNAUTHORIZED", "ACCESS_DENIED", "MISSING_AUTHENTICATION_TOKEN", "DEFAULT_5XX"):
        body = json.loads(responses[kind]["responseTemplates"]["application/json"])
        assert set(body) == set(product.api.renderer(ApiError("x")))
    assert responses["DEFAULT_4XX"]["responseTemplates"]["application/json"].count(
        "$context.error.messageString") == 1
    headers = responses["UNAUTHORIZED"]["responseParameters"]
    assert "gatewayresponse.header.Access-Control-Allow-Origin" in headers
    assert headers["gatewayresponse.header.Access-Control-Allow-Credentials"] == "'true'"


def test_logical_ids_are_alphanumeric():
    assert logical_id("Table", "login-attempts") == "TableLoginAttempts"
    assert logical_id("uploads", "DeadLetterQueue") == "UploadsDeadLetterQueue"


def test_parameters_for_what_differs_per_account_and_a_read_only_secret(template):
    from chalicelib.core.config import get_settings
    from infra.template import PARAMETER_VARIABLES

    settings = get_settings()
    params = template["Parameters"]
    assert params["BucketName"]["Default"] == ""
    assert params["TokenIssuer"]["Default"] == settings.jwt_issuer
    assert params["CorsOrigins"]["Default"] == ",".join(settings.cors_origins)
    assert set(PARAMETER_VARIABLES) <= set(params)
    assert {"CognitoIssuer", "CognitoJwksUrl", "CognitoClientId"} <= set(PARAMETER_VARIABLES)
    secret = template["Resources"]["SigningKeySecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["Name"] == settings.signing_key_secret
    assert "SecretString" not in secret["Properties"] and "GenerateSecretString" not in secret["Properties"]
    assert secret["DeletionPolicy"] == "RetainExceptOnCreate"


def test_fixups_reference_parameters_and_keep_log_groups():
    from infra.fixups import keep_log_groups, reference_parameters

    template = {"Resources": {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Environment": {"Variables": {
            "CRM_JWT_ISSUER": "literal", "CRM_BUCKET": "literal", "LOG_LEVEL": "INFO"}}}},
        "FnLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 90}}}}
    assert reference_parameters(template, {"TokenIssuer": "CRM_JWT_ISSUER"}) == ["Fn"]
    assert template["Resources"]["Fn"]["Properties"]["Environment"]["Variables"] == {
        "CRM_JWT_ISSUER": {"Ref": "TokenIssuer"}, "CRM_BUCKET": {"Ref": "Bucket"}, "LOG_LEVEL": "INFO"}
    assert keep_log_groups(template) == ["FnLogGroup"]
    group = template["Resources"]["FnLogGroup"]
    assert group["DeletionPolicy"] == "RetainExceptOnCreate"
    assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
