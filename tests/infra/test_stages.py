"""`.chalice/config.json`: a stage per product with its settings, an exact IAM policy, sane timeouts."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from chalicelib.core.config import get_settings, reset_settings
from infra.fixups import fix_log_group_names, point_sqs_events_at_queues
from infra.policy import policy_document, policy_path, render_policy
from infra.stages import load_config, stage_environment, stage_names
from infra.template import topic_name

REQUIRED = ("CRM_PRODUCT", "CRM_STAGE", "CRM_TABLE_PREFIX", "CRM_BUCKET", "CRM_UPLOADS_QUEUE", "CRM_OTP_QUEUE",
            "CRM_ASSIGNMENT_QUEUE", "CRM_CORS_ORIGINS", "CRM_JWT_ISSUER", "CRM_JWT_CLIENT_ID",
            "CRM_SIGNING_KEY_SECRET")


@pytest.fixture()
def stage_settings(monkeypatch):
    """The settings a stage's Lambdas see (the tests' own come back afterwards)."""
    def load(stage: str):
        for name, value in stage_environment(stage).items():
            monkeypatch.setenv(name, value)
        reset_settings()
        return get_settings()

    yield load
    monkeypatch.undo()
    reset_settings()


def test_repaysync_stage_exists_and_stages_are_named_after_products():
    assert "repaysync" in stage_names()
    for stage in stage_names():
        env = stage_environment(stage)
        assert env["CRM_PRODUCT"] == stage
        assert all(env.get(name) for name in REQUIRED), f"{stage} lacks some of {REQUIRED}"


def test_config_is_packaged_with_our_policy():
    config = load_config()
    assert config["autogen_policy"] is False
    for stage in stage_names():
        assert config["stages"][stage]["iam_policy_file"] == f"policy-{stage}.json"
        assert config["stages"][stage]["api_gateway_stage"]


@pytest.mark.parametrize("stage", stage_names())
def test_committed_policy_file_is_current(stage, stage_settings):
    """`make package` rewrites it; commit the result."""
    assert policy_path(stage).read_text() == render_policy(stage_settings(stage))


@pytest.mark.parametrize("stage", stage_names())
def test_policy_grants_the_stage_resources_and_nothing_wider(stage, stage_settings):
    settings = stage_settings(stage)
    from chalicelib.core.resources import queues

    statements = {s["Sid"]: s for s in policy_document(settings)["Statement"]}

    def allowed(sid: str, arn: str) -> bool:
        resources = statements[sid]["Resource"]
        return any(fnmatchcase(arn, pattern) for pattern in ([resources] if isinstance(resources, str) else resources))

    table = f"arn:aws:dynamodb:eu-west-1:123456789012:table/{settings.table_name('customers')}"
    assert allowed("Tables", table) and allowed("Tables", f"{table}/index/by-officer")
    assert not allowed("Tables", "arn:aws:dynamodb:eu-west-1:123456789012:table/prod-otherproduct-customers")
    assert "dynamodb:Scan" not in statements["Tables"]["Action"]
    assert allowed("BucketObjects", f"arn:aws:s3:::{settings.bucket}/imports/a.csv")
    assert not allowed("BucketObjects", "arn:aws:s3:::another-bucket/x")
    for queue in queues():
        assert allowed("Queues", f"arn:aws:sqs:eu-west-1:123456789012:{queue.name}")
        assert not allowed("Queues", f"arn:aws:sqs:eu-west-1:123456789012:{queue.dlq_name}")
    assert allowed("Alerts", f"arn:aws:sns:eu-west-1:123456789012:{topic_name(settings)}")
    secret = f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{settings.signing_key_secret}-AbC123"
    assert allowed("SigningKey", secret)
    assert not allowed("SigningKey", f"{secret}-more")
    assert {"secretsmanager:GetSecretValue", "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue"} <= set(
        statements["SigningKey"]["Action"])


def test_queue_workers_finish_within_the_visibility_timeout():
    """A worker still running when its message reappears would process it twice at once.

    The app is built under the tests' settings (models and caches must not see a stage's names);
    only the stage's Lambda timeouts are read from the config, as Chalice reads them."""
    from chalice.config import Config

    from chalicelib.core.app_factory import create_app
    from chalicelib.core.resources import queues

    visibility = {q.name: q.visibility_timeout for q in queues()}
    for stage in stage_names():
        app = create_app(stage_environment(stage)["CRM_PRODUCT"])
        workers = [source for source in app.event_sources if getattr(source, "queue", None)]
        for source in workers:
            config = Config(chalice_stage=stage, function_name=source.name, config_from_disk=load_config())
            assert config.lambda_timeout < visibility[source.queue], f"{source.name} outlives its message"
    assert workers, "expected at least the uploads worker"


def test_fixups_point_sqs_events_at_queue_resources_and_fix_log_group_names():
    template = {"Resources": {
        "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {}},
        "ApiHandlerLogGroup": {"Type": "AWS::Logs::LogGroup",
                               "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${ApiHandler}"}}},
        "Worker": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {"WorkerSqs": {
            "Type": "SQS", "Properties": {"Queue": {
                "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:prod-x-uploads"}}}}}},
        "WorkerLogGroup": {"Type": "AWS::Logs::LogGroup",
                           "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${Worker}"}}},
    }}
    assert point_sqs_events_at_queues(template, {"prod-x-uploads": "UploadsQueue"}) == ["Worker.WorkerSqs"]
    assert template["Resources"]["Worker"]["Properties"]["Events"]["WorkerSqs"]["Properties"]["Queue"] == {
        "Fn::GetAtt": ["UploadsQueue", "Arn"]}
    assert fix_log_group_names(template) == ["ApiHandlerLogGroup"]
    assert template["Resources"]["ApiHandlerLogGroup"]["Properties"]["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/${APIHandler}"}
    assert template["Resources"]["WorkerLogGroup"]["Properties"]["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/${Worker}"}


def test_lambda_runtime_is_python_311():
    """Chalice takes the runtime from the interpreter that packages: the Makefile's python3.11 venv."""
    from chalice.config import Config

    assert Config(chalice_stage=stage_names()[0], config_from_disk=load_config()).lambda_python_version == "python3.11"
