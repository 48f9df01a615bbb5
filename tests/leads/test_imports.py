"""Lead imports: `POST /import/` (CSV, XLSX), `/import/history/`, and files dropped under imports/leads/."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.kit.bodies import file_upload, xlsx_bytes

HEADER = "name,phone_number,area,date,status"


def upload(world: Any, filename: str, data: bytes, who: str | None = "manager") -> Any:
    body, content_type = file_upload(filename, data)
    headers = {"Content-Type": content_type, **(world.as_(who) if who else {})}
    return world.http.client.http.post("/import/", headers=headers, body=body)


def imported(world: Any, filename: str, data: bytes, who: str = "manager") -> dict[str, Any]:
    response = upload(world, filename, data, who)
    assert response.status_code == 201, response.body
    return response.json_body


def leads_named(world: Any, word: str) -> list[dict[str, Any]]:
    return world.client("manager").get(f"/customers/?search={word}&page_size=500", expect=200).json_body


def errors_by_row(body: dict[str, Any]) -> dict[int, dict[str, list[str]]]:
    return {item["row"]: item["errors"] for item in body["errors"]}


def test_a_csv_of_leads_is_imported_with_its_statuses_dates_and_normalised_numbers(world):
    csv = "\n".join([
        HEADER,
        "Asha Verma,98765 00001,North Delhi,2025-04-15,",
        "Ravi Kumar,+91-98765-00002,Noida Sector 18,15/04/2025,Not Interested",
        "Meena Iyer,09876500003,,,follow-up",
    ]).encode()
    body = imported(world, "leads.csv", csv)
    assert (body["created_rows"], body["failed_rows"], body["total_rows"], body["errors"]) == (3, 0, 3, [])
    assert body["status"] == "complete" and body["file_name"] == "leads.csv" and body["source"] == "api"
    assert body["imported_by"] == {"id": world.users["manager"].id, "username": "manager"}
    by_name = {lead["name"]: lead for lead in leads_named(world, "987650000")}
    assert by_name["Asha Verma"]["phone_number"] == "+919876500001"
    assert (by_name["Asha Verma"]["status"], by_name["Asha Verma"]["date"]) == ("NEW", "2025-04-15")
    assert (by_name["Ravi Kumar"]["status"], by_name["Ravi Kumar"]["date"]) == ("NOT_INTERESTED", "2025-04-15")
    assert by_name["Meena Iyer"]["status"] == "FOLLOW_UP" and by_name["Meena Iyer"]["assigned_to"] is None
    assert by_name["Meena Iyer"]["date"]  # a missing date is the day of the import
    detail = world.client("manager").get(f"/customers/{by_name['Ravi Kumar']['id']}/", expect=200).json_body
    assert detail["status_history"] == []  # an imported status is where the lead starts


def test_a_number_already_taken_is_reported_on_its_row_and_never_created_twice(world):
    taken = world.customers["sales"].phone_number  # a lead the world already has
    national = taken.removeprefix("+91")
    csv = "\n".join([
        HEADER,
        "First Copy,9876500011,Pune Camp,2025-04-15,",
        f"Old Lead Again,{national},Pune Camp,2025-04-15,",
        "Second Copy,+91 98765 00011,Pune Camp,2025-04-15,",
        "Bad Status,9876500012,Pune Camp,2025-04-15,MAYBE",
        "Bad Date,9876500013,Pune Camp,31/02/2025,",
        "Bad Phone,12345,Pune Camp,2025-04-15,",
        "\u0967\u0968\u0969,\u0669\u0668\u0667\u0666\u0665\u0660\u0660\u0660\u0661\u0664,Pune Camp,2025-04-15,",
        "Zero\u200bWidth,9876500015,Pune Camp,2025-04-15,",
    ]).encode()
    body = imported(world, "dupes.csv", csv)
    errors = errors_by_row(body)
    assert (body["created_rows"], body["failed_rows"]) == (1, 7)
    assert errors[3] == {"phone_number": ["A lead with this phone number already exists."]}
    assert errors[4] == {"phone_number": ["Duplicate of row 2 of this file."]}
    assert list(errors[5]) == ["status"] and list(errors[6]) == ["date"] and list(errors[7]) == ["phone_number"]
    assert list(errors[8]) == ["phone_number"]  # Arabic-Indic digits are not read as a number
    assert list(errors[9]) == ["name"]  # a control character
    assert [lead["name"] for lead in leads_named(world, "9876500011")] == ["First Copy"]
    assert world.client("manager").get(f"/customers/{world.customers['sales'].id}/", expect=200
                                       ).json_body["name"] == world.customers["sales"].name


def test_a_duplicate_in_a_later_batch_names_the_first_row(world):
    rows = [HEADER] + [f"Batch Lead {n},98800{n:05d},Delhi,2025-04-15," for n in range(150)]
    rows.append("Late Copy,9880000003,Delhi,2025-04-15,")  # row 152 repeats row 5 (another batch of 100)
    body = imported(world, "many.csv", "\n".join(rows).encode())
    assert (body["created_rows"], body["failed_rows"]) == (150, 1)
    assert errors_by_row(body) == {152: {"phone_number": ["Duplicate of row 5 of this file."]}}


def test_an_xlsx_file_with_typed_cells_and_formulas(world):
    from datetime import date, datetime

    data = xlsx_bytes([
        ["Name", "Phone Number", "Area", "Date", "Status"],
        ["Xl Typed", 9876500021, "Gurgaon", date(2025, 4, 16), "Interested"],
        ["Xl Timed", "9876500022", "'=HYPERLINK(\"http://evil\",\"x\")", datetime(2025, 4, 16, 10, 30), None],
        ["=HYPERLINK(\"http://evil\",\"x\")", "9876500023", "Gurgaon", None, None],
        [None, None, None, None, None],
        ["Xl Missing Phone", None, "Gurgaon", None, None],
    ])
    body = imported(world, "leads.xlsx", data)
    assert (body["created_rows"], body["failed_rows"]) == (2, 2)
    # a formula is read as its value (none saved here), never as its text: no name
    assert errors_by_row(body) == {4: {"name": ["This field is required."]},
                                   6: {"phone_number": ["This field is required."]}}
    by_phone = {lead["phone_number"]: lead for lead in leads_named(world, "987650002")}
    assert (by_phone["+919876500021"]["status"], by_phone["+919876500021"]["date"]) == ("INTERESTED", "2025-04-16")
    assert by_phone["+919876500022"]["date"] == "2025-04-16"
    assert by_phone["+919876500022"]["area"] == "=HYPERLINK(\"http://evil\",\"x\")"  # quoted text: kept as text


def test_bad_files_are_400_in_the_products_error_shape(world):
    response = world.http.client.http.post("/import/", headers={**world.as_("manager"),
                                                                "Content-Type": "application/json"}, body="{}")
    assert response.status_code == 400 and response.json_body == {"error": "No file provided."}
    missing = upload(world, "leads.csv", b"name,area\nAsha,Delhi\n")
    assert missing.status_code == 400
    assert missing.json_body == {"error": "file: Missing required column: phone_number.",
                                 "errors": {"file": ["Missing required column: phone_number."]}}
    junk = upload(world, "leads.xlsx", b"PK\x03\x04 not really a workbook")
    assert (junk.status_code, junk.json_body) == (400, {"error": "The XLSX file could not be read."})
    assert world.client("manager").get("/import/history/", expect=200).json_body[0]["status"] == "failed"


def test_who_may_import_and_read_the_history(world):
    csv = f"{HEADER}\nNobody,9876500031,Delhi,2025-04-15,\n".encode()
    assert upload(world, "leads.csv", csv, who=None).status_code == 401
    assert upload(world, "leads.csv", csv, who="sales").status_code == 403
    world.client("sales").get("/import/history/", expect=403)
    world.http.get("/import/history/", expect=401)
    assert leads_named(world, "9876500031") == []


def test_the_history_lists_every_import_newest_first_with_its_counts_and_errors(world):
    first = imported(world, "first.csv", f"{HEADER}\nHist One,9876500041,Delhi,2025-04-15,\n".encode(), "admin")
    second = imported(world, "second.csv", "\n".join([
        HEADER, "Hist Two,9876500042,Delhi,2025-04-15,", "Hist Dup,9876500042,Delhi,2025-04-15,"]).encode())
    manager = world.client("manager")
    history = manager.get("/import/history/", expect=200).json_body
    assert [item["id"] for item in history[:2]] == [second["id"], first["id"]]  # another manager's import too
    row = history[0]
    assert (row["file_name"], row["total_rows"], row["created_rows"], row["failed_rows"]) == ("second.csv", 2, 1, 1)
    assert row["errors"] == [{"row": 3, "errors": {"phone_number": ["Duplicate of row 2 of this file."]}}]
    assert history[1]["imported_by"]["username"] == "admin"
    page = manager.get("/import/history/?page_size=1", expect=200)
    assert [item["id"] for item in page.json_body] == [second["id"]]
    cursor = page.headers["X-Next-Cursor"]
    assert [i["id"] for i in manager.get(f"/import/history/?page_size=1&cursor={cursor}", expect=200).json_body] \
        == [first["id"]]
    manager.get(f"/import/history/?page_size=1&cursor={cursor[:-2]}xx", expect=400)
    job = manager.get(f"/import/jobs/{first['id']}/", expect=200).json_body  # an admin's import: the team's
    assert (job["status"], job["created_rows"]) == ("complete", 1)
    world.client("sales").get(f"/import/jobs/{first['id']}/", expect=403)


def _drop(world: Any, client: Any, key: str, data: bytes, message_id: str = "m1") -> Any:
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings, using_settings

    with using_settings(world.app.crm_product.settings):
        bucket = get_settings().bucket
        aws.s3().put_object(Bucket=bucket, Key=key, Body=data)
    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                          "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]}
    return client.lambda_.invoke("uploads_worker", {"Records": [{
        "body": json.dumps(event), "messageId": message_id, "receiptHandle": "r",
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:uploads", "eventSource": "aws:sqs"}]})


def test_a_file_dropped_in_the_bucket_is_imported_once_however_often_its_event_comes(world, client):
    csv = "\n".join([HEADER, "Dropped One,9876500051,Delhi,2025-04-15,",
                     "Dropped Two,9876500052,Delhi,2025-04-15,VALID"]).encode()
    for attempt in range(2):
        _drop(world, client, "imports/leads/drop/leads.csv", csv, f"m{attempt}")
    assert sorted(lead["name"] for lead in leads_named(world, "987650005")) == ["Dropped One", "Dropped Two"]
    history = world.client("manager").get("/import/history/", expect=200).json_body
    dropped = [item for item in history if item["file_name"] == "leads.csv"]
    assert len(dropped) == 1
    assert (dropped[0]["source"], dropped[0]["imported_by"], dropped[0]["created_rows"]) == ("bucket", None, 2)


def test_a_presigned_upload_is_the_managers_import(world):
    manager = world.client("manager")
    presigned = manager.post("/import/jobs/presign/", {"import_type": "leads", "filename": "big.csv"},
                             expect=201).json_body
    assert presigned["key"].startswith("imports/leads/")
    world.client("sales").post("/import/jobs/presign/", {"import_type": "leads", "filename": "big.csv"}, expect=403)
    manager.post("/import/jobs/presign/", {"import_type": "customers", "filename": "big.csv"}, expect=400)


def test_a_bucket_file_that_crashed_half_way_resumes_without_a_lead_or_a_count_twice(world, client, monkeypatch):
    from chalicelib.products.leads import imports

    calls = {"n": 0}
    index = imports._index

    def crash_once(leads: Any) -> None:  # the second batch is committed, then the worker dies
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated crash after a committed batch")
        index(leads)

    monkeypatch.setattr(imports, "_index", crash_once)
    rows = [HEADER] + [f"Resume {n},97700{n:05d},Delhi,2025-04-15," for n in range(250)]
    rows.append("Resume Copy,9770000007,Delhi,2025-04-15,")  # row 252 repeats row 9
    data = "\n".join(rows).encode()
    with pytest.raises(RuntimeError):  # the Lambda fails: SQS delivers the message again
        _drop(world, client, "imports/leads/r/resume.csv", data, "first")
    assert calls["n"] == 2
    _drop(world, client, "imports/leads/r/resume.csv", data, "again")  # the redelivery
    history = world.client("manager").get("/import/history/", expect=200).json_body
    job = next(item for item in history if item["file_name"] == "resume.csv")
    assert (job["status"], job["created_rows"], job["failed_rows"]) == ("complete", 250, 1)
    assert job["errors"] == [{"row": 252, "errors": {"phone_number": ["Duplicate of row 9 of this file."]}}]
    assert len(leads_named(world, "97700")) == 250
    board = world.client("manager").get("/dashboard/manager/", expect=200).json_body
    assert board["unassigned_customers"] == 1 + 250  # the world's unassigned lead and these, once each


def test_an_upload_too_big_for_a_request_is_413_and_names_the_presign_route(world, monkeypatch):
    from chalicelib.products.leads import imports

    monkeypatch.setattr(imports.engine(), "_sync_max_rows", 5)  # 5,000 by default
    rows = [HEADER] + [f"Big {n},97600{n:05d},Delhi,2025-04-15," for n in range(6)]
    response = upload(world, "big.csv", "\n".join(rows).encode())
    assert response.status_code == 413 and "POST /import/jobs/presign/" in response.json_body["error"]
    assert leads_named(world, "97600") == []
