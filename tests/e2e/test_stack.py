"""The embedded stack end to end: a real `python -m local.run` on a free port."""

from __future__ import annotations

import json
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import BUCKET, UPLOADS_QUEUE, Stack, port_is_free, processes_mentioning, run_cli, wait_for

pytestmark = pytest.mark.e2e

CUSTOMER = {"name": "Asha Rao", "phone": "+91-9876543210", "email": "asha@example.com",
            "address_line_1": "12 Park St", "city": "Kolkata", "state": "WB", "pincode": "700016",
            "date_of_birth": "1990-01-01"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory):
    running = Stack(tmp_path_factory.mktemp("e2e") / "data")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_admin_logs_in_and_makes_a_bearer_request(stack: Stack) -> None:
    token = stack.login()
    status, users = stack.request("GET", "/api/users/", token=token)
    assert status == 200, users
    usernames = [user["username"] for user in (users["results"] if isinstance(users, dict) else users)]
    assert "admin" in usernames
    assert stack.request("GET", "/api/users/")[0] == 401
    assert "admin" in stack.output() and "admin12345" in stack.output()  # printed at start-up


def test_a_list_links_its_next_page_with_an_absolute_url(stack: Stack) -> None:
    """RFC 8288 `Link` from the real HTTP server: the URL is where the client sent the request."""
    import urllib.request

    token = stack.login()
    stack.request("GET", "/api/users/", token=token)  # the log now holds at least two requests

    def get(url: str) -> tuple[Any, list[Any]]:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers, json.loads(response.read())

    headers, first = get(f"{stack.url}/api/logs/?page_size=1")
    target, _, rel = headers["Link"].partition(";")
    assert rel.strip() == 'rel="next"' and target.startswith(f"<{stack.url}/api/logs/?"), headers["Link"]
    _, second = get(target.strip()[1:-1])
    assert len(first) == len(second) == 1 and second[0]["id"] < first[0]["id"]


def test_object_put_in_the_bucket_is_imported(stack: Stack) -> None:
    token = stack.login()
    name = f"Bucket Import {uuid.uuid4().hex[:6]}"
    header = ",".join(["name", "phone", "email", "address_line_1", "city", "state", "pincode"])
    row = ",".join([name, "+91-9000000001", "bucket@example.com", "1 Lake Rd", "Pune", "MH", "411001"])
    stack.aws("s3").put_object(Bucket=BUCKET, Key=f"imports/customers/{uuid.uuid4().hex}/people.csv",
                               Body=f"{header}\n{row}\n".encode())

    def imported() -> bool:
        status, body = stack.request("GET", "/api/customers/", token=token)
        rows = body["results"] if isinstance(body, dict) else body
        return status == 200 and any(customer["name"] == name for customer in rows)

    assert wait_for(imported, timeout=20), stack.output()[-3000:]


def test_poison_message_reaches_the_dlq(stack: Stack) -> None:
    sqs = stack.aws("sqs")
    url = sqs.get_queue_url(QueueName=UPLOADS_QUEUE)["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName=f"{UPLOADS_QUEUE}-dlq")["QueueUrl"]
    marker = f"not json {uuid.uuid4().hex}"
    sqs.send_message(QueueUrl=url, MessageBody=marker)
    seen: list[str] = []

    def parked() -> bool:
        for message in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                           WaitTimeSeconds=0).get("Messages", []):
            seen.append(message["Body"])
        return marker in seen

    assert wait_for(parked, timeout=25, interval=0.5), stack.output()[-3000:]
    assert "uploads_worker failed" in stack.output()


def test_make_schedule_fires_in_the_running_stack(stack: Stack) -> None:
    done = run_cli(stack.data_dir, "--fire", "daily_followups")
    assert done.returncode == 0, done.stdout + done.stderr
    reports = stack.aws("s3").list_objects_v2(Bucket=BUCKET, Prefix="reports/").get("Contents", [])
    assert reports, stack.output()[-3000:]
    unknown = run_cli(stack.data_dir, "--fire", "no_such_schedule")
    assert unknown.returncode == 1
    assert "daily_followups" in unknown.stdout  # the message lists what exists


def _stop_cleanly(stack: Stack) -> None:
    moto_port = int(stack.control()["moto"].rsplit(":", 1)[1])
    assert stack.stop(signal.SIGINT) == 0, stack.output()
    assert port_is_free(stack.port) and port_is_free(moto_port)
    assert not processes_mentioning(f"--port {stack.port}")
    assert not (stack.data_dir / "control.json").exists()
    assert "state saved" in stack.output()


def test_state_survives_a_restart_and_sigint_cleans_up(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = Stack(data).start()
    try:
        token = first.login()
        status, created = first.request("POST", "/api/customers/", CUSTOMER, token=token)
        assert status == 201, created
        _, jwks = first.request("GET", "/.well-known/jwks.json")
    except BaseException:
        first.kill()
        raise
    _stop_cleanly(first)

    # With the stack stopped, `make schedule` runs on the saved state and saves its result.
    offline = run_cli(data, "--fire", "daily_followups")
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert "not running" in offline.stdout

    # The same data dir again, this time with the product in a child process (the multi-product path).
    second = Stack(data, first.port, "--isolate").start()
    try:
        status, again = second.request("GET", f"/api/customers/{created['id']}/", token=second.login())
        assert status == 200 and again["name"] == CUSTOMER["name"], again
        assert second.request("GET", "/.well-known/jwks.json")[1] == jwks  # same signing key
        reports = second.aws("s3").list_objects_v2(Bucket="crm-e2e-repaysync", Prefix="reports/")
        assert reports.get("KeyCount", 0) >= 1
        assert json.loads((data / "moto-state.json").read_text())["moto"]
        fired = run_cli(data, "--fire", "daily_followups")  # reaches the child through the supervisor
        assert fired.returncode == 0, fired.stdout + fired.stderr
    except BaseException:
        second.kill()
        raise
    _stop_cleanly(second)


def test_sms_are_written_to_the_log(stack: Stack) -> None:
    stack.aws("sns").publish(PhoneNumber="+911111111111", Message="Your OTP is 424242")
    assert wait_for(lambda: "SMS to +911111111111: Your OTP is 424242" in stack.output(), timeout=10)


def test_docs_are_served_when_the_docs_module_exists(stack: Stack) -> None:
    pytest.importorskip("local.docs")
    status, page = stack.request("GET", "/docs")
    assert status in (200, 503) and "swagger" in str(page).lower()  # 503: the UI package is not installed
