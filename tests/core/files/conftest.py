"""A tiny import ("widgets") with its own table, so the engine is tested without any product's models."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date

import pytest
from pydantic import BaseModel, Field
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db import txn
from chalicelib.core.db.base import meta
from chalicelib.core.db.counters import counter_model
from chalicelib.core.db.unique import Guard, unique_model
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.files.answer import ExportQuery as CoreExportQuery
from chalicelib.core.files.spec import ExportSpec, ImportBatch, ImportSpec, RowError
from chalicelib.core.jobs.model import job_model
from tests.kit.bodies import file_upload as multipart  # noqa: F401 - re-exported for the tests here
from tests.kit.bodies import xlsx_bytes

PRODUCT = "repaysync"
ROLES = ("calling_agent", "collection_officer", "manager", "admin")
WIDGETS_SLUG = "widgets-test"  # the test app's own slug: product_tokens() caches one TokenService per slug
_queue_urls: dict[str, str] = {}  # what create_buckets_and_queues answered when the stage was first built


class Widget(Model):
    Meta = meta("widgets", PRODUCT)
    id = NumberAttribute(hash_key=True)
    code = UnicodeAttribute()
    name = UnicodeAttribute()
    qty = NumberAttribute()
    color = UnicodeAttribute()
    made_on = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)


class WidgetRow(BaseModel):
    code: str = Field(min_length=2, max_length=12)
    name: str
    qty: int = Field(ge=0)
    color: str = "red"
    made_on: date | None = None


@dataclass
class Writer:
    """Writes widgets like a product would: a unique code guard owned by the record id, then a batch write.

    `fail_on` makes it crash once at a row (before or after writing its batch), like a Lambda dying.
    """

    calls: list[list[int]] = field(default_factory=list)
    fail_on: int | None = None
    fail_after_write: bool = False
    hook: object = None

    def __call__(self, batch: ImportBatch) -> list[RowError]:
        rows = [row for row, _ in batch.rows]
        self.calls.append(rows)
        if self.hook is not None:
            self.hook(batch)
        crash = self.fail_on is not None and self.fail_on in rows
        if crash and not self.fail_after_write:
            self.fail_on = None
            raise RuntimeError("simulated crash before the batch write")
        guards = unique_model(PRODUCT)
        errors: list[RowError] = []
        accepted = []
        for row, widget_id, data in batch.items():
            guard = Guard("widget", "code", data.code)
            try:  # the same record written again is not a clash (claim's rule)
                txn.run(guards, [txn.claim(guards, guard, str(widget_id))])
            except ValidationFailed:
                errors.append(RowError(row, {"code": ["A widget with this code already exists."]}))
                continue
            accepted.append(Widget(widget_id, code=data.code, name=data.name, qty=data.qty, color=data.color,
                                   made_on=data.made_on.isoformat() if data.made_on else None,
                                   created_by=batch.principal.subject if batch.principal else None))
        with Widget.batch_write() as writer:
            for widget in accepted:
                writer.save(widget)
        if crash:
            self.fail_on = None
            raise RuntimeError("simulated crash after the batch write")
        return errors


def widget_spec(writer: Writer) -> ImportSpec:
    return ImportSpec(name="widgets", row_model=WidgetRow, write=writer,
                      headers={"code": ("Widget Code", "sku"), "qty": ("quantity",)},
                      id_sequence="widgets", roles=frozenset({"manager", "admin"}))


class ExportQuery(CoreExportQuery):
    inline_max: int | None = None  # a test hook: lower the inline limit to reach the bucket


def widget_export(spec: ImportSpec) -> ExportSpec:
    """The widgets export, mirrored on their import: the same columns, so the file imports again."""
    return ExportSpec.mirror(spec, lambda widget: {
        "code": widget.code, "name": widget.name, "qty": int(widget.qty), "color": widget.color,
        "made_on": widget.made_on})


def all_widgets() -> list[Widget]:
    return sorted(Widget.scan(), key=lambda widget: widget.id)  # a test helper, never a request path


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def truncated_xlsx(rows: list[list[object]], after_row: int) -> bytes:
    """A workbook whose sheet XML stops part-way through the row after `after_row` (a damaged upload)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body[:body.index(f'<row r="{after_row + 1}"'.encode()) + 20]
            target.writestr(item, body)
    return buffer.getvalue()




@pytest.fixture()
def aws_env(aws_mock):
    """A fresh emulation with the widgets, counters, uniques, jobs and revocations tables, bucket, queues
    and signing key (as a deployed stage has it: Lambdas never create it), built once and then restored
    from a snapshot for each test (tests/kit/stage.py)."""
    from chalicelib.core import aws
    from chalicelib.core.auth.keys import keyring
    from chalicelib.core.auth.store import revocation_model
    from chalicelib.core.config import get_settings
    from chalicelib.core.db.tables import ensure_tables
    from local.gateway import install
    from local.resources import create_buckets_and_queues
    from tests.kit.stage import install_signing_key, restore

    def deploy() -> None:
        ensure_tables([Widget, counter_model(PRODUCT), unique_model(PRODUCT), job_model(PRODUCT),
                       revocation_model(WIDGETS_SLUG)])
        _queue_urls.update(create_buckets_and_queues())
        install_signing_key()

    install()
    restore(aws_mock, ("core-files-widgets", get_settings().model_dump_json()), deploy)
    keyring.forget()
    aws.reset_clients()
    return dict(_queue_urls)


@pytest.fixture()
def writer() -> Writer:
    return Writer()


@pytest.fixture()
def engine(aws_env, writer):
    from chalicelib.core.files.engine import ImportEngine

    return ImportEngine(PRODUCT, counter_model(PRODUCT), [widget_spec(writer)], chunk_rows=4)


@pytest.fixture()
def widgets_app(engine):
    """A small Chalice app: the import routes, an upload route, and the uploads worker."""
    from chalice import Chalice

    from chalicelib.core.api import Api
    from chalicelib.core.app_factory import BINARY_TYPES
    from chalicelib.core.auth.authorizer import register_authorizer
    from chalicelib.core.errors import BadRequest, render_error_or_errors
    from chalicelib.core.files.routes import register_import_routes
    from chalicelib.core.files.worker import register_upload_worker
    from chalicelib.core.product import Product

    audited: list = []  # the audit trail's entries (core.api.AuditEntry), for the tests that read it
    api = Api(PRODUCT, render_error_or_errors, audit=audited.append)
    register_import_routes(api, lambda: engine, engine.specs, roles={"manager", "admin"})

    @api.route("/api/widgets/bulk/upload/", ["POST"], roles={"manager", "admin"})
    def upload(call):
        file = call.parsed.files.get("file") if call.parsed else None
        if file is None:
            raise BadRequest("No file provided.")
        job = engine.import_upload("widgets", file.filename, file.data, call.user)
        return {"records_created": job.created_rows, "errors": job.row_errors(), "job_id": job.job_id}

    exports = widget_export(engine.specs["widgets"])

    @api.route("/api/widgets/export/", ["GET"], roles={"manager", "admin"}, query=ExportQuery, files=("csv", "xlsx"))
    def export(call):
        """The widgets as a file (`?inline_max=` lowers the inline limit, so tests reach the bucket)."""
        from chalicelib.core.files.answer import FileReply

        options = {"inline_max_bytes": call.query_model.inline_max} if call.query_model.inline_max is not None else {}
        return FileReply.export(exports, iter(all_widgets()), kind=call.query_model.kind, **options)

    from chalicelib.core.jobs.routes import register_job_routes
    from chalicelib.core.jobs.service import Jobs

    register_job_routes(api, Jobs(PRODUCT), roles={"manager", "admin"})

    # its own slug: product_tokens() caches one TokenService per slug, and this one has no user resolver
    from chalicelib.core.auth.store import revocation_model

    revocations = revocation_model(WIDGETS_SLUG)  # the authorizer checks a token's session in it (aws_env made it)
    product = Product(slug=WIDGETS_SLUG, api=api, models=[revocations], roles=ROLES, admin_role="admin")
    app = Chalice(app_name="widgets-test")
    app.api.binary_types.extend(t for t in BINARY_TYPES if t not in app.api.binary_types)
    authorizer = register_authorizer(app, product)
    api.attach(app, authorizer)
    register_upload_worker(app, lambda: engine)
    app.crm_product = product
    app.crm_audited = audited
    return app


@pytest.fixture()
def client(widgets_app):
    from chalice.test import Client

    with Client(widgets_app) as test_client:
        yield test_client


@pytest.fixture()
def token(widgets_app):
    from chalicelib.core.auth.authorizer import product_tokens
    from chalicelib.core.auth.principal import Principal

    def issue(subject: str = "7", *roles: str) -> dict[str, str]:
        principal = Principal(subject=subject, username=f"user{subject}", roles=frozenset(roles or ("manager",)))
        access = product_tokens(widgets_app.crm_product).issue(principal).access
        return {"Authorization": f"Bearer {access}"}

    return issue


def s3_event(bucket: str, key: str, etag: str | None = None) -> str:
    from urllib.parse import quote_plus

    obj: dict[str, object] = {"key": quote_plus(key), "size": 1}
    if etag:
        obj["eTag"] = etag
    return json.dumps({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                                    "eventName": "ObjectCreated:Put",
                                    "s3": {"bucket": {"name": bucket}, "object": obj}}]})
