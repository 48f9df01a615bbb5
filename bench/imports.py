"""(c) rows/s of a customer CSV import through the engine vs a raw batch write of the same items.

The file goes the way a big file goes in production: put in the bucket under `imports/customers/`
and imported by the uploads worker's engine (API uploads are capped at a few thousand rows).

Each side runs `repeats` times, in turns (a load that drifts weighs on both alike), each time with new
codes and ids; the figures are medians. The cyclic garbage collector is off while either side is
timed: the emulated tables live in this process's heap, and a full collection walks every item they
hold (~0.5 s each at 20k items, ~30% of the engine's time; a Lambda worker's heap holds none of them).
"""

from __future__ import annotations

import gc
import io
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def customer_csv(rows: int, letter: str = "B") -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["customer_code", "name", "phone", "email", "address_line_1", "address_line_2", "city",
                     "state", "pincode", "date_of_birth"])
    for n in range(rows):
        writer.writerow([f"{letter}{n:07d}", f"Customer {n}", f"+91-98{n:08d}", f"c{n}@example.com", f"{n} Main St",
                         "", "Kolkata", "WB", "700001", "1990-01-01"])
    return out.getvalue().encode()


@contextmanager
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (CPU: every thread of this process; it moves less with the machine's load)."""
    with collector_off():
        started, cpu = time.perf_counter(), time.process_time()
        work()
        return time.perf_counter() - started, time.process_time() - cpu


def bench_import(rows: int, repeats: int = 5) -> None:
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings
    from chalicelib.products.repaysync import imports
    from chalicelib.products.repaysync.models import Customer

    size = len(customer_csv(rows))
    print(f"\n(c) {rows:,}-row customer CSV ({size / 1e6:.1f} MB) on in-process moto, bucket -> worker path,"
          f" median of {repeats} (in turns; the collector off while timing: the emulated tables share the heap)")
    bucket = get_settings().bucket
    engine_times: list[tuple[float, float]] = []
    raw_times: list[tuple[float, float]] = []
    for run in range(repeats):
        key = f"imports/customers/bench/customers-{run}.csv"
        etag = aws.s3().put_object(Bucket=bucket, Key=key, Body=customer_csv(rows, "BCDEFGHJ"[run % 8]))["ETag"]

        def engine_run(key: str = key, etag: str = etag) -> None:
            job = imports.engine().handle_object(bucket, key, etag=etag)
            assert job.status == "complete" and job.created_rows == rows, (job.status, job.row_errors()[:3])

        engine_times.append(timed(engine_run))

        first = 10_000_000 + run * 1_000_000
        items = [Customer(first + n, customer_code=f"R{run}{n:07d}", name=f"Customer {n}", phone=f"+91-98{n:08d}",
                          email=f"c{n}@example.com", address_line_1=f"{n} Main St", city="Kolkata", state="WB",
                          pincode="700001", date_of_birth="1990-01-01") for n in range(rows)]

        def raw_run(items: list[Customer] = items) -> None:
            with Customer.batch_write() as batch:
                for item in items:
                    batch.save(item)

        raw_times.append(timed(raw_run))

    engine_s, raw_s = (statistics.median(wall for wall, _ in engine_times),
                       statistics.median(wall for wall, _ in raw_times))
    engine_cpu, raw_cpu = (statistics.median(cpu for _, cpu in engine_times),
                           statistics.median(cpu for _, cpu in raw_times))
    print(f"    import engine (parse, validate, guards, transactions, progress): {rows / engine_s:8.0f} rows/s"
          f"  ({engine_s:.1f} s)")
    print(f"    raw pynamodb batch_write of the same items:                     {rows / raw_s:8.0f} rows/s"
          f"  ({raw_s:.1f} s)")
    ratios = ", ".join(f"{e / r:.1f}x" for (e, _), (r, _) in zip(engine_times, raw_times, strict=True))
    print(f"    engine / raw time: {engine_s / raw_s:.1f}x  (limit 2.5x; each run: {ratios})")
    print(f"    (CPU time, all threads: engine {engine_cpu:.1f} s, raw {raw_cpu:.1f} s, {engine_cpu / raw_cpu:.1f}x)")
