"""`.chalice/config.json`: a stage per product with its settings, an exact IAM policy, sane timeouts."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from chalicelib.core.config import get_settings, reset_settings
from infra.fixups import fix_log_group_names, point_sqs_events_at_queues
from infra.policy import config_entries, functions, policy_document, policy_path, render_policy
from infra.stages import load_config, stage_environment, stage_names

REQUIRED = ("CRM_PRODUCT", "CRM_STAGE", "CRM_TABLE_PREFIX", "CRM_BUCKET", "CRM_CORS_ORIGINS", "CRM_JWT_ISSUER",
            "CRM_JWT_CLIENT_ID", "CRM_SIGNING_KEY_SECRET")


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


def test_a_stage_names_exactly_the_queues_its_product_declares():
    from chalicelib.core.app_factory import create_app

    for stage in stage_names():
        env = stage_environment(stage)
        product = create_app(env["CRM_PRODUCT"]).crm_product
        declared = {f"CRM_{queue.key.upper()}_QUEUE" for queue in product.queues}
        assert {name for name in env if name.startswith("CRM_") and name.endswith("_QUEUE")} == declared, stage


@pytest.mark.parametrize("stage", stage_names())
def test_a_stage_environment_is_valid_for_its_products_settings(stage, monkeypatch):
    from chalicelib.core.app_factory import product_module
    from chalicelib.core.config import Settings, load_settings

    env = stage_environment(stage)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings_class = getattr(product_module(env["CRM_PRODUCT"]), "settings_class", lambda: Settings)()
    settings = load_settings(settings_class)  # a SettingsError names the variable to fix
    assert (settings.product, settings.stage, settings.bucket) == (stage, env["CRM_STAGE"], env["CRM_BUCKET"])


def test_config_gives_every_function_its_own_policy():
    from chalicelib.core.app_factory import create_app

    config = load_config()
    assert config["autogen_policy"] is False
    for stage in stage_names():
        stage_config = config["stages"][stage]
        assert stage_config["api_gateway_stage"]
        assert "iam_policy_file" not in stage_config  # no shared policy: one per function
        app = create_app(stage_environment(stage)["CRM_PRODUCT"])
        assert stage_config["lambda_functions"] == config_entries(stage, functions(app))


@pytest.mark.parametrize("stage", stage_names())
def test_committed_policy_files_are_current(stage, stage_settings):
    """`make package` rewrites them; commit the result."""
    from chalicelib.core.app_factory import create_app

    app = create_app(stage_environment(stage)["CRM_PRODUCT"])  # under the tests' settings: names differ
    fns = functions(app)
    settings = stage_settings(stage)
    for function in fns:
        assert policy_path(stage, function).read_text() == render_policy(function, settings), function.name


@pytest.mark.parametrize("stage", stage_names())
def test_policies_grant_the_stage_resources_and_nothing_wider(stage, stage_settings):
    from chalicelib.core.app_factory import create_app

    app = create_app(stage_environment(stage)["CRM_PRODUCT"])
    by_name = {f.name: f for f in functions(app)}
    settings = stage_settings(stage)

    def allowed(name: str, action: str, arn: str) -> bool:
        if name not in by_name:  # a function this product does not have (VST has no uploads worker)
            return False
        subs = {"${AWS::Partition}": "aws", "${AWS::Region}": "eu-west-1", "${AWS::AccountId}": "123456789012",
                "${AWS::StackName}": "crm-x", "${Bucket}": "the-bucket",
                "${SigningKeySecret}": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbC123"}
        for statement in policy_document(by_name[name], settings)["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                pattern = resource["Fn::Sub"] if isinstance(resource, dict) else resource
                for key, value in subs.items():
                    pattern = pattern.replace(key, value)
                if action in statement["Action"] and fnmatchcase(arn, pattern):
                    return True
        return False

    region = "arn:aws:dynamodb:eu-west-1:123456789012"
    table = f"{region}:table/{settings.table_name('customers')}"
    assert allowed("api_handler", "dynamodb:Query", f"{table}/index/by-officer")
    assert not allowed("api_handler", "dynamodb:GetItem", f"{region}:table/prod-otherproduct-customers")
    assert not allowed("api_handler", "dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:999999999999:table/"
                                                           f"{settings.table_name('customers')}")
    assert not allowed("daily_followups", "dynamodb:PutItem", table)
    assert allowed("api_handler", "s3:PutObject", "arn:aws:s3:::the-bucket/imports/customers/x/a.csv")
    assert not allowed("api_handler", "s3:GetObject", "arn:aws:s3:::the-bucket/reports/x.csv")
    if "uploads_worker" in by_name:
        assert allowed("uploads_worker", "s3:GetObject", "arn:aws:s3:::the-bucket/imports/customers/x/a.csv")
    assert not allowed("uploads_worker", "s3:GetObject", "arn:aws:s3:::another-bucket/imports/a.csv")
    if "daily_followups" in by_name:
        assert allowed("daily_followups", "s3:PutObject", "arn:aws:s3:::the-bucket/reports/followups/d.csv")
    assert not allowed("daily_followups", "s3:PutObject", "arn:aws:s3:::the-bucket/imports/x.csv")
    uploads = f"arn:aws:sqs:eu-west-1:123456789012:{settings.uploads_queue}"
    if "uploads_worker" in by_name:
        assert allowed("uploads_worker", "sqs:ReceiveMessage", uploads)
    assert not allowed("api_handler", "sqs:ReceiveMessage", uploads)
    # A record's create, change or delete rewrites its search terms in the same request, with one
    # BatchWriteItem (core/db/search.py PrefixIndex.replace)
    product = stage_environment(stage)["CRM_PRODUCT"]
    for model in app.crm_product.models:
        entity = model.Meta.table_name.split(f"{product}-", 1)[1]
        if entity.endswith("-search"):
            assert allowed("api_handler", "dynamodb:BatchWriteItem", f"{region}:table/{settings.table_name(entity)}")
    secret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbC123"
    assert allowed("jwt_authorizer", "secretsmanager:GetSecretValue", secret)
    assert not allowed("jwt_authorizer", "secretsmanager:PutSecretValue", secret)
    assert not allowed("uploads_worker", "secretsmanager:GetSecretValue", secret)
    logs = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/crm-x-JwtAuthorizer-AbC123:log-stream:s"
    assert allowed("jwt_authorizer", "logs:PutLogEvents", logs)
    assert not allowed("api_handler", "logs:PutLogEvents", logs)


def test_queue_workers_finish_within_the_visibility_timeout():
    """A worker still running when its message reappears would process it twice at once.

    The app is built under the tests' settings (models and caches must not see a stage's names);
    only the stage's Lambda timeouts are read from the config, as Chalice reads them."""
    from chalice.config import Config

    from chalicelib.core.app_factory import create_app
    from chalicelib.core.resources import queues

    checked = []
    for stage in stage_names():
        app = create_app(stage_environment(stage)["CRM_PRODUCT"])
        visibility = {q.name: q.visibility_timeout for q in queues(app.crm_product)}
        workers = [source for source in app.event_sources if getattr(source, "queue", None)]
        checked += workers
        for source in workers:
            config = Config(chalice_stage=stage, function_name=source.name, config_from_disk=load_config())
            assert config.lambda_timeout < visibility[source.queue], f"{source.name} outlives its message"
    assert checked, "expected at least RepaySync's uploads worker"


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
