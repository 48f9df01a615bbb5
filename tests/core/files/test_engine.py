"""The engine end to end on in-process moto: API uploads, bucket objects, redelivery and crash retries."""

from __future__ import annotations

import pytest

from chalicelib.core import aws
from chalicelib.core.auth.principal import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.db.counters import counter_model
from chalicelib.core.errors import BadRequest, Forbidden, PayloadTooLarge, ValidationFailed
from chalicelib.core.files.engine import JobBusy
from tests.core.files.conftest import PRODUCT, all_widgets, csv_bytes, truncated_xlsx, widget_spec, xlsx_bytes

MANAGER = Principal(subject="7", username="maya", roles=frozenset({"manager"}))
HEADER = "code,name,qty,color,made_on"


def good_rows(count: int, start: int = 1) -> list[str]:
    return [f"W{n:04d},Widget {n},{n},blue,2024-01-{1 + n % 28:02d}" for n in range(start, start + count)]


def put(key: str, data: bytes) -> str:
    response = aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=data)
    return response["ETag"]


def counter_value() -> int:
    return int(counter_model(PRODUCT).get("widgets").attribute_values.get("value", 0))


def test_csv_upload_creates_rows_and_a_complete_job(engine):
    job = engine.import_upload("widgets", "w.csv", csv_bytes(HEADER, *good_rows(10)), MANAGER)
    assert (job.status, job.total_rows, job.processed_rows, job.created_rows, job.error_rows) == (
        "complete", 10, 10, 10, 0)
    widgets = all_widgets()
    assert [w.id for w in widgets] == list(range(1, 11))
    assert widgets[0].code == "W0001" and widgets[0].made_on == "2024-01-02" and widgets[0].created_by == "7"
    assert job.key.startswith(f"api-uploads/{PRODUCT}/widgets/{job.job_id}/")
    stored = aws.s3().get_object(Bucket=get_settings().bucket, Key=job.key)["Body"].read()
    assert stored.startswith(b"code,name")
    assert engine.get_job(job.job_id, MANAGER).as_dict()["progress"] == 100


def test_xlsx_upload(engine):
    from datetime import date

    data = xlsx_bytes([["Widget Code", "Name", "Quantity", "Made On"],
                       [1234, "Numeric code", 3, date(2024, 5, 6)],
                       ["AB", "Plain", 4.0, None],
                       ["CD", None, "x", None]])
    job = engine.import_upload("widgets", "w.xlsx", data, MANAGER)
    assert job.status == "complete" and job.created_rows == 2
    assert job.row_errors() == [{"row": 4, "errors": {"name": ["This field is required."],
                                                      "qty": ["Input should be a valid integer, unable to parse "
                                                              "string as an integer"]}}]
    widgets = all_widgets()
    assert [(w.code, w.qty, w.color, w.made_on) for w in widgets] == [
        ("1234", 3, "red", "2024-05-06"), ("AB", 4, "red", None)]


def test_bad_rows_are_reported_with_row_numbers_and_good_rows_kept(engine):
    data = csv_bytes(HEADER, "AB,First,1,,", "X,Short code,1,,", "", "CD,,2,,", "EF,Bad qty,-3,,",
                     "AB,Duplicate code,5,,", "GH,Bad date,1,,2024-13-01", "IJ,Last,9,,")
    job = engine.import_upload("widgets", "w.csv", data, MANAGER)
    assert job.created_rows == 2 and job.error_rows == 5
    errors = {item["row"]: item["errors"] for item in job.row_errors()}
    assert sorted(errors) == [3, 5, 6, 7, 8]
    assert errors[3] == {"code": ["String should have at least 2 characters"]}
    assert errors[5] == {"name": ["This field is required."]}
    assert list(errors[6]) == ["qty"]
    assert errors[7] == {"code": ["A widget with this code already exists."]}
    assert list(errors[8]) == ["made_on"]
    assert [w.code for w in all_widgets()] == ["AB", "IJ"]


def test_bom_csv(engine):
    job = engine.import_upload("widgets", "w.csv", csv_bytes(HEADER, *good_rows(2), bom=True), MANAGER)
    assert job.created_rows == 2 and job.error_rows == 0


def test_missing_required_column_is_a_400_and_the_job_fails(engine):
    with pytest.raises(ValidationFailed) as caught:
        engine.import_upload("widgets", "w.csv", csv_bytes("code,colour", "AB,red"), MANAGER)
    assert caught.value.field_errors == {"file": ["Missing required columns: name, qty."]}
    jobs = list(engine.jobs.scan())
    assert [(j.status, j.message) for j in jobs] == [("failed", "Missing required columns: name, qty.")]
    assert all_widgets() == []


def test_unknown_type_and_wrong_role(engine):
    with pytest.raises(ValidationFailed):
        engine.import_upload("gadgets", "w.csv", csv_bytes(HEADER), MANAGER)
    agent = Principal(subject="9", username="al", roles=frozenset({"calling_agent"}))
    with pytest.raises(Forbidden):
        engine.import_upload("widgets", "w.csv", csv_bytes(HEADER), agent)


def test_not_utf8_is_a_400(engine):
    with pytest.raises(BadRequest):
        engine.import_upload("widgets", "w.csv", "code,name,qty\nAB,Caf\u00e9,1\n".encode("cp1252"), MANAGER)
    assert all_widgets() == []


def test_bucket_object_imported_once_even_when_delivered_twice(engine, writer):
    key = "imports/widgets/direct drop.csv"
    etag = put(key, csv_bytes(HEADER, *good_rows(10)))
    first = engine.handle_object(get_settings().bucket, key, etag=etag)
    calls = len(writer.calls)
    again = engine.handle_object(get_settings().bucket, key, etag=etag)
    assert first.job_id == again.job_id and again.status == "complete" and again.created_rows == 10
    assert len(writer.calls) == calls  # the second delivery wrote nothing
    assert len(all_widgets()) == 10 and counter_value() == 10
    assert first.owner is None and first.source == "bucket"


def test_same_key_with_new_content_is_a_new_job(engine):
    key = "imports/widgets/daily.csv"
    first = engine.handle_object(get_settings().bucket, key, etag=put(key, csv_bytes(HEADER, *good_rows(3))))
    second = engine.handle_object(get_settings().bucket, key,
                                  etag=put(key, csv_bytes(HEADER, *good_rows(2, start=50))))
    assert first.job_id != second.job_id and second.created_rows == 2
    assert len(all_widgets()) == 5


def test_stale_event_for_a_replaced_object_stands_aside(engine):
    key = "imports/widgets/daily.csv"
    old = put(key, csv_bytes(HEADER, *good_rows(3)))
    put(key, csv_bytes(HEADER, *good_rows(2, start=50)))
    job = engine.handle_object(get_settings().bucket, key, etag=old)
    assert job.status == "failed" and "replaced" in job.message
    assert all_widgets() == []


def test_a_late_redelivery_for_a_replaced_object_keeps_its_completed_job(engine):
    key = "imports/widgets/daily.csv"
    old = put(key, csv_bytes(HEADER, *good_rows(3)))
    done = engine.handle_object(get_settings().bucket, key, etag=old)
    assert done.status == "complete" and done.created_rows == 3
    put(key, csv_bytes(HEADER, *good_rows(2, start=50)))  # replaced before the old event came again
    again = engine.handle_object(get_settings().bucket, key, etag=old)
    assert (again.job_id, again.status) == (done.job_id, "complete")
    assert engine.jobs.get(done.job_id).status == "complete"


@pytest.mark.parametrize("after_write", [False, True])
def test_crash_mid_way_then_retry_ends_with_exactly_the_right_records(engine, writer, after_write):
    key = "imports/widgets/big.csv"
    rows = good_rows(11)
    rows[5] = "Q,too short,1,,"  # row 7 is invalid: ids stay contiguous only over valid rows
    etag = put(key, csv_bytes(HEADER, *rows))
    writer.fail_on, writer.fail_after_write = 8, after_write  # chunk rows 6-9 (chunk_rows=4)
    with pytest.raises(RuntimeError):
        engine.handle_object(get_settings().bucket, key, etag=etag)
    job = next(iter(engine.jobs.scan()))
    assert job.status == "processing" and job.next_row == 6 and job.processed_rows == 4
    assert (job.block_row, job.block_count) == (6, 3)  # recorded before the write

    job = engine.handle_object(get_settings().bucket, key, etag=etag)  # the redelivery
    assert job.status == "complete" and job.created_rows == 10 and job.error_rows == 1
    assert [e["row"] for e in job.row_errors()] == [7]
    widgets = all_widgets()
    assert [w.id for w in widgets] == list(range(1, 11))  # nothing twice, no id wasted
    assert sorted(w.code for w in widgets) == sorted(r.split(",")[0] for r in rows if not r.startswith("Q,"))
    assert counter_value() == 10


def test_without_an_id_sequence_a_retry_still_knows_the_chunk_was_in_flight(aws_env):
    """A writer keyed on `uuid_for` (no ids reserved) is told which batches an earlier attempt may have
    written, so it can skip them instead of refusing its own records as taken."""
    from chalicelib.core.files.engine import ImportEngine
    from chalicelib.core.files.spec import ImportSpec
    from tests.core.files.conftest import WidgetRow

    calls: list[tuple[int, bool]] = []
    crash = {"row": 8}

    def write(batch):
        rows = [row for row, _ in batch.rows]
        calls.append((rows[0], batch.resumed))
        if crash["row"] in rows:
            crash["row"] = None
            raise RuntimeError("simulated crash")
        return []

    engine = ImportEngine(PRODUCT, counter_model(PRODUCT), [ImportSpec(name="widgets", row_model=WidgetRow,
                                                                       write=write)], chunk_rows=4)
    key = "imports/widgets/no-ids.csv"
    etag = put(key, csv_bytes(HEADER, *good_rows(10)))
    with pytest.raises(RuntimeError):
        engine.handle_object(get_settings().bucket, key, etag=etag)
    job = engine.handle_object(get_settings().bucket, key, etag=etag)
    assert (job.status, job.created_rows) == ("complete", 10)
    assert calls == [(2, False), (6, False), (6, True), (10, False)]  # rows 2-5, 6-9 (crashed, resumed), 10-11


def test_final_attempt_marks_the_job_failed(engine, writer):
    key = "imports/widgets/poison.csv"
    etag = put(key, csv_bytes(HEADER, *good_rows(2)))
    writer.fail_on = 2
    with pytest.raises(RuntimeError):
        engine.handle_object(get_settings().bucket, key, etag=etag, final_attempt=True)
    job = next(iter(engine.jobs.scan()))
    assert job.status == "failed" and "internal error" in job.message


def test_a_concurrent_worker_that_moved_the_job_makes_this_one_stand_down(engine, writer):
    key = "imports/widgets/race.csv"
    etag = put(key, csv_bytes(HEADER, *good_rows(6)))

    def other_worker_checkpoints(batch):
        if batch.rows[0][0] == 2:
            job = engine.jobs.get(batch.job_id)
            job.update(actions=[engine.jobs.next_row.set(6)])

    writer.hook = other_worker_checkpoints
    with pytest.raises(JobBusy):
        engine.handle_object(get_settings().bucket, key, etag=etag)


def test_unknown_import_type_in_the_bucket_is_recorded_as_failed(engine):
    key = "imports/gadgets/x.csv"
    put(key, csv_bytes(HEADER))
    job = engine.handle_object(get_settings().bucket, key)
    assert job.status == "failed" and "gadgets" in job.message


def test_bad_file_in_the_bucket_fails_the_job_without_raising(engine):
    key = "imports/widgets/bad.csv"
    etag = put(key, csv_bytes("code", "AB"))
    job = engine.handle_object(get_settings().bucket, key, etag=etag)
    assert job.status == "failed" and job.message == "Missing required columns: name, qty."
    assert engine.handle_object(get_settings().bucket, key, etag=etag).job_id == job.job_id


def test_many_rows_checkpoint_per_chunk(aws_env, writer):
    from chalicelib.core.files.engine import ImportEngine
    from tests.core.files.conftest import widget_spec

    engine = ImportEngine(PRODUCT, counter_model(PRODUCT), [widget_spec(writer)])  # default chunk of 1000
    job = engine.import_upload("widgets", "w.csv", csv_bytes(HEADER, *good_rows(600)), MANAGER)
    assert job.created_rows == 600 and job.total_rows == 600
    assert max(len(rows) for rows in writer.calls) == 100
    assert [w.id for w in all_widgets()] == list(range(1, 601))


def test_retry_after_a_deploy_with_another_chunk_size_cuts_the_chunk_in_flight_the_same_way(engine, writer):
    from chalicelib.core.files.engine import ImportEngine
    from tests.core.files.conftest import widget_spec

    key = "imports/widgets/resized.csv"
    etag = put(key, csv_bytes(HEADER, *good_rows(12)))
    writer.fail_on, writer.fail_after_write = 8, True
    with pytest.raises(RuntimeError):
        engine.handle_object(get_settings().bucket, key, etag=etag)
    other = ImportEngine(PRODUCT, counter_model(PRODUCT), [widget_spec(writer)], chunk_rows=5)
    job = other.handle_object(get_settings().bucket, key, etag=etag)
    assert job.status == "complete" and job.created_rows == 12
    assert [w.id for w in all_widgets()] == list(range(1, 13)) and counter_value() == 12


# -- synchronous uploads: a row cap, and every failure leaves a failed job ------------------------------
def test_an_api_upload_over_the_row_cap_is_413_and_the_job_fails(aws_env, writer):
    from chalicelib.core.files.engine import ImportEngine

    engine = ImportEngine(PRODUCT, counter_model(PRODUCT), [widget_spec(writer)], sync_max_rows=5)
    assert engine.import_upload("widgets", "w.csv", csv_bytes(HEADER, *good_rows(5)), MANAGER).created_rows == 5
    for filename, data in [("w.csv", csv_bytes(HEADER, *good_rows(6, start=10))),
                           ("w.xlsx", xlsx_bytes([HEADER.split(",")] + [row.split(",") for row in good_rows(6, 20)]))]:
        with pytest.raises(PayloadTooLarge) as caught:
            engine.import_upload("widgets", filename, data, MANAGER)
        assert "more than 5 rows" in caught.value.message and "POST /api/imports/presign/" in caught.value.message
    failed = [job for job in engine.jobs.scan() if job.status == "failed"]
    assert len(failed) == 2 and all("presign" in job.message for job in failed)
    assert len(all_widgets()) == 5 and not any(len(calls) > 5 for calls in writer.calls)


def test_the_row_cap_comes_from_the_setting_and_does_not_apply_to_bucket_objects(engine, monkeypatch):
    from chalicelib.core.config import reset_settings

    monkeypatch.setenv("CRM_SYNC_IMPORT_MAX_ROWS", "3")
    reset_settings()
    try:
        with pytest.raises(PayloadTooLarge):
            engine.import_upload("widgets", "w.csv", csv_bytes(HEADER, *good_rows(4)), MANAGER)
        key = "imports/widgets/big.csv"
        job = engine.handle_object(get_settings().bucket, key, etag=put(key, csv_bytes(HEADER, *good_rows(4))))
        assert job.status == "complete" and job.created_rows == 4
    finally:
        monkeypatch.delenv("CRM_SYNC_IMPORT_MAX_ROWS")
        reset_settings()
    assert get_settings().sync_import_max_rows == 5000


def damaged_workbook() -> bytes:
    return truncated_xlsx([HEADER.split(",")] + [row.split(",") for row in good_rows(20)], after_row=10)


def test_a_damaged_workbook_is_a_400_and_the_job_fails(engine):
    with pytest.raises(BadRequest) as caught:
        engine.import_upload("widgets", "w.xlsx", damaged_workbook(), MANAGER)
    assert caught.value.message == ("The file could not be read: the workbook is damaged or incomplete "
                                    "after row 10.")
    [job] = engine.jobs.scan()
    assert (job.status, job.message) == ("failed", caught.value.message)


def test_an_unexpected_error_in_an_api_upload_fails_the_job(engine, writer):
    writer.fail_on = 3
    with pytest.raises(RuntimeError):
        engine.import_upload("widgets", "w.csv", csv_bytes(HEADER, *good_rows(3)), MANAGER)
    [job] = engine.jobs.scan()
    assert job.status == "failed" and "internal error" in job.message


def test_a_damaged_workbook_in_the_bucket_fails_its_job_without_raising(engine):
    key = "imports/widgets/damaged.xlsx"
    job = engine.handle_object(get_settings().bucket, key, etag=put(key, damaged_workbook()))
    assert job.status == "failed" and job.message.startswith("The file could not be read")
    assert job.created_rows == 8  # the chunks before the damage (rows 2-9) were committed and are kept
    assert len(all_widgets()) == 8


# -- the same presigned key uploaded twice ----------------------------------------------------------------
def test_a_stale_event_for_a_presigned_key_leaves_the_job_to_the_newest_upload(engine, writer):
    data = engine.presign("widgets", "w.csv", MANAGER)
    old = put(data["key"], csv_bytes(HEADER, *good_rows(3)))
    new = put(data["key"], csv_bytes(HEADER, *good_rows(2, start=50)))
    stale = engine.handle_object(get_settings().bucket, data["key"], etag=old)
    assert stale.job_id != data["job_id"] and stale.status == "failed" and "replaced" in stale.message
    assert engine.jobs.get(data["job_id"]).status == "pending"
    job = engine.handle_object(get_settings().bucket, data["key"], etag=new)
    assert (job.job_id, job.status, job.created_rows, job.etag) == (data["job_id"], "complete", 2, new.strip('"'))
    calls = len(writer.calls)
    for etag in (old, new):  # redeliveries of either event write nothing
        engine.handle_object(get_settings().bucket, data["key"], etag=etag)
    assert len(writer.calls) == calls
    assert sorted(w.code for w in all_widgets()) == ["W0050", "W0051"]


def test_a_presigned_key_uploaded_again_after_its_import_is_a_new_job_for_the_same_owner(engine):
    data = engine.presign("widgets", "w.csv", MANAGER)
    first = engine.handle_object(get_settings().bucket, data["key"],
                                 etag=put(data["key"], csv_bytes(HEADER, *good_rows(3))))
    assert first.job_id == data["job_id"] and first.created_rows == 3
    second = engine.handle_object(get_settings().bucket, data["key"],
                                  etag=put(data["key"], csv_bytes(HEADER, *good_rows(2, start=50))))
    assert second.job_id != first.job_id and second.created_rows == 2 and second.owner == "7"
    assert engine.jobs.get(data["job_id"]).status == "complete"
    assert len(all_widgets()) == 5
