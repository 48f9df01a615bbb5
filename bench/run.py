"""Benchmarks that print figures (`make bench`); not timed tests.

(a) import time of `app` against its bare dependencies, each in a fresh interpreter (median of runs);
(b) DynamoDB calls per RepaySync endpoint, counted with a botocore `before-call` event hook;
(c) rows/s of a 10,000-row customer CSV import against a raw batch write of the same items,
    both on in-process moto in this one run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ENV = {
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
    "CRM_PRODUCT": "repaysync", "CRM_STAGE": "bench", "CRM_TABLE_PREFIX": "bench-",
}
IMPORT_RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "5"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))


def import_seconds(statement: str) -> float:
    """Median wall time of `statement` in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = {**os.environ, **ENV}
    samples = []
    for _ in range(IMPORT_RUNS):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout
        samples.append(float(out.strip().splitlines()[-1]))
    return statistics.median(samples)


def bench_imports() -> None:
    print(f"(a) import time, fresh interpreter, median of {IMPORT_RUNS}")
    rows = [
        ("boto3", "import boto3"),
        ("pynamodb.models", "import pynamodb.models"),
        ("chalice", "import chalice"),
        ("boto3 + pynamodb + chalice", "import boto3, pynamodb.models, chalice"),
        ("app (repaysync)", "import app"),
    ]
    for label, statement in rows:
        print(f"    {label:<30} {import_seconds(statement) * 1000:8.1f} ms")


class CallCounter:
    """Counts AWS API calls per service through botocore's `before-call` event on every client."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.authorizer = 0  # of which made by the authorizer (bench/endpoints.py counts them)

    def install(self) -> None:
        import botocore.session

        original = botocore.session.Session.create_client
        counter = self

        def create_client(session, *args, **kwargs):  # type: ignore[no-untyped-def]
            client = original(session, *args, **kwargs)
            client.meta.events.register("before-call.*.*", counter._count)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign]

    def _count(self, model, **_):  # type: ignore[no-untyped-def]
        self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def dynamodb(self) -> int:
        return sum(n for key, n in self.calls.items() if key.startswith("dynamodb:"))

    def reset(self) -> None:
        self.calls.clear()
        self.authorizer = 0


def main() -> None:
    bench_imports()
    os.environ.update(ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    counter = CallCounter()
    counter.install()
    from moto import mock_aws

    from local import moto_fixes

    moto_fixes.install()  # the embedded stack's fix: transactions cost what they touch, as in DynamoDB
    with mock_aws():
        from bench.endpoints import bench_endpoints
        from bench.imports import bench_import

        started = time.perf_counter()
        bench_endpoints(counter)
        bench_import(IMPORT_ROWS)
        print(f"\n(total in-process part: {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
