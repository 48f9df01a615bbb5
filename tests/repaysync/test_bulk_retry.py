"""A bucket import that dies part-way through a chunk, then is delivered again: every good row exactly
once, with the same ids, and the counts of the whole file (batches of 100 rows, several at once)."""

from __future__ import annotations

import contextlib
import json

import pytest

from tests.repaysync.test_bulk import CUSTOMER_HEADER

ROWS = 250  # one chunk (1,000 rows) of three batches: the crash lands in the middle of the chunk


def customers_csv() -> bytes:
    lines = [CUSTOMER_HEADER]
    for n in range(ROWS):
        code = f"RT{n:05d}" if n % 2 else ""  # every other row gets a generated code
        lines.append(f"{code},Retry {n},98765{n:05d},,{n} Retry Rd,,Kolkata,WB,700016,")
    lines[11] = "CUST0,Taken Code,9876599999,,1 Rd,,Kolkata,WB,700016,"  # row 11: the world's code
    lines[42] = ",Bad State,9876599998,,2 Rd,,Kolkata,XX,700016,"  # row 42: refused before writing
    return "\n".join(lines).encode()


def deliver(client, key: str, receive_count: int) -> dict:
    from chalicelib.core.config import get_settings

    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                          "s3": {"bucket": {"name": get_settings().bucket}, "object": {"key": key}}}]}
    return client.lambda_.invoke("uploads_worker", {"Records": [{
        "body": json.dumps(event), "messageId": f"m{receive_count}", "receiptHandle": "r",
        "attributes": {"ApproximateReceiveCount": str(receive_count)}, "messageAttributes": {},
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:uploads", "eventSource": "aws:sqs"}]})


def imported(world) -> list[dict]:
    listed = world.http.get("/api/customers/?page_size=500", world.as_("admin")).json_body
    return [c for c in listed if c["name"].startswith("Retry ")]


@pytest.mark.parametrize("crash_after_commit", [True, False])
def test_a_crash_mid_chunk_then_redelivery_creates_every_row_once(world, client, monkeypatch, crash_after_commit):
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings
    from chalicelib.core.db import txn

    key = "imports/customers/retry/customers.csv"
    aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=customers_csv())
    original, calls = txn.run_rows, []

    def dying(model, rows):  # the second transaction batch: the Lambda dies around its commit
        calls.append(len(rows))
        if len(calls) != 2:
            return original(model, rows)
        if crash_after_commit:
            original(model, rows)
        raise RuntimeError(f"simulated crash {'after' if crash_after_commit else 'before'} a commit")

    monkeypatch.setattr(txn, "run_rows", dying)
    with pytest.raises(RuntimeError):
        deliver(client, key, 1)
    first = imported(world)
    assert 0 < len(first) <= ROWS - 2  # some batches were written (with the crash's own: all of them)
    if not crash_after_commit:
        assert len(first) < ROWS - 2

    job = next(j for j in world.http.get("/api/jobs/?kind=import", world.as_("admin")).json_body
               if j["status"] == "processing")
    assert job["processed"] == 0  # no checkpoint inside the chunk: the retry starts it again

    monkeypatch.setattr(txn, "run_rows", original)
    deliver(client, key, 2)
    done = world.http.get(f"/api/jobs/{job['job_id']}/", world.as_("admin")).json_body
    assert done["status"] == "complete", done
    assert done["result"] == {"created_rows": ROWS - 2, "error_rows": 2}
    assert [e["row"] for e in done["errors"]] == [12, 43]
    assert "customer_code" in done["errors"][0]["errors"] and "state" in done["errors"][1]["errors"]

    customers = imported(world)
    names = sorted(c["name"] for c in customers)
    assert names == sorted({c["name"] for c in customers}) and len(names) == ROWS - 2  # none twice, none lost
    ids = sorted(c["id"] for c in customers)
    assert ids[-1] - ids[0] + 1 == ROWS - 1  # one block for the 249 valid rows, reused by the retry (the
    # taken code's row was refused at its write, after its id was reserved)
    for customer in first:  # what the first delivery wrote is kept as it was
        assert next(c for c in customers if c["id"] == customer["id"]) == customer
    codes = [c["customer_code"] for c in customers]
    assert len(set(codes)) == len(codes) and all(len(code) in (7, 8) for code in codes)
    assert deliver(client, key, 3) is not None  # a late third delivery changes nothing
    assert len(imported(world)) == ROWS - 2


def test_a_taken_code_refuses_only_its_row_in_a_full_transaction(world):
    from tests.repaysync.test_bulk import upload

    lines = [CUSTOMER_HEADER] + [f"TX{n:04d},Packed {n},98766{n:05d},,{n} Rd,,Kolkata,WB,700016,"
                                 for n in range(120)]
    lines[30] = "cust1,Taken Too,9876599997,,1 Rd,,Kolkata,WB,700016,"  # the other officer's code, any case
    lines[31] = lines[32].replace("Packed", "Twin")  # the same code twice in one file: the second is refused
    response = upload(world, "/api/customers/bulk/upload/", "c.csv", "\n".join(lines).encode())
    assert response.status_code == 201, response.body
    assert response.json_body["records_created"] == 118
    assert [e["row"] for e in response.json_body["errors"]] == [31, 33]


def test_two_deliveries_racing_to_one_chunk_create_each_row_once(world, client, monkeypatch):
    """Delivery A reserves the chunk's ids; before it records them, delivery B reserves its own, records
    them, writes every row and dies before its checkpoint. A must not record its block over B's (its
    rows would be created a second time under new ids): it stands aside, and the next delivery resumes
    with B's block and creates nothing twice."""
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings
    from chalicelib.core.db import counters, txn
    from chalicelib.core.files.engine import JobBusy

    key = "imports/customers/race/customers.csv"
    rows = 30  # no codes: each row's generated code follows its id, so a second id is a second customer
    lines = [CUSTOMER_HEADER] + [f",Race {n},98767{n:05d},,{n} Race Rd,,Kolkata,WB,700016," for n in range(rows)]
    aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body="\n".join(lines).encode())
    reserve, run_rows = counters.IdSequence.reserve, txn.run_rows

    def dying_after_writing(model, batch):
        run_rows(model, batch)
        raise RuntimeError("delivery B dies after writing, before its checkpoint")

    def reserve_then_race(self, count=1):
        block = reserve(self, count)
        if self.name == "customers" and not reserve_then_race.raced:
            reserve_then_race.raced = True
            monkeypatch.setattr(txn, "run_rows", dying_after_writing)
            with pytest.raises(RuntimeError):
                deliver(client, key, 2)  # B, inside A's reservation
            monkeypatch.setattr(txn, "run_rows", run_rows)
        return block

    reserve_then_race.raced = False
    monkeypatch.setattr(counters.IdSequence, "reserve", reserve_then_race)
    with contextlib.suppress(JobBusy):  # standing aside fails the delivery: the queue brings it back
        deliver(client, key, 1)  # A
    monkeypatch.setattr(counters.IdSequence, "reserve", reserve)
    deliver(client, key, 3)
    race = [c for c in world.http.get("/api/customers/?page_size=500", world.as_("admin")).json_body
            if c["name"].startswith("Race ")]
    assert sorted(c["name"] for c in race) == sorted(f"Race {n}" for n in range(rows))
    jobs = world.http.get("/api/jobs/?kind=import", world.as_("admin")).json_body
    assert [(job["status"], job["result"]) for job in jobs] == [("complete", {"created_rows": rows, "error_rows": 0})]
