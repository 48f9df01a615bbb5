"""The HTTP routes (presign, job status, an upload route) and the `uploads` queue handler."""

from __future__ import annotations

import json

from chalicelib.core import aws
from chalicelib.core.config import get_settings
from tests.core.files.conftest import all_widgets, csv_bytes, multipart, s3_event, truncated_xlsx

HEADER = "code,name,qty"


def presign(client, headers, **body):
    payload = {"import_type": "widgets", "filename": "big file.csv", **body}
    return client.http.post("/api/imports/presign/", body=json.dumps(payload),
                            headers={**headers, "Content-Type": "application/json"})


def invoke_worker(client, *bodies: str):
    event = client.events.generate_sqs_event(list(bodies), queue_name=get_settings().uploads_queue)
    return client.lambda_.invoke("uploads_worker", event)


def received_bodies(urls) -> list[str]:
    """What the bucket notification actually put on the uploads queue (moto delivers it)."""
    messages = aws.sqs().receive_message(QueueUrl=urls["uploads"], MaxNumberOfMessages=10).get("Messages", [])
    return [message["Body"] for message in messages]


# -- upload through the API ------------------------------------------------------------------------
def test_upload_route_imports_the_file(client, token):
    body, content_type = multipart("w.csv", csv_bytes(HEADER, "AB,One,1", "C,Two,2"))
    response = client.http.post("/api/widgets/bulk/upload/", body=body,
                                headers={**token(), "Content-Type": content_type})
    assert response.status_code == 200, response.body
    assert response.json_body["records_created"] == 1
    assert response.json_body["errors"] == [{"row": 3, "errors": {
        "code": ["String should have at least 2 characters"]}}]


def test_upload_route_missing_column_is_400(client, token):
    body, content_type = multipart("w.csv", csv_bytes("code", "AB"))
    response = client.http.post("/api/widgets/bulk/upload/", body=body,
                                headers={**token(), "Content-Type": content_type})
    assert response.status_code == 400
    assert response.json_body == {"errors": {"file": ["Missing required columns: name, qty."]}}


def test_upload_route_unreadable_file_is_400(client, token):
    body, content_type = multipart("w.xlsx", b"PK\x03\x04garbage")
    response = client.http.post("/api/widgets/bulk/upload/", body=body,
                                headers={**token(), "Content-Type": content_type})
    assert response.status_code == 400 and response.json_body == {"error": "The XLSX file could not be read."}


def test_upload_route_damaged_workbook_is_400_and_the_job_fails(client, token, engine):
    rows = [["code", "name", "qty"]] + [[f"W{n:03d}", f"Widget {n}", n] for n in range(2, 21)]
    body, content_type = multipart("w.xlsx", truncated_xlsx(rows, after_row=10))
    response = client.http.post("/api/widgets/bulk/upload/", body=body,
                                headers={**token(), "Content-Type": content_type})
    assert response.status_code == 400, response.body
    assert response.json_body == {
        "error": "The file could not be read: the workbook is damaged or incomplete after row 10."}
    assert [job.status for job in engine.jobs.scan()] == ["failed"]


def test_upload_route_over_the_row_cap_is_413(client, token, engine, monkeypatch):
    monkeypatch.setattr(engine, "_sync_max_rows", 2)
    body, content_type = multipart("w.csv", csv_bytes(HEADER, "AB,One,1", "CD,Two,2", "EF,Three,3"))
    response = client.http.post("/api/widgets/bulk/upload/", body=body,
                                headers={**token(), "Content-Type": content_type})
    assert response.status_code == 413, response.body
    assert "POST /api/imports/presign/" in response.json_body["error"]
    assert [job.status for job in engine.jobs.scan()] == ["failed"] and all_widgets() == []


# -- presign -----------------------------------------------------------------------------------
def test_presign_returns_a_post_and_creates_a_pending_job(client, token):
    response = presign(client, token("7", "manager"))
    assert response.status_code == 201, response.body
    data = response.json_body
    assert data["key"] == f"imports/widgets/{data['job_id']}/big file.csv"
    assert data["fields"]["key"] == data["key"] and "policy" in data["fields"]
    assert data["url"] and data["expires_in"] == 900
    status = client.http.get(f"/api/imports/{data['job_id']}/", headers=token("7", "manager"))
    assert status.status_code == 200
    assert status.json_body["status"] == "pending" and status.json_body["import_type"] == "widgets"


def test_presign_bad_input(client, token):
    assert presign(client, token(), import_type="gadgets").json_body == {
        "errors": {"import_type": ["\"gadgets\" is not a valid choice."]}}
    assert presign(client, token(), filename="notes.txt").json_body == {
        "errors": {"filename": ["Only .csv and .xlsx files with plain names can be imported."]}}
    response = client.http.post("/api/imports/presign/", body="{}",
                                headers={**token(), "Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"import_type", "filename"}


def test_presign_needs_a_token_and_a_role(client, token):
    assert presign(client, {}).status_code == 401
    assert presign(client, token("9", "calling_agent")).status_code == 403


# -- the bucket path: presign, put, notification, worker -------------------------------------
def test_presigned_upload_is_imported_by_the_worker_once(client, token, aws_env):
    data = presign(client, token("7", "manager")).json_body
    aws.s3().put_object(Bucket=get_settings().bucket, Key=data["key"],
                        Body=csv_bytes(HEADER, "AB,One,1", "CD,Two,2", "EF,Three,x"))
    bodies = received_bodies(aws_env)
    assert any("s3:TestEvent" in body for body in bodies)  # sent when the notification was configured
    for body in bodies:
        invoke_worker(client, body)
    status = client.http.get(f"/api/imports/{data['job_id']}/", headers=token("7", "manager")).json_body
    assert (status["status"], status["created_rows"], status["error_rows"], status["progress"]) == (
        "complete", 2, 1, 100)
    assert status["errors"][0]["row"] == 4
    assert {w.created_by for w in all_widgets()} == {"7"}  # the presigning user owns the rows

    for body in bodies:  # SQS delivers at least once: a redelivery creates nothing
        invoke_worker(client, body)
    assert len(all_widgets()) == 2


def test_a_presigned_key_uploaded_twice_imports_the_newest_file_once(client, token, aws_env):
    data = presign(client, token("7", "manager")).json_body
    received_bodies(aws_env)  # the notification's test event
    for body in (csv_bytes(HEADER, "AB,Old,1", "CD,Old,2"), csv_bytes(HEADER, "EF,New,1")):
        aws.s3().put_object(Bucket=get_settings().bucket, Key=data["key"], Body=body)
    bodies = received_bodies(aws_env)
    assert len(bodies) == 2 and all("eTag" in body for body in bodies)
    for body in bodies + bodies:  # both events in order, then redelivered
        invoke_worker(client, body)
    status = client.http.get(f"/api/imports/{data['job_id']}/", headers=token("7", "manager")).json_body
    assert (status["status"], status["created_rows"]) == ("complete", 1)
    assert [(w.code, w.name, w.created_by) for w in all_widgets()] == [("EF", "New", "7")]


def test_worker_decodes_url_encoded_keys_and_ignores_other_prefixes(client, aws_env):
    key = "imports/widgets/with space+plus.csv"
    etag = aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=csv_bytes(HEADER, "AB,One,1"))["ETag"]
    invoke_worker(client, s3_event(get_settings().bucket, key, etag),
                  s3_event(get_settings().bucket, "documents/passport.png"))
    assert [w.code for w in all_widgets()] == ["AB"]


def test_worker_raises_so_sqs_redelivers(client, aws_env, writer):
    key = "imports/widgets/flaky.csv"
    aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=csv_bytes(HEADER, "AB,One,1"))
    writer.fail_on = 2
    try:
        invoke_worker(client, s3_event(get_settings().bucket, key))
    except RuntimeError:
        pass
    else:
        raise AssertionError("the handler must raise so the message is redelivered")
    invoke_worker(client, s3_event(get_settings().bucket, key))
    assert [w.code for w in all_widgets()] == ["AB"]


# -- job status ----------------------------------------------------------------------------------
def test_job_status_is_the_owners_or_an_admins(client, token):
    job_id = presign(client, token("7", "manager")).json_body["job_id"]
    assert client.http.get(f"/api/imports/{job_id}/", headers=token("8", "manager")).status_code == 404
    assert client.http.get(f"/api/imports/{job_id}/", headers=token("1", "admin")).status_code == 200
    missing = client.http.get("/api/imports/nope/", headers=token("7", "manager"))
    assert missing.status_code == 404 and missing.json_body == {"error": "Import job not found."}


def test_job_status_needs_a_token_and_a_role(client, token):
    job_id = presign(client, token("7", "manager")).json_body["job_id"]
    assert client.http.get(f"/api/imports/{job_id}/").status_code == 401
    assert client.http.get(f"/api/imports/{job_id}/", headers=token("7", "calling_agent")).status_code == 403
