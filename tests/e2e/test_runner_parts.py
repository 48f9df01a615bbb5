"""The runner's pure parts, in-process: schedule expressions, Lambda-shaped events, snapshots."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from local.events import scheduled_event, sqs_record
from local.schedules import Cron, Schedule, UnsupportedSchedule

pytestmark = pytest.mark.e2e


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_rate_fires_every_interval_from_start() -> None:
    schedule = Schedule.parse("r", "rate(5 minutes)")
    start = _at("2026-01-01T00:00:00")
    assert not schedule.due(start, None, start + 299)
    assert schedule.due(start, None, start + 300)
    assert not schedule.due(start, start + 300, start + 599)
    assert Schedule.parse("d", "rate(1 day)").every_seconds == 86400


def test_cron_matches_aws_fields_in_utc() -> None:
    cron = Cron.parse("30 2 * * ? *")
    assert cron.matches(datetime(2026, 3, 4, 2, 30, tzinfo=UTC))
    assert not cron.matches(datetime(2026, 3, 4, 2, 31, tzinfo=UTC))
    weekdays = Cron.parse("0 9 ? * MON-FRI *")
    assert weekdays.matches(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))  # a Friday
    assert not weekdays.matches(datetime(2026, 3, 7, 9, 0, tzinfo=UTC))  # a Saturday
    assert Cron.parse("0/15 * * * ? *").minutes == frozenset({0, 15, 30, 45})
    with pytest.raises(UnsupportedSchedule):
        Schedule.parse("x", "cron(0 0 L * ? *)")
    with pytest.raises(UnsupportedSchedule):
        Schedule.parse("x", "every day")


def test_cron_fires_once_per_matching_minute_and_not_in_the_start_up_minute() -> None:
    schedule = Schedule.parse("c", "cron(30 2 * * ? *)")
    started = _at("2026-01-01T02:30:10")
    assert not schedule.due(started, None, started + 5)
    next_day = _at("2026-01-02T02:30:01")
    assert schedule.due(started, None, next_day)
    assert not schedule.due(started, next_day, next_day + 30)


def test_events_have_the_lambda_shape() -> None:
    record = sqs_record({"MessageId": "m1", "ReceiptHandle": "r1", "Body": "{}",
                         "Attributes": {"ApproximateReceiveCount": "2"}}, "arn:aws:sqs:us-east-1:1:q", "us-east-1")
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:1:q" and record["eventSource"] == "aws:sqs"
    assert record["attributes"]["ApproximateReceiveCount"] == "2" and record["receiptHandle"] == "r1"
    event = scheduled_event("daily", "us-east-1")
    assert event["detail-type"] == "Scheduled Event" and event["resources"][0].endswith("rule/daily")


def test_snapshot_pickles_queues_with_their_locks_and_s3_bucket_index(aws_mock) -> None:
    import boto3

    from local import snapshot

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="snapshot-probe")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="kept")
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="snapshot-probe-bucket")
    state = pickle.loads(snapshot.dumps(snapshot.capture()))
    queue = state["sqs"]["accounts"]["123456789012"]["us-east-1"].queues["snapshot-probe"]
    assert [message.body for message in queue._messages] == ["kept"]
    assert "snapshot-probe-bucket" in state["s3"]["attributes"]["bucket_accounts"]


def test_a_snapshot_from_another_moto_version_is_set_aside(tmp_path) -> None:
    import json

    from local.snapshot import Store, dumps

    store = Store(tmp_path)
    store.save(dumps({"sqs": {"accounts": {}, "attributes": {}}}))
    assert store.load()[0] == {"sqs": {"accounts": {}, "attributes": {}}}
    meta = json.loads(store.meta_path.read_text())
    store.meta_path.write_text(json.dumps({**meta, "moto": "0.0.1"}))
    state, message = store.load()
    assert state is None and "moto 0.0.1" in message and "starting empty" in message
    assert not store.state_path.exists() and (tmp_path / "moto-state.pickle.0.0.1.bak").exists()
