"""Named counts from a writer (`WriteResult`): added per chunk at its checkpoint, so never twice."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.core import aws
from chalicelib.core.auth.principal import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.db.counters import counter_model
from chalicelib.core.db.read import batch_get
from chalicelib.core.db.unique import Guard, unique_model
from chalicelib.core.files.spec import ImportBatch, ImportSpec, RowError, WriteResult
from tests.core.files.conftest import PRODUCT, Widget, WidgetRow, all_widgets, csv_bytes

MANAGER = Principal(subject="7", username="maya", roles=frozenset({"manager"}))
HEADER = "code,name,qty,color,made_on"


@dataclass
class UpsertWriter:
    """Widgets matched by code: a new code creates the row's widget, a known one updates it.

    The outcome of a row is read from the data, so a batch written again answers the same counts: a
    widget whose id is the row's reserved id was created by this row (an earlier attempt)."""

    crash_at_row: int | None = None
    seen: list[int] = field(default_factory=list)

    def __call__(self, batch: ImportBatch) -> WriteResult:
        guards = unique_model(PRODUCT)
        items = batch.items()
        keys = {Guard("widget", "code", row.code).key for _, _, row in items}
        owners = {guard.key: int(guard.owner) for guard in batch_get(guards, list(keys)).values()}
        counts = {"created": 0, "updated": 0, "blue": 0}
        errors: list[RowError] = []
        for number, widget_id, row in items:
            self.seen.append(number)
            if row.name == "refuse":
                errors.append(RowError(number, {"name": ["Refused."]}))
                continue
            key = Guard("widget", "code", row.code).key
            owner = owners.get(key)
            if owner is None:
                guards(key, owner=str(widget_id)).save()
                owners[key] = owner = widget_id
                outcome = "created"
            else:
                outcome = "created" if owner == widget_id else "updated"
            Widget(owner, code=row.code, name=row.name, qty=row.qty, color=row.color).save()
            counts[outcome] += 1
            counts["blue"] += row.color == "blue"
        if self.crash_at_row is not None and self.crash_at_row in [n for n, _, _ in items]:
            self.crash_at_row = None
            raise RuntimeError("simulated crash after the batch was written")
        return WriteResult(errors, counts)


@pytest.fixture()
def upserts(aws_env):
    from chalicelib.core.files.engine import ImportEngine

    writer = UpsertWriter()
    spec = ImportSpec(name="widgets", row_model=WidgetRow, write=writer, id_sequence="widgets")
    return ImportEngine(PRODUCT, counter_model(PRODUCT), [spec], chunk_rows=3, writers=1), writer


def test_named_counts_accumulate_over_chunks_and_feed_created_rows(upserts):
    engine, _ = upserts
    first = engine.import_upload("widgets", "w.csv", csv_bytes(HEADER, "AA1,a,1,blue,", "AA2,b,2,red,"), MANAGER)
    assert first.named_counts() == {"created": 2, "updated": 0, "blue": 1}
    job = engine.import_upload("widgets", "w.csv", csv_bytes(
        HEADER, "AA1,a2,1,blue,", "AA3,c,3,blue,", "x,too short,1,,", "AA2,b2,2,red,", "AA4,refuse,1,,",
        "AA5,e,5,red,"), MANAGER)
    assert job.status == "complete"
    assert job.named_counts() == {"created": 2, "updated": 2, "blue": 2}  # over two chunks of 3 rows
    assert (job.created_rows, job.error_rows) == (2, 2)
    assert [error["row"] for error in job.row_errors()] == [4, 6]
    assert job.result == {"created_rows": 2, "error_rows": 2, "counts": {"created": 2, "updated": 2, "blue": 2}}
    assert sorted(w.name for w in all_widgets()) == ["a2", "b2", "c", "e"]


def test_a_chunk_written_again_after_a_crash_is_counted_once(upserts):
    engine, writer = upserts
    engine.import_upload("widgets", "seed.csv", csv_bytes(HEADER, "AA1,a,1,red,"), MANAGER)
    key = "imports/widgets/retry.csv"
    body = csv_bytes(HEADER, "AA1,a2,1,blue,", "AA2,b,2,blue,", "AA3,c,3,red,", "AA4,d,4,blue,", "AA5,e,5,red,")
    etag = aws.s3().put_object(Bucket=get_settings().bucket, Key=key, Body=body)["ETag"]
    writer.crash_at_row = 5  # the second chunk (rows 5-6) is written, then the Lambda dies
    with pytest.raises(RuntimeError):
        engine.handle_object(get_settings().bucket, key, etag=etag)
    stuck = engine.jobs.get(next(j.job_id for j in engine.jobs.scan() if j.key == key))
    assert stuck.named_counts() == {"created": 2, "updated": 1, "blue": 2}  # only the first chunk's

    job = engine.handle_object(get_settings().bucket, key, etag=etag)  # the redelivery writes rows 5-6 again
    assert writer.seen.count(5) == 2
    assert job.status == "complete"
    assert job.named_counts() == {"created": 4, "updated": 1, "blue": 3}
    assert job.created_rows == 4
    assert len(all_widgets()) == 5
    again = engine.handle_object(get_settings().bucket, key, etag=etag)  # a late duplicate: skipped
    assert again.named_counts() == job.named_counts()


def test_plain_error_lists_keep_their_answer(engine):
    job = engine.import_upload("widgets", "w.csv", csv_bytes(HEADER, "AA1,a,1,blue,"), MANAGER)
    assert job.tallies is None and job.named_counts() == {}
    assert job.result == {"created_rows": 1, "error_rows": 0}
