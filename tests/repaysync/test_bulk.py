"""Bulk uploads of customers and interactions (CSV and XLSX) through the import engine."""

from __future__ import annotations

import json

from tests.kit.bodies import file_upload, xlsx_bytes

CUSTOMER_HEADER = "customer_code,name,phone,email,address_line_1,address_line_2,city,state,pincode,date_of_birth"


def multipart(filename: str, data: bytes, field: str = "file") -> tuple[dict[str, str], bytes]:
    body, content_type = file_upload(filename, data, field)
    return {"Content-Type": content_type}, body


def upload(world, path, filename, data, who="admin"):
    headers, body = multipart(filename, data)
    return world.http.client.http.post(path, headers={**headers, **world.as_(who)}, body=body)


def test_customers_csv_with_bad_rows(world):
    csv = "\n".join([
        CUSTOMER_HEADER,
        ",Asha Rao,+91-9876500001,asha@example.com,1 Park St,,Kolkata,WB,700016,1985-05-01",
        "MYCODE01,Ravi Kumar,9876500002,,2 Hill Rd,Flat 3,Bengaluru,ka,560001,",
        ",No State,9876500003,,3 Lake Rd,,Pune,XX,411001,",
        "CUST0,Taken Code,9876500004,,4 Sea Rd,,Chennai,TN,600001,",
        ",Bad Phone,12,,5 Rd,,Delhi,DL,110001,",
    ]).encode()
    response = upload(world, "/api/customers/bulk/upload/", "customers.csv", csv)
    assert response.status_code == 201, response.body
    body = response.json_body
    assert body["records_created"] == 2
    errors = {item["row"]: item["errors"] for item in body["errors"]}
    assert set(errors) == {4, 5, 6}
    assert "state" in errors[4] and "customer_code" in errors[5] and "phone" in errors[6]
    listed = world.http.get("/api/customers/", world.as_("admin")).json_body
    by_name = {c["name"]: c for c in listed}
    assert by_name["Ravi Kumar"]["customer_code"] == "MYCODE01" and by_name["Ravi Kumar"]["state"] == "KA"
    assert len(by_name["Asha Rao"]["customer_code"]) == 8


def test_customers_xlsx_bytes(world):
    data = xlsx_bytes([CUSTOMER_HEADER.split(","),
                 [None, "Meera Shah", "+919876500010", "meera@example.com", "7 MG Rd", None, "Mumbai", "MH",
                  400001, "1992-07-15"],
                 [None, "", "9876500011", None, "8 MG Rd", None, "Mumbai", "MH", 400001, None]])
    response = upload(world, "/api/customers/bulk/upload/", "customers.xlsx", data, who="manager")
    assert response.status_code == 201, response.body
    assert response.json_body["records_created"] == 1
    assert [item["row"] for item in response.json_body["errors"]] == [3]
    names = [c["name"] for c in world.http.get("/api/customers/", world.as_("admin")).json_body]
    assert "Meera Shah" in names


def test_interactions_csv_defaults_to_field(world):
    loan = world.loans["officer"].id
    csv = "\n".join([
        "loan_id,comment,disposition,next_call_date,interaction_type",
        f"{loan},Visited,visited,2025-03-15,",
        f"{loan},Called,called,2025-03-16,calling",
        "999,Missing loan,visited,,",
        f"{loan},Bad disposition,shouted,,",
    ]).encode()
    response = upload(world, "/api/interactions/bulk/upload/", "interactions.csv", csv, who="manager")
    assert response.status_code == 201, response.body
    assert response.json_body["records_created"] == 2
    errors = {item["row"]: item["errors"] for item in response.json_body["errors"]}
    assert set(errors) == {4, 5} and "loan_id" in errors[4] and "disposition" in errors[5]
    field = world.http.get(f"/api/interactions/field/loan/{loan}/", world.as_("officer")).json_body
    assert [i["comment"] for i in field] == ["Visited"]
    assert field[0]["created_by"] == world.users["manager"].id
    calls = world.http.get(f"/api/interactions/calling/loan/{loan}/", world.as_("officer")).json_body
    assert [i["comment"] for i in calls] == ["Called"]
    # the loan now has interactions: deleting it is refused
    assert world.http.delete(f"/api/loans/{loan}/", world.as_("admin")).status_code == 409


def test_interactions_xlsx_without_type_column(world):
    loan = world.loans["other_officer"].id
    data = xlsx_bytes([["loan_id", "comment", "disposition", "next_call_date"],
                 [loan, "Promised", "promise_to_pay", "2025-04-01"]])
    response = upload(world, "/api/interactions/bulk/upload/", "interactions.xlsx", data)
    assert response.status_code == 201 and response.json_body == {"records_created": 1, "errors": []}
    listed = world.http.get(f"/api/interactions/field/loan/{loan}/", world.as_("admin")).json_body
    assert listed[0]["interaction_type"] == "field" and listed[0]["next_call_date"] == "2025-04-01"


def test_no_file(world):
    for path in ("/api/customers/bulk/upload/", "/api/interactions/bulk/upload/"):
        empty = world.http.post(path, {}, world.as_("admin"))
        assert empty.status_code == 400 and empty.json_body == {"error": "No file provided."}
        headers, body = multipart("x.csv", b"name\nA", field="other")
        wrong_field = world.http.client.http.post(path, headers={**headers, **world.as_("admin")}, body=body)
        assert wrong_field.status_code == 400 and wrong_field.json_body == {"error": "No file provided."}


def test_unreadable_file_and_missing_columns(world):
    garbage = upload(world, "/api/customers/bulk/upload/", "customers.xlsx", b"not a workbook")
    assert garbage.status_code == 400
    missing = upload(world, "/api/customers/bulk/upload/", "customers.csv", b"name\nOnly Name\n")
    assert missing.status_code == 400
    assert "errors" in missing.json_body or "error" in missing.json_body


def test_roles_and_auth(world):
    csv = f"{CUSTOMER_HEADER}\n,A B,9876500001,,1 St,,Kolkata,WB,700016,\n".encode()
    for who in ("officer", "agent"):
        assert upload(world, "/api/customers/bulk/upload/", "c.csv", csv, who=who).status_code == 403
        assert upload(world, "/api/interactions/bulk/upload/", "i.csv", b"loan_id\n1", who=who).status_code == 403
    headers, body = multipart("c.csv", csv)
    assert world.http.client.http.post("/api/customers/bulk/upload/", headers=headers, body=body).status_code == 401


def test_same_object_twice_creates_nothing_twice(world, client):
    """A file dropped in the bucket is imported once, however often its event is delivered."""
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings

    csv = f"{CUSTOMER_HEADER}\n,Bucket One,9876500001,,1 St,,Kolkata,WB,700016,\n".encode()
    key = "imports/customers/drop/customers.csv"
    aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=csv)
    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                          "s3": {"bucket": {"name": get_settings().bucket}, "object": {"key": key}}}]}
    for _ in range(2):
        client.lambda_.invoke("uploads_worker", {"Records": [{
            "body": json.dumps(event), "messageId": "m1", "receiptHandle": "r",
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:uploads", "eventSource": "aws:sqs"}]})
    names = [c["name"] for c in world.http.get("/api/customers/", world.as_("admin")).json_body]
    assert names.count("Bucket One") == 1


def test_presign_route_is_registered(world):
    response = world.http.post("/api/imports/presign/", {"import_type": "customers", "filename": "big.csv"},
                               world.as_("manager"))
    assert response.status_code == 201 and response.json_body["key"].startswith("imports/customers/")
    status = world.http.get(f"/api/imports/{response.json_body['job_id']}/", world.as_("manager"))
    assert status.status_code == 200 and status.json_body["status"] == "pending"
    assert world.http.post("/api/imports/presign/", {"import_type": "customers", "filename": "big.csv"},
                           world.as_("agent")).status_code == 403
