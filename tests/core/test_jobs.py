"""Jobs: one record for every kind, listed newest first per product (admins) and per owner, with a
status endpoint; imports are jobs of kind "import", through the API and through the uploads worker."""

from __future__ import annotations

import json

import pytest

from chalicelib.core import aws
from chalicelib.core.auth.principal import Principal
from chalicelib.core.config import get_settings
from tests.core.files import conftest as widgets
from tests.core.files.conftest import PRODUCT, csv_bytes, multipart, s3_event

# the widgets app of tests/core/files (its conftest is not this directory's)
aws_env, writer, engine, widgets_app = widgets.aws_env, widgets.writer, widgets.engine, widgets.widgets_app
client, token = widgets.client, widgets.token

HEADER = "code,name,qty"
ADMIN = ("9", "admin")


def upload(client, headers, *lines: str) -> str:
    body, content_type = multipart("w.csv", csv_bytes(HEADER, *lines))
    response = client.http.post("/api/widgets/bulk/upload/", body=body,
                                headers={**headers, "Content-Type": content_type})
    assert response.status_code == 200, response.body
    return response.json_body["job_id"]


def jobs(client, headers, query: str = ""):
    response = client.http.get(f"/api/jobs/{query}", headers=headers)
    assert response.status_code == 200, response.body
    return response


def invoke_worker(client, body: str):
    event = client.events.generate_sqs_event([body], queue_name=get_settings().uploads_queue)
    return client.lambda_.invoke("uploads_worker", event)


# -- imports are jobs ----------------------------------------------------------------------------
def test_an_upload_is_an_import_job_listed_newest_first_with_its_result(client, token):
    first = upload(client, token(), "AB,One,1", "X,Short,2")
    second = upload(client, token(), "CD,Two,2")
    listed = jobs(client, token()).json_body
    assert [job["job_id"] for job in listed] == [second, first]
    job = listed[1]
    assert job["kind"] == "import" and job["status"] == "complete" and job["owner"] == "7"
    assert (job["total"], job["processed"], job["progress"]) == (2, 2, 100)
    assert job["result"] == {"created_rows": 1, "error_rows": 1}
    assert "errors" not in job  # a list row is the summary; the errors are on the job itself
    detail = client.http.get(f"/api/jobs/{first}/", headers=token()).json_body
    assert detail["errors"] == [{"row": 3, "errors": {"code": ["String should have at least 2 characters"]}}]
    assert detail["result"] == job["result"] and detail["finished"] is not None


def test_a_bucket_import_is_pending_then_complete_through_the_worker(client, token):
    presigned = client.http.post("/api/imports/presign/", body=json.dumps(
        {"import_type": "widgets", "filename": "w.csv"}), headers={**token(), "Content-Type": "application/json"})
    job_id = presigned.json_body["job_id"]
    pending = client.http.get(f"/api/jobs/{job_id}/", headers=token()).json_body
    assert (pending["kind"], pending["status"], pending["progress"]) == ("import", "pending", 0)
    assert pending["result"] is None
    key = presigned.json_body["key"]
    etag = aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=csv_bytes(HEADER, "AB,One,1"))["ETag"]
    invoke_worker(client, s3_event(get_settings().bucket, key, etag))
    done = client.http.get(f"/api/jobs/{job_id}/", headers=token()).json_body
    assert (done["status"], done["result"]) == ("complete", {"created_rows": 1, "error_rows": 0})


def test_owners_see_their_own_jobs_and_admins_every_job(client, token):
    mine = upload(client, token("7"), "AB,One,1")
    theirs = upload(client, token("8"), "CD,Two,2")
    key = "imports/widgets/direct.csv"  # put straight into the bucket: a job nobody owns
    etag = aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=csv_bytes(HEADER, "EF,Three,3"))["ETag"]
    invoke_worker(client, s3_event(get_settings().bucket, key, etag))
    assert [job["job_id"] for job in jobs(client, token("7")).json_body] == [mine]
    assert [job["job_id"] for job in jobs(client, token("8")).json_body] == [theirs]
    everything = jobs(client, token(*ADMIN)).json_body
    assert len(everything) == 3 and everything[0]["owner"] is None
    assert {mine, theirs} < {job["job_id"] for job in everything}
    assert client.http.get(f"/api/jobs/{theirs}/", headers=token("7")).status_code == 404  # ids reveal nothing
    assert client.http.get(f"/api/jobs/{theirs}/", headers=token(*ADMIN)).status_code == 200


def test_unknown_job_401_and_wrong_role(client, token):
    missing = client.http.get("/api/jobs/0123456789abcdef0123456789abcdef/", headers=token())
    assert missing.status_code == 404 and missing.json_body == {"error": "Job not found."}
    assert client.http.get("/api/jobs/").status_code == 401
    assert client.http.get("/api/jobs/x/").status_code == 401
    assert client.http.get("/api/jobs/", headers=token("5", "calling_agent")).status_code == 403


def test_a_filtered_list_pages_past_the_other_jobs(client, token, aws_env):
    from chalicelib.core.jobs.service import Jobs

    service = Jobs(PRODUCT)
    owner = Principal(subject="7", username="user7", roles=frozenset({"manager"}))
    made = [service.start("ocr" if n % 3 else "assignment", owner).job_id for n in range(9)]
    wanted = [job_id for n, job_id in enumerate(made) if n % 3 == 0][::-1]
    first = jobs(client, token(), "?kind=assignment&page_size=2")
    assert [job["job_id"] for job in first.json_body] == wanted[:2]
    rest = jobs(client, token(), f"?kind=assignment&page_size=2&cursor={first.headers['X-Next-Cursor']}")
    assert [job["job_id"] for job in rest.json_body] == wanted[2:]
    other_filter = client.http.get(f"/api/jobs/?kind=ocr&page_size=2&cursor={first.headers['X-Next-Cursor']}",
                                   headers=token())
    assert other_filter.status_code == 400  # a cursor is bound to its filters


def test_the_list_pages_with_a_signed_cursor(client, token):
    ids = [upload(client, token(), f"A{n},Name,{n}") for n in range(3)]
    page = jobs(client, token(), "?page_size=2")
    assert [job["job_id"] for job in page.json_body] == ids[::-1][:2]
    cursor = page.headers["X-Next-Cursor"]
    assert 'rel="next"' in page.headers["Link"]
    rest = jobs(client, token(), f"?page_size=2&cursor={cursor}")
    assert [job["job_id"] for job in rest.json_body] == [ids[0]] and "X-Next-Cursor" not in rest.headers
    tampered = client.http.get(f"/api/jobs/?page_size=2&cursor={cursor[:-2]}xx", headers=token())
    assert tampered.status_code == 400
    foreign = client.http.get(f"/api/jobs/?page_size=2&cursor={cursor}", headers=token("8"))
    assert foreign.status_code == 400  # bound to its caller
    assert client.http.get("/api/jobs/?page_size=0", headers=token()).status_code == 400


def test_a_cursor_from_before_a_role_change_is_400_not_a_crash(client, token):
    """The cursor is bound to the caller (issuer and subject), not their roles: an admin demoted between
    two pages sends a cursor of the product index to the owner index."""
    for n in range(2):
        upload(client, token("7"), f"A{n},Name,{n}")
    cursor = jobs(client, token("7", "admin"), "?page_size=1").headers["X-Next-Cursor"]
    response = client.http.get(f"/api/jobs/?page_size=1&cursor={cursor}", headers=token("7", "manager"))
    assert response.status_code == 400 and response.json_body == {"errors": {"cursor": ["Invalid cursor."]}}


# -- any kind ------------------------------------------------------------------------------------
def test_a_job_of_another_kind_starts_advances_and_ends_once(client, token, aws_env, capsys):
    from chalicelib.core.jobs.service import JobMoved, Jobs
    from tests.core.logcapture import metric_values

    service = Jobs(PRODUCT)
    owner = Principal(subject="7", username="user7", roles=frozenset({"manager"}))
    job = service.start("assignment", owner, total=40)
    service.advance(job, 10)
    running = client.http.get(f"/api/jobs/{job.job_id}/", headers=token()).json_body
    assert (running["kind"], running["status"], running["progress"]) == ("assignment", "processing", 25)
    service.advance(job, 20, result={"assigned": 19})  # a checkpoint a redelivery resumes from
    running = client.http.get(f"/api/jobs/{job.job_id}/", headers=token()).json_body
    assert (running["progress"], running["result"]) == (50, {"assigned": 19})
    service.finish(job, {"assigned": 38}, errors=[{"customer": 3, "error": "No officer is free."}])
    done = client.http.get(f"/api/jobs/{job.job_id}/", headers=token()).json_body
    assert (done["status"], done["progress"], done["result"]) == ("complete", 100, {"assigned": 38})
    assert done["errors"] == [{"customer": 3, "error": "No officer is free."}]
    with pytest.raises(JobMoved):  # a finished job never changes again (a redelivered message)
        service.fail(job, "late")
    failed = service.start("ocr", owner)
    service.fail(failed, "The document could not be read.")
    listed = jobs(client, token()).json_body
    assert [(j["kind"], j["status"], j["message"]) for j in listed] == [
        ("ocr", "failed", "The document could not be read."), ("assignment", "complete", None)]
    out = capsys.readouterr().out
    assert [m["dimensions"]["kind"] for m in metric_values(out, "JobSucceeded")] == ["assignment"]
    assert [m["dimensions"]["kind"] for m in metric_values(out, "JobFailed")] == ["ocr"]  # the late fail: none
    assert [j["kind"] for j in jobs(client, token(), "?kind=assignment").json_body] == ["assignment"]
    assert [j["kind"] for j in jobs(client, token(), "?status=failed").json_body] == ["ocr"]
    assert jobs(client, token(), "?kind=ocr&status=complete").json_body == []
    assert client.http.get("/api/jobs/?kind=Bad!", headers=token()).status_code == 400
    assert client.http.get("/api/jobs/?status=done", headers=token()).status_code == 400
    # the import status route shows imports only
    assert client.http.get(f"/api/imports/{job.job_id}/", headers=token()).status_code == 404


def test_a_job_id_is_never_taken_twice(aws_env):
    from pynamodb.exceptions import PutError

    from chalicelib.core.jobs.service import Jobs

    service = Jobs(PRODUCT)
    service.start("export", None, job_id="fixed")
    with pytest.raises(PutError):
        service.start("export", None, job_id="fixed")
