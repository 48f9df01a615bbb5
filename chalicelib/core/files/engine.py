"""The import engine: one code path for API uploads and bucket objects, safe to run twice.

A file is read in chunks of `chunk_rows` rows. For each chunk the engine validates the rows,
reserves an id block and records it on the job (before writing), batch-writes the valid rows
25 at a time, then checkpoints the job (next row, progress, errors) on the condition that nobody
else moved it. A redelivered or retried object resumes at the checkpoint and reuses the recorded
block for the chunk in flight, so every row gets the same id every time and nothing is created twice.
See README.md in this package.
"""

from __future__ import annotations

import contextvars
import hashlib
import io
import logging
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.models import Model

from chalicelib.core import aws, metrics
from chalicelib.core.auth.principal import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.db.base import is_conditional_failure, utcnow
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.errors import ApiError, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from chalicelib.core.files.jobs import (
    COMPLETE,
    FAILED,
    FINISHED,
    MAX_ERRORS,
    PENDING,
    PROCESSING,
    ImportJob,
    import_job_model,
)
from chalicelib.core.files.jobs import KIND as IMPORT_KIND
from chalicelib.core.files.reader import Table, UnreadableFile, open_table
from chalicelib.core.files.rows import RowMapper
from chalicelib.core.files.spec import ImportBatch, ImportSpec, RowError, WriteResult

logger = logging.getLogger("crm.imports")

IMPORTS_PREFIX = "imports/"
API_UPLOADS_PREFIX = "api-uploads/"
BATCH_ROWS = 100  # rows per writer call: a transaction holds up to 100 items (the writer packs them)
CHUNK_ROWS = 1000  # rows per checkpoint (and per id block): three job/counter writes per chunk
WRITERS = 4  # batches written at once: each is a round trip to DynamoDB, mostly waiting
PRESIGN_SECONDS = 900
MAX_OBJECT_BYTES = 100 * 1024 * 1024
SPOOL_BYTES = 8 * 1024 * 1024  # bigger objects spill to /tmp while they are read
ACCEPTED_EXTENSIONS = (".csv", ".xlsx", ".xlsm")
INTERNAL_ERROR = "The import stopped on an internal error; rows before the failure were kept."
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class JobBusy(Exception):
    """Another worker moved this job on; the message should come back later (then it resumes or skips)."""


def safe_filename(filename: str) -> str:
    """The base name with only harmless characters (it becomes part of an S3 key)."""
    base = re.split(r"[\\/]", filename or "")[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")[:120]
    return cleaned or "upload"


def _message(error: ApiError) -> str:
    if error.field_errors:
        return " ".join(message for messages in error.field_errors.values() for message in messages)
    return error.message


class ImportEngine:
    """Imports for one product; `specs` are its import types, `counters` its id counters table."""

    def __init__(self, product: str, counters: type[Model], specs: list[ImportSpec], *,
                 admin_roles: frozenset[str] = frozenset({"admin"}), chunk_rows: int = CHUNK_ROWS,
                 max_object_bytes: int = MAX_OBJECT_BYTES, sync_max_rows: int | None = None,
                 writers: int = WRITERS, permissions: Callable[[Principal, str], bool] | None = None,
                 presign_path: str = "/api/imports/presign/") -> None:
        self.product = product
        self.presign_path = presign_path  # where the product serves `presign` (named by the 413 on big uploads)
        self.counters = counters
        self.specs = {spec.name: spec for spec in specs}
        self.jobs = import_job_model(product)
        self.admin_roles = admin_roles
        self.chunk_rows = chunk_rows
        self.writers = writers
        self.max_object_bytes = max_object_bytes
        self._sync_max_rows = sync_max_rows  # None: the CRM_SYNC_IMPORT_MAX_ROWS setting
        self.permissions = permissions  # (principal, permission) -> allowed: a spec's `permission`

    @property
    def sync_max_rows(self) -> int:
        """The most data rows an API upload imports synchronously (it must finish inside API Gateway's 29 s)."""
        if self._sync_max_rows is not None:
            return self._sync_max_rows
        return get_settings().sync_import_max_rows

    # -- entry points ------------------------------------------------------------------------
    def spec(self, name: str, field_name: str = "import_type") -> ImportSpec:
        try:
            return self.specs[name]
        except KeyError:
            raise ValidationFailed({field_name: [f"\"{name}\" is not a valid choice."]}) from None

    def import_upload(self, spec_name: str, filename: str, data: bytes, principal: Principal | None) -> ImportJob:
        """Store an API upload (under a prefix the bucket does not notify) and import it now.

        A file over `sync_max_rows` rows is a 413 (it belongs in the bucket, via `presign`). Nothing
        redelivers an API upload, so any error marks its job failed before it propagates.
        """
        spec = self.spec(spec_name)
        self._check_role(spec, principal)
        filename = safe_filename(filename)
        job_id = uuid.uuid4().hex
        bucket = get_settings().bucket
        key = f"{API_UPLOADS_PREFIX}{self.product}/{spec.name}/{job_id}/{filename}"
        put = aws.s3().put_object(Bucket=bucket, Key=key, Body=data)
        job = self._new_job(job_id, spec, filename, bucket, key, principal, source="api",
                            etag=str(put.get("ETag", "")).strip('"') or None, status=PROCESSING)
        job.save(condition=self.jobs.job_id.does_not_exist())
        try:
            return self._run(job, spec, io.BytesIO(data), raise_bad_file=True, max_rows=self.sync_max_rows)
        except Exception as error:
            if job.status not in FINISHED:
                self._fail(job, _message(error) if isinstance(error, ApiError) else INTERNAL_ERROR)
            raise

    def handle_object(self, bucket: str, key: str, *, etag: str | None = None,
                      final_attempt: bool = False) -> ImportJob:
        """Import an object put under `imports/<spec>/...`; the same object twice creates nothing twice.

        `etag` (from the event) lets a stale event for a since-replaced object stand aside;
        `final_attempt` marks the job failed before the error propagates to the DLQ.
        """
        parts = key.split("/")
        if len(parts) < 3 or parts[0] + "/" != IMPORTS_PREFIX or not parts[-1]:
            return self._record_failure(bucket, key, etag, None, "The object key is not imports/<type>/<file>.")
        spec = self.specs.get(parts[1])
        if spec is None:
            return self._record_failure(bucket, key, etag, None, f"Unknown import type \"{parts[1]}\".")
        s3 = aws.s3()
        try:
            obj = s3.get_object(Bucket=bucket, Key=key)
        except s3.exceptions.NoSuchKey:
            return self._record_failure(bucket, key, etag, spec, "The uploaded object no longer exists.")
        current = str(obj.get("ETag", "")).strip('"')
        if etag and etag.strip('"') != current:
            obj["Body"].close()
            logger.info("object %s was replaced since its event; the newer event imports it", key)
            return self._record_failure(bucket, key, etag.strip('"'), spec,
                                        "The file was replaced by a newer upload before it was imported.",
                                        claim=False)
        job = self._job_for_object(spec, bucket, key, current)
        if job.status in FINISHED:
            obj["Body"].close()
            logger.info("import job %s already %s for %s; skipped", job.job_id, job.status, key)
            return job
        if int(obj.get("ContentLength") or 0) > self.max_object_bytes:
            obj["Body"].close()
            return self._fail(job, f"The file is larger than {self.max_object_bytes // (1024 * 1024)} MB.")
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            shutil.copyfileobj(obj["Body"], spool, 1024 * 1024)
            try:
                return self._run(job, spec, spool, raise_bad_file=False)  # type: ignore[arg-type]
            except JobBusy:
                raise
            except Exception:
                if final_attempt:
                    self._fail(job, INTERNAL_ERROR)
                raise

    def presign(self, spec_name: str, filename: str, principal: Principal) -> dict[str, Any]:
        """A presigned POST for a file too big for API Gateway, and its job (pending until it lands)."""
        spec = self.spec(spec_name)
        self._check_role(spec, principal)
        filename = safe_filename(filename)
        if not filename.lower().endswith(ACCEPTED_EXTENSIONS):
            raise ValidationFailed({"filename": ["Only .csv and .xlsx files can be imported."]})
        job_id = uuid.uuid4().hex
        bucket = get_settings().bucket
        key = f"{IMPORTS_PREFIX}{spec.name}/{job_id}/{filename}"
        post = aws.s3().generate_presigned_post(
            Bucket=bucket, Key=key, ExpiresIn=PRESIGN_SECONDS,
            Conditions=[["content-length-range", 1, self.max_object_bytes]])
        job = self._new_job(job_id, spec, filename, bucket, key, principal, source="bucket")
        job.save(condition=self.jobs.job_id.does_not_exist())
        return {"job_id": job_id, "url": post["url"], "fields": post["fields"], "key": key,
                "expires_in": PRESIGN_SECONDS}

    def get_job(self, job_id: str, principal: Principal) -> ImportJob:
        """The caller's job (admins see every job); 404 otherwise."""
        try:
            job = self.jobs.get(job_id)
        except self.jobs.DoesNotExist:
            raise NotFound("Import job not found.") from None
        if job.kind != IMPORT_KIND or (job.owner != principal.subject and not (principal.roles & self.admin_roles)):
            raise NotFound("Import job not found.")
        return job

    # -- jobs --------------------------------------------------------------------------------
    def _check_role(self, spec: ImportSpec, principal: Principal | None) -> None:
        if principal is None:
            return
        if spec.roles is not None and not principal.has_any(spec.roles):
            raise Forbidden()
        if spec.permission is not None and self.permissions is not None \
                and not self.permissions(principal, spec.permission):
            raise Forbidden()

    def _new_job(self, job_id: str, spec: ImportSpec, filename: str, bucket: str, key: str,
                 principal: Principal | None, *, source: str, etag: str | None = None,
                 status: str = PENDING) -> ImportJob:
        return self.jobs(job_id, kind=IMPORT_KIND, product=self.product, spec=spec.name, status=status,
                         source=source, filename=filename, bucket=bucket,
                         key=key, etag=etag, owner=principal.subject if principal else None,
                         owner_name=principal.username if principal else None,
                         owner_roles=sorted(principal.roles) if principal else None, errors=[])

    def _job_for_object(self, spec: ImportSpec, bucket: str, key: str, etag: str) -> ImportJob:
        """The presigned job for this key, or one job per (bucket, key, ETag) for any other put."""
        parts = key.split("/")
        owner: Principal | None = None
        presigned = self._presigned_job(bucket, key)
        if presigned is not None:
            if presigned.etag is None and etag:
                presigned = self._bind(presigned, etag)
            if presigned.etag in (None, etag):
                return presigned
            owner = presigned.principal  # the same key uploaded again with new content
        digest = hashlib.sha256(f"{bucket}\n{key}\n{etag}".encode()).hexdigest()[:32]
        job_id = f"obj-{digest}"
        try:
            return self.jobs.get(job_id, consistent_read=True)
        except self.jobs.DoesNotExist:
            pass
        job = self._new_job(job_id, spec, parts[-1], bucket, key, owner, source="bucket", etag=etag)
        try:
            job.save(condition=self.jobs.job_id.does_not_exist())
        except PutError as exc:
            if not is_conditional_failure(exc):
                raise
            return self.jobs.get(job_id, consistent_read=True)  # a concurrent delivery created it first
        return job

    def _presigned_job(self, bucket: str, key: str) -> ImportJob | None:
        """The job `presign` created for this key (`imports/<type>/<job_id>/<file>`), if any."""
        parts = key.split("/")
        if len(parts) != 4:
            return None
        try:
            job = self.jobs.get(parts[2], consistent_read=True)
        except self.jobs.DoesNotExist:
            return None
        return job if job.key == key and job.bucket == bucket else None

    def _bind(self, job: ImportJob, etag: str) -> ImportJob:
        """Record the object version a presigned job imports, unless one is recorded already."""
        jobs = self.jobs
        try:
            job.update(actions=[jobs.etag.set(etag), jobs.updated.set(utcnow())],
                       condition=jobs.etag.does_not_exist())
        except UpdateError as exc:
            if not is_conditional_failure(exc):
                raise
            job.refresh(consistent_read=True)  # another delivery bound it first (to this version or another)
        return job

    def _record_failure(self, bucket: str, key: str, etag: str | None, spec: ImportSpec | None,
                        message: str, *, claim: bool = True) -> ImportJob:
        """A failed job for an object that cannot be imported (kept so the failure is visible).

        The presigned job is failed only if it is bound to this version (`claim`: or still unbound,
        binding it now); a stale event for a replaced version never touches it.
        """
        logger.warning("import of s3://%s/%s failed: %s", bucket, key, message)
        parts = key.split("/")
        presigned = self._presigned_job(bucket, key) if spec is not None else None
        if presigned is not None:
            if claim and presigned.etag is None and etag:
                presigned = self._bind(presigned, etag)
            if presigned.etag == etag or (claim and presigned.etag is None):
                return presigned if presigned.status in FINISHED else self._fail(presigned, message)
        digest = hashlib.sha256(f"{bucket}\n{key}\n{etag or ''}".encode()).hexdigest()[:32]
        job = self.jobs(f"obj-{digest}", kind=IMPORT_KIND, product=self.product,
                        spec=spec.name if spec else (parts[1] if len(parts) > 1 else ""),
                        status=FAILED, source="bucket", filename=parts[-1] or key, bucket=bucket, key=key,
                        etag=etag, message=message, errors=[], finished=utcnow())
        try:
            job.save(condition=self.jobs.job_id.does_not_exist())  # never overwrite a job this version has
        except PutError as exc:
            if not is_conditional_failure(exc):
                raise
            return self.jobs.get(job.job_id)
        self._count_failure()
        return job

    def _update(self, job: ImportJob, actions: list[Any], condition: Any = None) -> None:
        """One conditional update of the job; a failed condition means another worker owns it now."""
        try:
            job.update(actions=[*actions, self.jobs.updated.set(utcnow())], condition=condition)
        except UpdateError as exc:
            if is_conditional_failure(exc):
                raise JobBusy(job.job_id) from exc
            raise

    def _fail(self, job: ImportJob, message: str) -> ImportJob:
        jobs = self.jobs
        job.update(actions=[jobs.status.set(FAILED), jobs.message.set(message), jobs.finished.set(utcnow()),
                            jobs.updated.set(utcnow())])
        self._count_failure()
        return job

    def _count_failure(self) -> None:
        metrics.count(self.product, metrics.IMPORT_FAILED)
        metrics.job_finished(self.product, "import", succeeded=False)

    # -- one file ----------------------------------------------------------------------------
    def _run(self, job: ImportJob, spec: ImportSpec, stream: IO[bytes], *, raise_bad_file: bool,
             max_rows: int | None = None) -> ImportJob:
        try:
            table = open_table(stream, job.filename)
        except ApiError as error:
            self._fail(job, _message(error))
            if raise_bad_file:
                raise
            return job
        try:
            try:
                if max_rows is not None and table.count_rows(max_rows) > max_rows:
                    raise PayloadTooLarge(
                        f"The file has more than {max_rows} rows, too many to import in one request. Request an "
                        f"upload URL with POST {self.presign_path} and upload the file to the bucket; it is "
                        f"imported in the background.")
                mapper = RowMapper(spec, table.header)
            except ApiError as error:
                self._fail(job, _message(error))
                if raise_bad_file:
                    raise
                return job
            jobs = self.jobs
            actions = [jobs.status.set(PROCESSING)]
            if table.estimated_rows is not None and job.status == PENDING:
                actions.append(jobs.total.set(table.estimated_rows))
            self._update(job, actions, condition=jobs.status.is_in(PENDING, PROCESSING))
            try:
                return self._process(job, spec, table, mapper)
            except UnreadableFile as error:  # the file broke part-way: rows before it are kept, retrying cannot help
                self._fail(job, _message(error))
                if raise_bad_file:
                    raise
                return job
        finally:
            table.close()

    def _process(self, job: ImportJob, spec: ImportSpec, table: Table, mapper: RowMapper) -> ImportJob:
        resume = int(job.next_row)
        if resume > 2:
            logger.info("import job %s resumes at row %d", job.job_id, resume)
        start, last = resume, resume - 1
        # the chunk in flight when an earlier attempt stopped is cut exactly as it was then
        end = int(job.block_end) if job.block_row == resume and job.block_end else resume + self.chunk_rows - 1
        chunk: list[tuple[int, Any]] = []
        invalid: list[RowError] = []
        for number, cells in table.rows():
            if number < resume:
                continue  # committed by an earlier attempt
            result = mapper.validate(number, cells)
            if isinstance(result, RowError):
                invalid.append(result)
            elif result is not None:
                chunk.append((number, result))
            last = number
            if number >= end:
                self._commit(job, spec, start, last, chunk, invalid)
                start, end, chunk, invalid = last + 1, last + self.chunk_rows, [], []
        if last >= start:
            self._commit(job, spec, start, last, chunk, invalid)
        return self._complete(job, last)

    def _block(self, job: ImportJob, spec: ImportSpec, start: int, end: int, count: int) -> list[int]:
        """The ids for rows `start..end`: the recorded block, or a new one recorded first. A spec without
        ids (its writer keys records on `uuid_for`) records the chunk alone, so a retry still knows the
        chunk was in flight (its batches are `resumed`) and cuts it the same way."""
        if count == 0:
            return []
        if spec.id_sequence is None:
            if job.block_row != start:
                jobs = self.jobs
                unchanged = jobs.block_row.does_not_exist() if job.block_row is None else \
                    jobs.block_row == job.block_row
                self._update(job, [jobs.block_row.set(start), jobs.block_end.set(end)],
                             condition=(jobs.next_row == start) & (jobs.status == PROCESSING) & unchanged)
            return []
        if job.block_row == start and job.block_count is not None:
            if int(job.block_count) == count:
                first = int(job.block_first)
                return list(range(first, first + count))
            logger.warning("import job %s: chunk at row %d has %d valid rows, its block %d; reserving anew",
                           job.job_id, start, count, job.block_count)
        block = IdSequence(self.counters, spec.id_sequence).reserve(count)
        jobs = self.jobs
        # recorded only over the block this delivery read: of two deliveries racing to one chunk, one
        # records its block and the other stands aside (JobBusy) before it writes a row
        unchanged = jobs.block_row.does_not_exist() if job.block_row is None else \
            (jobs.block_row == job.block_row) & (jobs.block_first == job.block_first)
        self._update(job, [jobs.block_row.set(start), jobs.block_first.set(block.start),
                           jobs.block_count.set(count), jobs.block_end.set(end)],
                     condition=(jobs.next_row == start) & (jobs.status == PROCESSING) & unchanged)
        return list(block)

    def _commit(self, job: ImportJob, spec: ImportSpec, start: int, end: int, rows: list[tuple[int, Any]],
                invalid: list[RowError]) -> None:
        """Write rows `start..end` (ids first, checkpoint after)."""
        # an earlier attempt stopped inside this chunk (its block is recorded): some rows may exist
        resumed = job.block_row == start
        ids = self._block(job, spec, start, end, len(rows))
        principal = job.principal
        batches = [ImportBatch(rows[offset:offset + BATCH_ROWS], ids[offset:offset + BATCH_ROWS], principal,
                               job.job_id, resumed=resumed) for offset in range(0, len(rows), BATCH_ROWS)]
        errors = list(invalid)
        created = 0
        tallies: dict[str, int] | None = None
        for batch, answer in zip(batches, self._write_all(spec, batches), strict=True):
            if isinstance(answer, WriteResult):
                errors.extend(answer.errors)
                tallies = tallies if tallies is not None else {}
                for name, count in answer.counts.items():
                    tallies[name] = tallies.get(name, 0) + int(count)
                created += int(answer.counts.get("created", 0))
            else:
                errors.extend(answer)
                created += len(batch.rows) - len({error.row for error in answer})
        errors.sort(key=lambda error: error.row)
        jobs = self.jobs
        actions = [jobs.next_row.set(end + 1), jobs.processed.set(end - 1),
                   jobs.created_rows.add(created), jobs.error_rows.add(len(errors))]
        if tallies is not None:
            # the whole map, from the job as this worker last wrote it: the update's condition (nobody
            # moved `next_row`) makes that the stored one, so the chunk's counts are added exactly once
            total = job.named_counts()
            for name, count in tallies.items():
                total[name] = total.get(name, 0) + count
            actions.append(jobs.tallies.set(total))
        kept = job.row_errors()
        if errors and len(kept) < MAX_ERRORS:
            actions.append(jobs.errors.set(kept + [error.as_dict() for error in errors[:MAX_ERRORS - len(kept)]]))
        self._update(job, actions, condition=(jobs.next_row == start) & (jobs.status == PROCESSING))

    def _write_all(self, spec: ImportSpec, batches: list[ImportBatch]) -> list[list[RowError] | WriteResult]:
        """Each batch's refused rows, `writers` batches at a time; the first failure propagates (the
        checkpoint stays, so a retry resumes this chunk). Each thread runs in a copy of this context,
        so the product's settings and the log correlation id follow it."""
        if self.writers <= 1 or len(batches) <= 1:
            return [spec.write(batch) or [] for batch in batches]
        with ThreadPoolExecutor(max_workers=min(self.writers, len(batches))) as pool:
            futures = [pool.submit(contextvars.copy_context().run, spec.write, batch) for batch in batches]
            return [future.result() or [] for future in futures]

    def _complete(self, job: ImportJob, last: int) -> ImportJob:
        jobs = self.jobs
        data_rows = max(last - 1, int(job.processed_rows or 0))
        try:
            self._update(job, [jobs.status.set(COMPLETE), jobs.total.set(data_rows),
                               jobs.processed.set(data_rows), jobs.result.set(job.counts()),
                               jobs.finished.set(utcnow())],
                         condition=jobs.status == PROCESSING)
        except JobBusy:
            job.refresh(consistent_read=True)
            if job.status != COMPLETE:
                raise
        else:  # counted by the delivery that completed it, once
            metrics.count(self.product, metrics.IMPORT_COMPLETED)
            metrics.count(self.product, metrics.IMPORTED_ROWS, int(job.created_rows or 0))
            metrics.job_finished(self.product, "import", succeeded=True)
        logger.info("import job %s complete: %s rows, %s created, %s errors", job.job_id, job.total_rows,
                    job.created_rows, job.error_rows)
        return job
