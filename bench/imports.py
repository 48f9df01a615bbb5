"""(c) rows/s of a customer CSV import through the engine vs a raw batch write of the same items.

The file goes the way a big file goes in production: put in the bucket under `imports/customers/`
and imported by the uploads worker's engine (API uploads are capped at a few thousand rows)."""

from __future__ import annotations

import io
import time


def customer_csv(rows: int) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["customer_code", "name", "phone", "email", "address_line_1", "address_line_2", "city",
                     "state", "pincode", "date_of_birth"])
    for n in range(rows):
        writer.writerow([f"B{n:07d}", f"Customer {n}", f"+91-98{n:08d}", f"c{n}@example.com", f"{n} Main St", "",
                         "Kolkata", "WB", "700001", "1990-01-01"])
    return out.getvalue().encode()


def bench_import(rows: int) -> None:
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings
    from chalicelib.products.repaysync import imports
    from chalicelib.products.repaysync.models import Customer

    data = customer_csv(rows)
    print(f"\n(c) {rows:,}-row customer CSV ({len(data) / 1e6:.1f} MB) on in-process moto, bucket -> worker path")
    bucket, key = get_settings().bucket, "imports/customers/bench/customers.csv"
    etag = aws.s3().put_object(Bucket=bucket, Key=key, Body=data)["ETag"]

    started = time.perf_counter()
    job = imports.engine().handle_object(bucket, key, etag=etag)
    engine_s = time.perf_counter() - started
    assert job.status == "complete" and job.created_rows == rows, (job.status, job.row_errors()[:3])

    items = [Customer(10_000_000 + n, customer_code=f"R{n:07d}", name=f"Customer {n}", phone=f"+91-98{n:08d}",
                      email=f"c{n}@example.com", address_line_1=f"{n} Main St", city="Kolkata", state="WB",
                      pincode="700001", date_of_birth="1990-01-01") for n in range(rows)]
    started = time.perf_counter()
    with Customer.batch_write() as batch:
        for item in items:
            batch.save(item)
    raw_s = time.perf_counter() - started

    print(f"    import engine (parse, validate, guards, transactions, progress): {rows / engine_s:8.0f} rows/s"
          f"  ({engine_s:.1f} s)")
    print(f"    raw pynamodb batch_write of the same items:                     {rows / raw_s:8.0f} rows/s"
          f"  ({raw_s:.1f} s)")
    print(f"    engine / raw time: {engine_s / raw_s:.1f}x")
