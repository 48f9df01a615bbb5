"""VST completion by OTP: request_otp stores only a keyed hash and queues the SMS, the `otp` worker
sends it to the card owner's phone through SNS, verify_otp completes the service with its entry in
one transaction; expiry, 5 attempts, replacement, the dev switch, who may do what."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from tests.vst.test_services import SERVICES, book, new_card

WORK = {"work_detail": "Replaced valve, cleaned filter",
        "parts_replaced": [{"code": "P01", "qty": 1, "price": 120.0}], "amount_charged": 0.0,
        "next_service_date": "2026-03-15"}


@pytest.fixture()
def dev_otp(setting):
    """CRM_DEV_RETURN_OTP=true: request_otp answers the code (the embedded stack's switch)."""
    setting("CRM_DEV_RETURN_OTP", "true")


def assigned(world, worker: str = "worker") -> dict[str, Any]:
    service = book(world, new_card(world))
    world.client("admin").post(f"{SERVICES}{service['id']}/assign/", {"assigned_to": world.users[worker].id},
                               expect=200)
    return service


def deliver(world) -> list[dict[str, Any]]:
    """Run the otp worker on what is queued; answers the messages handled."""
    return world.deliver("otp_worker")


def sms_sent() -> dict[str, tuple[str, str]]:
    from moto.backends import get_backend

    return dict(get_backend("sns")["123456789012"]["us-east-1"].sms_messages)


def code_in(text: str) -> str:
    return re.search(r"OTP is ([0-9]{4})", text).group(1)


def stored(service_id: int) -> Any:
    from chalicelib.products.vst.models import Service

    return Service.get(service_id, consistent_read=True)


def test_the_otp_goes_by_sms_to_the_card_owner_and_completes_the_service_with_its_entry(world):
    service = assigned(world)
    path = f"{SERVICES}{service['id']}/"
    before = set(sms_sent())
    answer = world.client("worker").post(f"{path}request_otp/", expect=200).json_body
    assert answer == {"detail": "otp-sent"}  # no OTP in the answer by default
    record = stored(service["id"])
    assert record.status == "awaiting_otp" and record.otp_hash and "$" in record.otp_hash
    assert record.otp_expires_at - record.otp_requested_at == timedelta(minutes=10)
    assert len(deliver(world)) == 1
    new = [sms for key, sms in sms_sent().items() if key not in before]
    assert len(new) == 1 and new[0][0] == world.users["customer"].phone
    code = code_in(new[0][1])
    assert code not in record.otp_hash
    detail = world.client("customer").get(path, expect=200).json_body
    assert detail["status"] == "awaiting_otp" and detail["otp_expires_at"] and "otp_hash" not in detail
    done = world.client("worker").post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=200).json_body
    assert done["detail"] == "Service completed" and done["service"]["status"] == "completed"
    assert done["entry"]["work_detail"] == WORK["work_detail"] and done["entry"]["service"] == service["id"]
    assert done["entry"]["parts_replaced"] == [{"code": "P01", "qty": 1, "price": 120.0}]
    assert done["entry"]["amount_charged"] == 0.0 and done["entry"]["created_by"] == world.users["worker"].id
    record = stored(service["id"])
    assert record.status == "completed" and record.completed_at
    assert (record.otp_hash, record.otp_expires_at, record.otp_requested_at) == (None, None, None)
    detail = world.client("customer").get(path, expect=200).json_body
    assert [e["id"] for e in detail["entries"]] == [done["entry"]["id"]]
    assert [m["action"] for m in detail["history"]] == ["assign", "request_otp", "complete"]
    world.client("worker").post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=409)  # completed already
    world.client("worker").post(f"{path}request_otp/", expect=409)


def test_the_dev_switch_answers_the_otp_and_a_second_request_replaces_the_first(world, dev_otp):
    deliver(world)  # what earlier tests left queued
    service = assigned(world)
    path = f"{SERVICES}{service['id']}/"
    first = world.client("worker").post(f"{path}request_otp/", expect=200).json_body
    assert first["detail"] == "otp-sent" and re.fullmatch(r"[0-9]{4}", first["otp"])
    second = world.client("admin").post(f"{path}request_otp/", expect=200).json_body["otp"]
    before = set(sms_sent())
    assert len(deliver(world)) == 2  # the first job is dropped: its code was replaced
    new = [text for key, (_, text) in sms_sent().items() if key not in before]
    assert [code_in(text) for text in new] == [second]
    if first["otp"] != second:
        answer = world.client("worker").post(f"{path}verify_otp/", {"otp": first["otp"], **WORK}, expect=400)
        assert answer.json_body == {"otp": ["Invalid OTP."]}
    world.client("worker").post(f"{path}verify_otp/", {"otp": second, **WORK}, expect=200)


def test_five_attempts_then_the_otp_is_void(world, dev_otp):
    service = assigned(world)
    path = f"{SERVICES}{service['id']}/"
    code = world.client("worker").post(f"{path}request_otp/", expect=200).json_body["otp"]
    wrong = f"{(int(code) + 1) % 10000:04d}"
    worker = world.client("worker")
    for _ in range(5):
        assert worker.post(f"{path}verify_otp/", {"otp": wrong, **WORK}, expect=400).json_body == {
            "otp": ["Invalid OTP."]}
    void = worker.post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=400).json_body
    assert void == {"otp": ["Too many wrong attempts: this OTP is void; request a new one."]}
    assert stored(service["id"]).otp_hash is None
    assert "request one" in worker.post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=400).json_body["otp"][0]
    fresh = worker.post(f"{path}request_otp/", expect=200).json_body["otp"]
    worker.post(f"{path}verify_otp/", {"otp": fresh, **WORK}, expect=200)


def test_an_expired_otp_is_refused(world, dev_otp):
    from chalicelib.core.db.base import utcnow
    from chalicelib.products.vst.models import Service

    service = assigned(world)
    path = f"{SERVICES}{service['id']}/"
    code = world.client("worker").post(f"{path}request_otp/", expect=200).json_body["otp"]
    record = stored(service["id"])
    record.update(actions=[Service.otp_expires_at.set(utcnow() - timedelta(seconds=1))])
    answer = world.client("worker").post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=400).json_body
    assert answer == {"otp": ["The OTP has expired; request a new one."]}
    before = set(sms_sent())
    deliver(world)  # the job of an expired code sends nothing
    assert set(sms_sent()) == before


def test_who_may_request_and_verify(world, dev_otp):
    service = assigned(world)
    path = f"{SERVICES}{service['id']}/"
    world.client("customer").post(f"{path}request_otp/", expect=403)
    world.client("other_worker").post(f"{path}request_otp/", expect=404)  # not assigned to them
    world.client(None).post(f"{path}request_otp/", expect=401)
    world.client("worker").post(f"{SERVICES}999999/request_otp/", expect=404)
    world.client("worker").post(f"{path}verify_otp/", {"otp": "1234", **WORK}, expect=409)  # no OTP asked yet
    code = world.client("worker").post(f"{path}request_otp/", expect=200).json_body["otp"]
    world.client("customer").post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=403)
    world.client("admin").post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=403)  # the assigned staff only
    world.client("other_worker").post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=404)
    world.client(None).post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=401)
    for bad in ({"otp": "12345", **WORK}, {"otp": "12a4", **WORK}, {"otp": code},
                {"otp": code, **WORK, "amount_charged": -1}, {"otp": code, **WORK, "amount_charged": 1.234},
                {"otp": code, **WORK, "parts_replaced": [{"code": "P01", "qty": 0, "price": 1}]},
                {"otp": code, **WORK, "next_service_date": "15-03-2026"}):
        world.client("worker").post(f"{path}verify_otp/", bad, expect=400)
    pending = book(world, new_card(world))
    world.client("admin").post(f"{SERVICES}{pending['id']}/request_otp/", expect=409)  # nobody assigned yet


def test_a_poison_job_fails_alone_and_the_others_are_sent(world, dev_otp):
    from chalicelib.core import aws, queues

    deliver(world)  # what earlier tests left queued
    service = assigned(world)
    world.client("worker").post(f"{SERVICES}{service['id']}/request_otp/", expect=200)
    queues.send("otp", {"nonsense": True})
    before = set(sms_sent())
    world.deliver("otp_worker", expect_success=False)  # the poison one reported failed; the good one sent
    assert len(set(sms_sent()) - before) == 1
    with world.settings():
        left = aws.sqs().receive_message(QueueUrl=aws.queue_url("otp"), MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert [json.loads(m["Body"]) for m in left.get("Messages", [])] == [{"nonsense": True}]


def test_the_dev_switch_is_refused_in_a_lambda(monkeypatch):
    from chalicelib.core.config import SettingsError, load_settings
    from chalicelib.products.vst.settings import VstSettings

    monkeypatch.setenv("CRM_DEV_RETURN_OTP", "true")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "crm-vst-api_handler")
    with pytest.raises(SettingsError, match="never in AWS"):
        load_settings(VstSettings)
    monkeypatch.delenv("CRM_DEV_RETURN_OTP")
    assert load_settings(VstSettings).dev_return_otp is False
