"""Settings read from the environment: validated at start-up with the variable's name, extended per product,
and two differently configured products (RepaySync and a tiny one) side by side in one process."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import Field

from chalicelib.core.config import Settings, SettingsError, current_settings, load_settings
from tests.core.logcapture import FakeLambdaContext, json_logs

SCHEDULED_EVENT = {"version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events",
                   "account": "123456789012", "time": "2026-11-28T00:00:00Z", "region": "us-east-1",
                   "resources": ["arn:aws:events:us-east-1:123456789012:rule/tiny_tick"], "detail": {}}


class TinySettings(Settings):
    greeting: str = Field("hello", min_length=1, max_length=20)


def tiny_product() -> Any:
    """A product of a few lines: its own settings class, one queue, one schedule, a public and a
    private route."""
    import logging

    from chalicelib.core.api import Api, Call
    from chalicelib.core.auth.store import revocation_model
    from chalicelib.core.errors import render_coded
    from chalicelib.core.product import Product, QueueSpec, ScheduleSpec

    api = Api("tiny", render_coded)

    @api.route("/api/about/", ["GET", "POST"], public=True)
    def about(call: Call) -> dict[str, Any]:
        settings = current_settings(TinySettings)
        return {"product": settings.product, "bucket": settings.bucket, "greeting": settings.greeting,
                "issuer": settings.jwt_issuer}

    @api.route("/api/me/", ["GET"])
    def me(call: Call) -> dict[str, Any]:
        return {"sub": call.user.subject}

    def tick() -> str:
        logging.getLogger("crm.tiny").info("tick")
        greeting = current_settings(TinySettings).greeting
        if greeting == "boom":
            raise RuntimeError("the report bucket is gone")
        return greeting

    return Product(slug="tiny", api=api, models=[revocation_model("tiny")], roles=("member",), admin_role="member",
                   queues=(QueueSpec("jobs", visibility_timeout=45),),
                   schedules=(ScheduleSpec("tiny_tick", "rate(5 minutes)", tick),))


@pytest.fixture()
def both(app):
    """RepaySync as app.py builds it, and the tiny product next to it with its own settings."""
    from chalice.test import Client

    from chalicelib.core.app_factory import assemble_app
    from chalicelib.core.db.tables import ensure_tables
    from local.resources import create_buckets_and_queues

    settings = load_settings(TinySettings, product="tiny", greeting="selamat", max_body_bytes=100,
                             signing_key_secret=load_settings().signing_key_secret)  # one key ring per process
    product = tiny_product()
    tiny = assemble_app(product, settings)
    ensure_tables(product.models)
    with Client(app) as repaysync_client, Client(tiny) as tiny_client:
        yield {"repaysync": repaysync_client, "tiny": tiny_client, "tiny_app": tiny, "tiny_product": product,
               "tiny_settings": settings, "queues": create_buckets_and_queues(product)}


def tiny_token(both) -> str:
    from chalicelib.core.auth.authorizer import product_tokens
    from chalicelib.core.auth.principal import Principal
    from chalicelib.core.config import using_settings

    with using_settings(both["tiny_settings"]):
        return product_tokens(both["tiny_product"]).issue(
            Principal(subject="t1", username="tina", roles=frozenset({"member"}))).access


def test_each_product_answers_with_its_own_settings(both):
    about = both["tiny"].http.get("/api/about/")
    assert about.json_body == {"product": "tiny", "bucket": "crm-test-tiny", "greeting": "selamat",
                               "issuer": "https://auth.crm.local/test/tiny"}
    # the tiny product takes 100-byte bodies; RepaySync, next to it, still its 6 MB
    padding = "x" * 200
    assert both["tiny"].http.post("/api/about/", headers={"Content-Type": "application/json"},
                                  body=json.dumps({"p": padding}).encode()).status_code == 413
    login = both["repaysync"].http.post("/api/auth/token/", headers={"Content-Type": "application/json"},
                                        body=json.dumps({"username": "nobody", "password": padding}).encode())
    assert login.status_code == 401
    assert login.json_body == {"error": "No active account found with the given credentials."}


def test_a_token_of_one_product_is_refused_by_the_other(both):
    token = tiny_token(both)
    assert both["tiny"].http.get("/api/me/", headers={"Authorization": f"Bearer {token}"}).json_body == {"sub": "t1"}
    refused = both["repaysync"].http.get("/api/customers/", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401  # another issuer and client id


def test_a_product_creates_only_the_queues_it_declares(both):
    from chalicelib.core import aws

    assert set(both["queues"]) == {"jobs", "jobs-dlq"}
    url = both["queues"]["jobs"]
    assert url.endswith("/test-tiny-jobs")
    attributes = aws.sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "45"


def test_a_schedule_runs_with_its_products_settings_and_the_lambda_request_id(both):
    from local.events import schedule_expressions

    assert schedule_expressions(both["tiny_app"]) == {"tiny_tick": "rate(5 minutes)"}
    with json_logs() as lines:
        result = both["tiny_app"].handler_map["tiny_tick"](SCHEDULED_EVENT, FakeLambdaContext("sched-req-9"))
    assert result == "selamat"
    ticks = [(line["message"], line["correlation_id"]) for line in lines.with_message("tick")]
    assert ticks == [("tick", "sched-req-9")]


def test_a_bad_value_stops_the_build_naming_the_variable(monkeypatch):
    from chalicelib.core.app_factory import create_app
    from chalicelib.core.config import reset_settings

    monkeypatch.setenv("CRM_LOCKOUT_MAX_FAILURES", "five")
    reset_settings()
    with pytest.raises(SettingsError, match=r"CRM_LOCKOUT_MAX_FAILURES='five': Input should be a valid integer"):
        create_app("repaysync")
    monkeypatch.delenv("CRM_LOCKOUT_MAX_FAILURES")
    monkeypatch.setenv("CRM_REGISTER_PER_ADDRESS", "0")  # RepaySync's own field
    reset_settings()
    with pytest.raises(SettingsError, match=r"CRM_REGISTER_PER_ADDRESS='0': Input should be greater than 0"):
        create_app("repaysync")
    reset_settings()


def test_variables_are_read_typed_and_derived(monkeypatch):
    monkeypatch.setenv("CRM_CORS_ORIGINS", " https://a.example , https://b.example,")
    monkeypatch.setenv("CRM_ACCESS_TTL_MINUTES", "")  # empty means the default
    monkeypatch.setenv("COGNITO_ISSUER", "https://cognito-idp.example/pool")
    settings = load_settings(TinySettings, product="tiny", stage="qa", table_prefix="")
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.access_ttl_minutes is None and settings.cognito_issuer == "https://cognito-idp.example/pool"
    assert (settings.bucket, settings.queue_name("uploads"), settings.queue_name("jobs")) == \
        ("crm-qa-tiny", "tiny-uploads", "tiny-jobs")
    assert settings.signing_key_secret == "tiny-jwt-signing-key" and settings.greeting == "hello"
    with pytest.raises(SettingsError, match=r"CRM_GREETING=''"):
        load_settings(TinySettings, greeting="")


def test_a_failing_schedule_logs_one_line_with_its_traceback_and_request_id(both):
    from chalicelib.core.app_factory import assemble_app

    settings = load_settings(TinySettings, product="tiny", greeting="boom")
    app = assemble_app(tiny_product(), settings)
    with json_logs() as lines, pytest.raises(RuntimeError):
        app.handler_map["tiny_tick"](SCHEDULED_EVENT, FakeLambdaContext("sched-7"))
    failures = lines.with_message("schedule tiny_tick failed")
    assert len(failures) == 1 and failures[0]["correlation_id"] == "sched-7"
    assert "the report bucket is gone" in failures[0]["exception"]


def test_variables_follow_their_precedence_and_explicit_values_win(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "")  # empty: the next name is read
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    monkeypatch.setenv("crm_greeting", "namaste")  # names match without regard to case
    monkeypatch.setenv("CRM_LOCKOUT_MINUTES", "30")
    settings = load_settings(TinySettings, lockout_minutes=7)
    assert (settings.region, settings.greeting, settings.lockout_minutes) == ("ap-south-1", "namaste", 7)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert load_settings(TinySettings).region == "eu-west-1"
    with pytest.raises(SettingsError, match=r"AWS_DEFAULT_REGION=5: Input should be a valid string"):
        load_settings(TinySettings, region=5)
