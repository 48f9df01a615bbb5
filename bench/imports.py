"""(c) rows/s of a customer CSV import through the engine vs a raw batch write of the same items."""

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
    from chalicelib.core.auth.principal import Principal
    from chalicelib.products.repaysync import imports
    from chalicelib.products.repaysync.models import Customer

    data = customer_csv(rows)
    admin = Principal(subject="1", username="admin", roles=frozenset({"admin"}))
    print(f"\n(c) {rows:,}-row customer CSV ({len(data) / 1e6:.1f} MB) on in-process moto")

    started = time.perf_counter()
    result = imports.upload("customers", "bench.csv", data, admin)
    engine_s = time.perf_counter() - started
    assert result["records_created"] == rows, result["errors"][:3]

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
