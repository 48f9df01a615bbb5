"""Customer and bill imports (CSV, XLSX): matched by e-mail, counted as the spec shows, rows numbered as
a spreadsheet shows them; the same through a file dropped under imports/ in the bucket."""

from __future__ import annotations

import csv
import io
import json

from tests.isp.conftest import RECORDS, WORLD
from tests.kit.bodies import file_upload, xlsx_bytes
from tests.kit.world import world_fixture

world = world_fixture(WORLD.with_records(*RECORDS))  # each sales person: one prospect, one customer (c0, c1)
CUSTOMERS = "/api/customers/import/"
BILLS = "/api/bills/import/"
CUSTOMER_HEADER = "name,company_name,email,phone,address,monthly_revenue,potential_revenue,assigned_sales_person,status"
BILL_HEADER = ("customer_email,customer_name,nttn_cap,nttn_com,billing_date,iig_qt,iig_qt_price,fna,fna_price,"
               "ggc,ggc_price,discount,total_received,status,remarks")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send(client, path: str, data: bytes, filename: str = "file.csv", *, expect: int | None = 200):
    body, content_type = file_upload(filename, data)
    return client.call("POST", path, headers={"Content-Type": content_type}, data=body, expect=expect)


def lines(*rows: str) -> bytes:
    return ("\r\n".join(rows) + "\r\n").encode()


def customers_by_email(client) -> dict[str, dict]:
    return {c["email"].lower(): c for c in client.get("/api/customers/?page_size=500", expect=200).json_body}


def test_customers_are_matched_by_email_case_insensitively(world):
    admin = world.client("manager")
    sales_id = world.users["sales"].id
    data = lines(CUSTOMER_HEADER,
                 f"Acme Two,Acme,C0@ACME.com,,,7000.00,,{sales_id},Active",  # c0 exists: updated
                 "New One,,new1@example.com,+1 555 000 1111,1 Road,100,,,",
                 "Bad Mail,,not-an-email,,,,,,",
                 "New Two,Two Ltd,new2@example.com,,,,,,Inactive",
                 ",,,,,,,,",  # blank: skipped
                 "Bad Status,,new3@example.com,,,,,,Dormant")
    body = send(admin, CUSTOMERS, data).json_body
    assert set(body) == {"success", "processed", "created", "updated", "errors"}
    assert (body["success"], body["processed"], body["created"], body["updated"]) == (True, 5, 2, 1)
    assert [(error["row"], sorted(error["errors"])) for error in body["errors"]] == [(4, ["email"]), (7, ["status"])]
    found = customers_by_email(admin)
    assert found["c0@acme.com"]["name"] == "Acme Two" and found["c0@acme.com"]["monthly_revenue"] == "7000.00"
    assert found["c0@acme.com"]["email"] == "C0@acme.com" and found["c0@acme.com"]["address"] == "123 Main St"
    assert found["new1@example.com"]["assigned_sales_person"] is None
    assert found["new2@example.com"]["status"] == "Inactive" and found["new2@example.com"]["leave_date"]
    assert "not-an-email" not in found and "new3@example.com" not in found
    hits = admin.get("/api/customers/?search=two", expect=200).json_body  # the search index follows
    assert {c["name"] for c in hits} == {"Acme Two", "New Two"}
    # the same e-mail twice in one file: the first row creates, the second updates what it created
    again = send(admin, CUSTOMERS, lines(CUSTOMER_HEADER, "Dup A,,dup@example.com,,,,,,",
                                         "Dup B,,DUP@example.com,,,,,,")).json_body
    assert (again["created"], again["updated"], again["errors"]) == (1, 1, [])
    assert customers_by_email(admin)["dup@example.com"]["name"] == "Dup B"


def test_customers_from_excel(world):
    admin = world.client("manager")
    workbook = xlsx_bytes([["Name", "E-mail", "Company", "Monthly revenue"],
                           ["Sheet Co", "sheet@example.com", "Sheets", 1200.5],
                           ["Sheet Bad", "bad", "", None]])
    body = send(admin, CUSTOMERS, workbook, "customers.xlsx").json_body
    assert (body["processed"], body["created"], body["updated"]) == (2, 1, 0)
    assert body["errors"][0]["row"] == 3 and "email" in body["errors"][0]["errors"]
    assert customers_by_email(admin)["sheet@example.com"]["monthly_revenue"] == "1200.50"


def test_bad_files_are_400_in_the_products_shape(world, http):
    admin = world.client("manager")
    assert send(admin, CUSTOMERS, lines("name,phone", "A,1"), expect=400).json_body == {
        "file": ["Missing required column: email."]}
    assert "file" in send(admin, BILLS, b"\xff\xfe\x00garbage", "bills.csv", expect=400).json_body
    assert "file" in send(admin, CUSTOMERS, b"PK\x03\x04broken", "customers.xlsx", expect=400).json_body
    assert admin.post(CUSTOMERS, {"file": "x"}, expect=400).json_body == {"file": ["No file was submitted."]}
    http.as_(None).call("POST", CUSTOMERS, expect=401)
    http.as_("not-a-token").call("POST", BILLS, expect=401)


def test_import_permissions_are_data(world):
    """The built-in sales_person has no import right; a role given customers.import imports only its
    holder's own customers (another's e-mail is refused as the API refuses it), assigned to them."""
    send(world.client("sales"), CUSTOMERS, lines(CUSTOMER_HEADER), expect=403)
    send(world.client("accountant"), CUSTOMERS, lines(CUSTOMER_HEADER), expect=403)
    send(world.client("sales"), BILLS, lines(BILL_HEADER), expect=403)
    manager = world.client("manager")
    role = f"/api/auth/roles/{world.users['sales'].role}/"
    rights = manager.get(role, expect=200).json_body["permissions"]
    manager.patch(role, {"permissions": [*rights, "customers.import"]}, expect=200)
    me = world.users["sales"].id
    body = send(world.client("sales"), CUSTOMERS, lines(
        CUSTOMER_HEADER, "Mine Again,,c0@acme.com,,,,,,",  # their own: updated
        "Not Mine,,c1@acme.com,,,,,,",  # other_sales's customer
        "Fresh,,fresh@example.com,,,,,,",
        f"Someone Else's,,else@example.com,,,,,{world.users['other_sales'].id},")).json_body
    assert (body["created"], body["updated"]) == (1, 1)
    assert {error["row"]: error["errors"] for error in body["errors"]} == {
        3: {"email": ["customer with this email already exists."]},
        5: {"assigned_sales_person": ["You can only assign records to yourself."]}}
    found = customers_by_email(manager)
    assert found["fresh@example.com"]["assigned_sales_person"] == me
    assert found["c1@acme.com"]["name"] == "Customer of other_sales"


def test_bills_create_their_missing_customers(world):
    admin = world.client("manager")
    data = lines(BILL_HEADER,
                 "c0@acme.com,,CAP-01,COM-01,2025-11-30,10,100,1,10,2,20,0,100,Active,Monthly bill",
                 "newco@example.com,New Co,CAP-02,,2025-11-30,1,50,,,,,,,,",
                 "NEWCO@example.com,,CAP-03,,2025-12-01,1,60,,,,,,,,",  # the same new customer
                 "nobody@example.com,,CAP-04,,2025-12-01,1,60,,,,,,,,",  # unknown and no name
                 "c0@acme.com,,CAP-05,,2025-12-01,1,10,,,,,20,,,",  # discount above the lines
                 ",,CAP-06,,2025-12-01,1,10,,,,,,,,")  # no customer at all
    body = send(admin, BILLS, data, "bills.csv").json_body
    assert set(body) == {"success", "processed", "customers_created", "bills_created", "bills_updated", "errors"}
    assert (body["processed"], body["customers_created"], body["bills_created"], body["bills_updated"]) == (
        6, 1, 3, 0)
    errors = {error["row"]: error["errors"] for error in body["errors"]}
    assert set(errors) == {5, 6, 7}
    assert "customer_name" in errors[5] and "discount" in errors[6] and "customer_email" in errors[7]
    listed = admin.get("/api/bills/?ordering=id", expect=200).json_body
    assert [(b["nttn_cap"], b["total_bill"], b["total_due"], b["customer_details"]["email"]) for b in listed] == [
        ("CAP-01", "130.00", "30.00", "c0@acme.com"), ("CAP-02", "50.00", "50.00", "newco@example.com"),
        ("CAP-03", "60.00", "60.00", "newco@example.com")]
    newco = customers_by_email(admin)["newco@example.com"]
    assert newco["name"] == "New Co" and newco["status"] == "Active"
    revenue = {row["email"]: row for row in admin.get("/api/dashboard/customer-wise-revenue/", expect=200).json_body}
    assert revenue["newco@example.com"]["totalRevenue"] == 110.0  # the aggregates moved with the import
    admin.delete(f"/api/customers/{newco['id']}/", expect=409)  # its bills are counted


def test_a_role_without_customers_create_cannot_create_customers_through_bills(world):
    body = send(world.client("accountant"), BILLS, lines(
        BILL_HEADER, "c0@acme.com,,CAP-01,,2025-11-30,1,100,,,,,,,,",
        "brand-new@example.com,Brand New,CAP-02,,2025-11-30,1,100,,,,,,,,")).json_body
    assert (body["bills_created"], body["customers_created"]) == (1, 0)
    assert body["errors"] == [{"row": 3, "errors": {"customer_email": [
        "The customer with this e-mail does not exist, and your role may not create customers."]}}]


def test_bill_rows_with_an_id_change_that_bill(world):
    admin = world.client("manager")
    customer = world.customers["sales"].id
    header = "id,customer," + BILL_HEADER.split(",", 2)[2]
    first = send(admin, BILLS, lines(header, f",{customer},CAP-1,,2025-11-30,1,100,,,,,,,,")).json_body
    assert first["bills_created"] == 1
    bill = admin.get("/api/bills/", expect=200).json_body[0]
    body = send(admin, BILLS, lines(header, f"{bill['id']},{customer},CAP-1,,2025-11-30,1,100,,,,,,40,,",
                                    f"999999,{customer},CAP-1,,2025-11-30,1,100,,,,,,,,",
                                    ",424242,CAP-9,,2025-11-30,1,100,,,,,,,,")).json_body
    assert (body["bills_created"], body["bills_updated"]) == (0, 1)
    assert [(error["row"], list(error["errors"])) for error in body["errors"]] == [(3, ["id"]), (4, ["customer"])]
    assert admin.get(f"/api/bills/{bill['id']}/", expect=200).json_body["total_due"] == "60.00"


def _csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.body.decode("utf-8-sig"))))


def _state(client) -> tuple[list, list]:
    return (client.get("/api/customers/?page_size=500", expect=200).json_body,
            client.get("/api/bills/?page_size=500", expect=200).json_body)


def test_an_export_imports_again_changing_nothing(world):
    """Customers and bills exported (CSV and Excel) and imported back: every row matched, none created,
    every record as it was (same version and updated_at), formula-looking cells included."""
    admin = world.client("manager")
    sales = world.customers["sales"].id
    admin.patch(f"/api/customers/{sales}/", {"company_name": "=HYPERLINK(\"http://x\")", "phone": "+1 555 1",
                                             "address": "'quoted"}, expect=200)
    admin.patch(f"/api/customers/{world.customers['other_sales'].id}/", {"status": "Inactive"}, expect=200)
    admin.post("/api/bills/", {"customer": sales, "billing_date": "2025-11-30", "iig_qt": "10.00",
                               "iig_qt_price": "100.00", "remarks": "-5 off @next", "total_received": "50"},
               expect=201)
    before = _state(admin)
    for kind, accept in (("csv", "text/csv"), ("excel", XLSX)):
        extension = "csv" if kind == "csv" else "xlsx"
        exported = admin.get(f"/api/customers/export/?format={kind}", headers={"Accept": accept}, expect=200)
        if kind == "csv":
            assert _csv_rows(exported)[0]["company_name"].startswith("'=")  # neutralised in the file
        body = send(admin, CUSTOMERS, exported.body, f"customers.{extension}").json_body
        assert (body["processed"], body["created"], body["updated"], body["errors"]) == (2, 0, 2, [])
        bills = admin.get(f"/api/bills/export/?format={kind}", headers={"Accept": accept}, expect=200)
        body = send(admin, BILLS, bills.body, f"bills.{extension}").json_body
        assert (body["processed"], body["bills_created"], body["bills_updated"], body["customers_created"],
                body["errors"]) == (1, 0, 1, 0, [])
        assert _state(admin) == before
    customer = next(c for c in before[0] if c["id"] == sales)
    assert customer["company_name"] == "=HYPERLINK(\"http://x\")" and customer["address"] == "'quoted"


def test_an_export_builds_the_records_again_in_an_empty_system(world):
    """A bills export names each bill's customer by e-mail and name, so it creates the customers it needs."""
    admin = world.client("manager")
    admin.post("/api/bills/", {"customer": world.customers["sales"].id, "billing_date": "2025-11-30",
                               "iig_qt_price": "100.00"}, expect=201)
    rows = _csv_rows(admin.get("/api/bills/export/?format=csv", headers={"Accept": "text/csv"}, expect=200))
    header = [name for name in rows[0] if name not in ("id", "customer")]
    data = lines(",".join(header), ",".join(rows[0][name] if name != "customer_email" else "moved@example.com"
                                            for name in header))
    body = send(admin, BILLS, data).json_body
    assert (body["customers_created"], body["bills_created"]) == (1, 1)
    assert customers_by_email(admin)["moved@example.com"]["name"] == "Customer of sales"


def test_a_file_dropped_in_the_bucket_is_imported_by_the_uploads_worker(world):
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings, using_settings
    from chalicelib.products.isp.services import imports

    app = world.app
    settings = app.crm_product.settings
    with using_settings(settings):
        bucket = get_settings().bucket
        aws.s3().put_object(Bucket=bucket, Key="imports/customers/crm.csv",
                            Body=lines(CUSTOMER_HEADER, "Dropped,,dropped@example.com,,,,,,"))
        aws.s3().put_object(Bucket=bucket, Key="imports/bills/b.csv",
                            Body=lines(BILL_HEADER, "dropped@example.com,,CAP,,2025-11-30,1,10,,,,,,,,",
                                       "else@example.com,Else,CAP,,2025-11-30,1,10,,,,,,,,"))
        events = [json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {
            "bucket": {"name": bucket}, "object": {"key": key}}}]})
            for key in ("imports/customers/crm.csv", "imports/bills/b.csv")]
        from chalice.test import Client

        with Client(app) as client:
            for event in events:
                client.lambda_.invoke("uploads_worker", client.events.generate_sqs_event(
                    [event], queue_name=get_settings().uploads_queue))
        jobs = {job.spec: job for job in imports.engine().jobs.scan()}  # a test's look, never a request path
    assert jobs["customers"].status == "complete" and jobs["customers"].named_counts()["created"] == 1
    assert jobs["bills"].named_counts() == {"created": 2, "updated": 0, "customers_created": 1}
    assert {"dropped@example.com", "else@example.com"} <= set(customers_by_email(world.client("manager")))


def test_a_big_file_goes_through_a_presigned_upload_and_its_job(world):
    """More rows than one request may import: a presigned upload (the import type's permission), the
    worker imports it, and the job shows the counts to its owner (another user's job is 404)."""
    from chalice.test import Client

    from chalicelib.core import aws
    from chalicelib.core.config import get_settings, using_settings

    presign = {"import_type": "customers", "filename": "big.csv"}
    world.client("accountant").post("/api/imports/presign/", presign, expect=403)
    world.client("sales").post("/api/imports/presign/", {**presign, "import_type": "bills"}, expect=403)
    world.client("manager").post("/api/imports/presign/", {**presign, "import_type": "loans"}, expect=400)
    ticket = world.client("accountant").post("/api/imports/presign/", {**presign, "import_type": "bills"},
                                             expect=201).json_body
    with using_settings(world.app.crm_product.settings):
        bucket = get_settings().bucket
        aws.s3().put_object(Bucket=bucket, Key=ticket["key"], Body=lines(
            BILL_HEADER, *(f"c0@acme.com,,CAP-{n},,2025-11-30,1,10,,,,,,,," for n in range(30)),
            "someone@example.com,Someone,CAP,,2025-11-30,1,10,,,,,,,,"))
        event = json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {
            "bucket": {"name": bucket}, "object": {"key": ticket["key"]}}}]})
        with Client(world.app) as client:
            client.lambda_.invoke("uploads_worker", client.events.generate_sqs_event(
                [event], queue_name=get_settings().uploads_queue))
    job = world.client("accountant").get(f"/api/imports/{ticket['job_id']}/", expect=200).json_body
    assert (job["status"], job["created_rows"], job["error_rows"]) == ("complete", 30, 1)
    assert job["counts"] == {"created": 30, "updated": 0, "customers_created": 0}
    assert job["errors"][0]["row"] == 32  # the accountant's role may not create customers, in the bucket too
    world.client("sales").get(f"/api/imports/{ticket['job_id']}/", expect=404)
    assert world.client("manager").get(f"/api/imports/{ticket['job_id']}/", expect=200).json_body["counts"]
