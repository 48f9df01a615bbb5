"""The stage's own resources as a CloudFormation fragment for `chalice package --merge-template`.

Everything is derived from the definitions the app and the embedded stack already use: tables from
the product's pynamodb models (`table_spec`, `ttl_attribute`), queues and the bucket from
`chalicelib.core.resources`, error bodies from the product's error renderer. Names come from the
stage's settings, so the Lambdas (which read the same settings) find what this template creates.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.core.config import Settings, get_settings
from chalicelib.core.consumers import ConsumerDef
from chalicelib.core.db.tables import table_spec, ttl_attribute
from chalicelib.core.errors import ApiError, Forbidden, InternalError, NotFound, Unauthorized
from chalicelib.core.product import Product
from chalicelib.core.resources import BucketDef, QueueDef, bucket, queues

QUEUE_RETENTION_SECONDS = 4 * 24 * 3600  # SQS's default, stated: long enough to outlast an outage
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # the SQS maximum: time to look at a poison message
# Prefixes written by the app that nobody needs forever (kept in step with the product code).
# exports/: files too big to answer inline, fetched through a presigned GET (core/files/answer.py).
EXPIRING_PREFIXES = {"api-uploads/": 30, "reports/": 365, "exports/": 1}
# GatewayResponses written in the product's error shape: type -> (status, error or None for the
# gateway's own message). MISSING_AUTHENTICATION_TOKEN is what API Gateway answers for an unknown
# path (403 by default); the specs want 404 there. API Gateway gives the same answer to a method that
# the resource does not declare, and a GatewayResponse has one status per type: so every method it can
# route (GET, POST, PUT, PATCH, DELETE, HEAD) is declared on every path and answers 405 from the Api
# (chalicelib.core.api), and a verb API Gateway cannot route at all (TRACE, CONNECT, ...) ends here
# as the product's 404 (the embedded stack answers it 405: local/gateway.py).
GATEWAY_RESPONSES: dict[str, tuple[str, ApiError | None]] = {
    "UNAUTHORIZED": ("401", Unauthorized()),
    "ACCESS_DENIED": ("403", Forbidden()),
    "MISSING_AUTHENTICATION_TOKEN": ("404", NotFound()),
    "DEFAULT_4XX": ("", None),
    "DEFAULT_5XX": ("", InternalError()),
}
_MESSAGE = "@@gateway-message@@"
# Records outlive the stack, but a failed first deploy removes what it created, so it can be retried
# (Retain would leave the names taken). UpdateReplacePolicy has no RetainExceptOnCreate.
KEEP = {"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"}
BUCKET_NAME = {"Fn::If": ["HasBucketName", {"Ref": "BucketName"}, {"Fn::Sub": "${AWS::StackName}-${AWS::AccountId}"}]}
# Stack parameter -> the Lambda environment variable it sets (infra/fixups.py writes the Refs).
PARAMETER_VARIABLES = {"TokenIssuer": "CRM_JWT_ISSUER", "CorsOrigins": "CRM_CORS_ORIGINS",
                       "CognitoIssuer": "COGNITO_ISSUER", "CognitoJwksUrl": "COGNITO_JWKS_URL",
                       "CognitoClientId": "COGNITO_CLIENT_ID"}


def logical_id(*parts: str) -> str:
    """`("Table", "login-attempts")` -> `TableLoginAttempts` (CloudFormation ids are alphanumeric)."""
    words = [w for part in parts for w in re.split(r"[^0-9A-Za-z]+", part) if w]
    return "".join(w[:1].upper() + w[1:] for w in words)


def _entity(table_name: str, settings: Settings) -> str:
    prefix = f"{settings.table_prefix}{settings.product}-"
    return table_name[len(prefix):] if table_name.startswith(prefix) else table_name


def table_resources(models: list[Any], settings: Settings) -> dict[str, Any]:
    """One table per model. Every table outlives the stack (except a failed first create) and can be
    protected from deletion (the TableDeletionProtection parameter): even the short-lived ones
    (revocations, lockouts) guard security decisions, and counters lost would hand out ids twice."""
    resources: dict[str, Any] = {}
    for model in models:
        spec = table_spec(model)
        props: dict[str, Any] = {
            **spec,
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "DeletionProtectionEnabled": {"Ref": "TableDeletionProtection"},
        }
        ttl = ttl_attribute(model)
        if ttl:
            props["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
        name = logical_id("Table", _entity(spec["TableName"], settings))
        if name in resources:
            raise ValueError(f"two tables map to the logical id {name}")
        resources[name] = {"Type": "AWS::DynamoDB::Table", **KEEP, "Properties": props}
    return resources


def queue_id(queue: QueueDef) -> str:
    return logical_id(queue.key, "Queue")


def queue_resources(defs: list[QueueDef]) -> dict[str, Any]:
    """Each queue with its DLQ. Queues hold work in flight, not records: they go with the stack."""
    resources: dict[str, Any] = {}
    transient = {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}
    for queue in defs:
        dlq = logical_id(queue.key, "DeadLetterQueue")
        resources[dlq] = {"Type": "AWS::SQS::Queue", **transient, "Properties": {
            "QueueName": queue.dlq_name, "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
            "SqsManagedSseEnabled": True}}
        resources[queue_id(queue)] = {"Type": "AWS::SQS::Queue", **transient, "Properties": {
            "QueueName": queue.name, "VisibilityTimeout": queue.visibility_timeout,
            "MessageRetentionPeriod": QUEUE_RETENTION_SECONDS, "SqsManagedSseEnabled": True,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]},
                              "maxReceiveCount": queue.max_receive_count}}}
    return resources


def consumer_resources(defs: list[QueueDef], consumers: list[ConsumerDef]) -> dict[str, Any]:
    """Each batch consumer's event source mapping: Chalice's SQS events cannot report partial batch
    failures, so the mapping is declared here (chalicelib/core/consumers.py). The Lambda service
    polls with the function's role (infra/policy.py grants it on that queue only)."""
    from chalice.utils import to_cfn_resource_name

    by_key = {queue.key: queue for queue in defs}
    resources: dict[str, Any] = {}
    for consumer in consumers:
        if consumer.queue not in by_key:
            raise ValueError(f"{consumer.name} reads queue {consumer.queue!r}, which the product does not declare")
        resources[logical_id(consumer.name, "EventSourceMapping")] = {
            "Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                "FunctionName": {"Ref": to_cfn_resource_name(consumer.name)},
                "EventSourceArn": {"Fn::GetAtt": [queue_id(by_key[consumer.queue]), "Arn"]},
                "BatchSize": consumer.batch_size,
                "MaximumBatchingWindowInSeconds": consumer.window_seconds,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "Enabled": True}}
    return resources


def bucket_resources(spec: BucketDef, uploads: QueueDef | None, settings: Settings) -> dict[str, Any]:
    """The bucket, its notification of new objects under the watched prefixes to the uploads queue,
    and the queue policy that lets S3 send there (S3 checks it when the notification is set, hence
    DependsOn; the policy names the bucket by ARN rather than Ref to avoid a cycle). A product
    without an uploads queue gets the bucket alone."""
    bucket = _bucket(spec, settings)
    if uploads is None:
        return bucket
    queue = queue_id(uploads)
    policy_id = logical_id(uploads.key, "QueuePolicy")
    bucket["Bucket"]["DependsOn"] = [policy_id]
    bucket["Bucket"]["Properties"]["NotificationConfiguration"] = {"QueueConfigurations": [
        {"Event": "s3:ObjectCreated:*", "Queue": {"Fn::GetAtt": [queue, "Arn"]},
         "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": prefix}]}}}
        for prefix in spec.notify_prefixes]}
    bucket_arn = {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${Name}", {"Name": BUCKET_NAME}]}
    policy = {"Type": "AWS::SQS::QueuePolicy", "Properties": {
        "Queues": [{"Ref": queue}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Sid": "BucketNotifications", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": {"Fn::GetAtt": [queue, "Arn"]},
            "Condition": {"ArnLike": {"aws:SourceArn": bucket_arn},
                          "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]}}}
    return {policy_id: policy, **bucket}


def _bucket(spec: BucketDef, settings: Settings) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [{"Id": "abort-incomplete-uploads", "Status": "Enabled",
                                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]
    rules += [{"Id": f"expire-{prefix.strip('/')}", "Status": "Enabled", "Prefix": prefix,
               "ExpirationInDays": days} for prefix, days in sorted(EXPIRING_PREFIXES.items())]
    props: dict[str, Any] = {
        "BucketName": BUCKET_NAME,
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "LifecycleConfiguration": {"Rules": rules},
    }
    # browsers POST large files straight to the bucket with the presigned form
    props["CorsConfiguration"] = {"Fn::If": ["HasCorsOrigins", {"CorsRules": [{
        "AllowedOrigins": {"Fn::Split": [",", {"Ref": "CorsOrigins"}]}, "AllowedMethods": ["GET", "POST", "PUT"],
        "AllowedHeaders": ["*"], "ExposedHeaders": ["ETag"], "MaxAge": 3000}]}, {"Ref": "AWS::NoValue"}]}
    return {
        "Bucket": {"Type": "AWS::S3::Bucket", **KEEP, "Properties": props},
        "BucketTlsOnlyPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "Bucket"},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [{"Fn::GetAtt": ["Bucket", "Arn"]},
                             {"Fn::Sub": "${Bucket.Arn}/*"}],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}},
    }


def parameters(settings: Settings) -> dict[str, Any]:
    """What differs per account; defaults are the stage's settings in .chalice/config.json."""
    return {
        "BucketName": {"Type": "String", "Default": "", "AllowedPattern": "^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
                       "Description": "The uploads/reports bucket; empty: <stack name>-<account id>"},
        "TokenIssuer": {"Type": "String", "Default": settings.jwt_issuer, "MinLength": 1,
                        "Description": "`iss` of the tokens this stage signs"},
        "CorsOrigins": {"Type": "String", "Default": ",".join(settings.cors_origins),
                        "Description": "Comma-separated browser origins that may call the API"},
        "CognitoIssuer": {"Type": "String", "Default": settings.cognito_issuer,
                          "Description": "A Cognito user pool whose tokens are accepted too (all three or none)"},
        "CognitoJwksUrl": {"Type": "String", "Default": settings.cognito_jwks_url},
        "CognitoClientId": {"Type": "String", "Default": settings.cognito_client_id},
        "TableDeletionProtection": {"Type": "String", "Default": "false", "AllowedValues": ["true", "false"],
                                    "Description": "Turn on after the first deploy succeeded (a failed first "
                                                   "deploy must be able to delete its tables)"},
        "LogRetentionDays": {"Type": "Number", "Default": 90,
                             "AllowedValues": [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                                               1096, 1827, 2192, 2557, 2922, 3288, 3653]},
    }


def secret_resources(settings: Settings) -> dict[str, Any]:
    """The signing-key secret, created empty: `make bootstrap-admin`/`make rotate-keys` put the keys
    with the operator's credentials; the Lambdas may only read it (infra/policy.py)."""
    return {"SigningKeySecret": {"Type": "AWS::SecretsManager::Secret", **KEEP, "Properties": {
        "Name": settings.signing_key_secret,
        "Description": f"RS256 signing keys of crm-{settings.product} ({settings.stage}); written by infra/ops.py"}}}


def topic_name(settings: Settings) -> str:
    return f"{settings.table_prefix}{settings.product}-alerts"


def alert_resources(defs: list[QueueDef], settings: Settings) -> dict[str, Any]:
    """An SNS topic for operators, and an alarm on every DLQ that is not empty. The topic is not
    encrypted with the AWS-managed SNS key: CloudWatch alarms cannot publish to such a topic."""
    resources: dict[str, Any] = {"AlertsTopic": {"Type": "AWS::SNS::Topic", "Properties": {
        "TopicName": topic_name(settings)}}}
    for queue in defs:
        resources[logical_id(queue.key, "DeadLetterAlarm")] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmDescription": f"Messages parked in {queue.dlq_name}: a {queue.key} handler keeps failing.",
            "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
            "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical_id(queue.key, "DeadLetterQueue"),
                                                                          "QueueName"]}}],
            "Statistic": "Maximum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlertsTopic"}]}}
    return resources


def _error_template(product: Product, error: ApiError | None) -> str:
    """The product's error body; without an error, the gateway's own message goes in its place."""
    body = json.dumps(product.api.renderer(error or ApiError(_MESSAGE)), sort_keys=True)
    # $context.error.messageString is already a quoted JSON string.
    return body.replace(json.dumps(_MESSAGE), "$context.error.messageString")


def gateway_responses(product: Product, settings: Settings) -> dict[str, Any]:
    """API Gateway's own answers (authorizer 401, 403, unknown path, throttling...) in the product's
    error shape, with the CORS headers a browser needs to read them. With one allowed origin it is
    sent as is; with several, the request's Origin is echoed (these bodies carry no data)."""
    origins = [o for o in settings.cors_origins if o != "*"]
    headers: dict[str, str] = {}
    if origins or "*" in settings.cors_origins:
        origin = f"'{origins[0]}'" if len(origins) == 1 and "*" not in settings.cors_origins \
            else "method.request.header.origin"
        headers = {"gatewayresponse.header.Access-Control-Allow-Origin": origin,
                   "gatewayresponse.header.Access-Control-Allow-Credentials": "'true'",
                   "gatewayresponse.header.Vary": "'Origin'"}
    responses: dict[str, Any] = {}
    for kind, (status, error) in GATEWAY_RESPONSES.items():
        response: dict[str, Any] = {"responseTemplates": {"application/json": _error_template(product, error)}}
        if status:
            response["statusCode"] = status
        if headers:
            response["responseParameters"] = dict(headers)
        responses[kind] = response
    return responses


def outputs(defs: list[QueueDef], settings: Settings) -> dict[str, Any]:
    result: dict[str, Any] = {"BucketName": {"Value": {"Ref": "Bucket"}},
                              "SigningKeySecretArn": {"Value": {"Ref": "SigningKeySecret"}},
                              "AlertsTopicArn": {"Value": {"Ref": "AlertsTopic"}}}
    for queue in defs:
        result[logical_id(queue.key, "QueueUrl")] = {"Value": {"Ref": queue_id(queue)}}
    return result


def render(product: Product, consumers: list[ConsumerDef] | None = None) -> dict[str, Any]:
    """The merge fragment for the current stage (settings come from the environment); `consumers`
    are the app's batch consumers (`chalicelib.core.consumers.consumers(app)`)."""
    settings = get_settings()
    defs = queues(product)
    uploads = next((q for q in defs if q.key == "uploads"), None)
    resources: dict[str, Any] = {}
    resources.update(table_resources(product.models, settings))
    resources.update(queue_resources(defs))
    resources.update(consumer_resources(defs, consumers or []))
    resources.update(bucket_resources(bucket(product), uploads, settings))
    resources.update(alert_resources(defs, settings))
    resources.update(secret_resources(settings))
    # Merged into Chalice's RestAPI: part of its DefinitionBody, so API Gateway redeploys with it.
    resources["RestAPI"] = {"Properties": {"DefinitionBody": {
        "x-amazon-apigateway-gateway-responses": gateway_responses(product, settings)}}}
    return {"Description": f"CRM {product.slug} ({settings.stage}): API, workers, tables, bucket, queues",
            "Parameters": parameters(settings),
            "Conditions": {"HasBucketName": {"Fn::Not": [{"Fn::Equals": [{"Ref": "BucketName"}, ""]}]},
                           "HasCorsOrigins": {"Fn::Not": [{"Fn::Equals": [{"Ref": "CorsOrigins"}, ""]}]}},
            "Resources": resources, "Outputs": outputs(defs, settings)}
