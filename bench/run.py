"""Benchmarks that print figures (`make bench`); not timed tests.

(a) import time of `app` against its bare dependencies and against the libraries the authorizer cannot
    avoid, each in a fresh interpreter (median of runs); then the cold start (import + first authorized
    GET) of a fresh process against the embedded moto server, against its floor (bench/coldstart.py);
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
    "POWERTOOLS_METRICS_DISABLED": "true",  # no EMF lines among the figures
}
IMPORT_RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "7"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
IMPORT_REPEATS = int(os.environ.get("BENCH_IMPORT_REPEATS", "5"))


def run_seconds(args: list[str], env: dict[str, str]) -> float:
    """The seconds a fresh interpreter prints last."""
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout
    return float(out.strip().splitlines()[-1])


def medians(commands: dict[str, tuple[list[str], dict[str, str]]]) -> dict[str, float]:
    """Median seconds of each command, run in turns (a load that drifts weighs on all of them alike)."""
    samples: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(IMPORT_RUNS):
        for label, (args, env) in commands.items():
            samples[label].append(run_seconds(args, env))
    return {label: statistics.median(values) for label, values in samples.items()}


def compile_app() -> None:
    """Byte-compile app.py and chalicelib/ first, as pip compiled the libraries: otherwise the app alone
    would compile its ~100 modules in every fresh interpreter (PYTHONDONTWRITEBYTECODE) or in the first
    only, and the figures would depend on the shell more than on the code."""
    import compileall

    compileall.compile_file(str(ROOT / "app.py"), quiet=2)
    compileall.compile_dir(str(ROOT / "chalicelib"), quiet=2)


def bench_imports() -> None:
    from bench.coldstart import FLOOR_LIBRARIES

    compile_app()
    print(f"(a) import time, fresh interpreter, median of {IMPORT_RUNS} (run in turns; app byte-compiled first,"
          f" as the libraries are)")
    env = {**os.environ, **ENV}
    env.pop("AWS_ENDPOINT_URL", None)
    rows = {
        "boto3": "import boto3",
        "pynamodb.models": "import pynamodb.models",
        "chalice": "import chalice",
        "authorizer libraries": FLOOR_LIBRARIES,
        "... with pydantic's BaseModel": f"{FLOOR_LIBRARIES}; import pydantic.main",
        "app (repaysync)": "import app",
    }
    code = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"
    times = medians({label: (["-c", code.format(statement)], env) for label, statement in rows.items()})
    for label, seconds in times.items():
        print(f"    {label:<30} {seconds * 1000:8.1f} ms")
    print("    (authorizer libraries: pynamodb, chalice, pydantic, PyJWT with RSA)")
    print(f"    import app / authorizer libraries: {times['app (repaysync)'] / times['authorizer libraries']:.1f}x"
          f"  (limit 1.5x)")
    with_models = times["app (repaysync)"] / times["... with pydantic's BaseModel"]
    print(f"    (`import pydantic` alone loads none of its model machinery; against the libraries with it: "
          f"{with_models:.1f}x)")


def bench_cold_start() -> None:
    """A fresh process's import + first authorized GET against the embedded moto server, and its floor."""
    from local.emulator import Emulator

    emulator = Emulator()
    env = {**os.environ, **ENV, "AWS_ENDPOINT_URL": emulator.start()}
    try:
        token, customer, table, key, secret, region = subprocess.run(
            [sys.executable, "-m", "bench.coldstart", "seed"], cwd=ROOT, env=env, check=True, capture_output=True,
            text=True).stdout.strip().splitlines()[-1].split()
        # in Lambda, init work runs at import (app.prewarm); the API function's handler
        lambda_env = {**env, "AWS_LAMBDA_FUNCTION_NAME": "crm-repaysync-bench", "_HANDLER": "app.app"}
        times = medians({
            "app": (["-m", "bench.coldstart", "app", token, customer], lambda_env),
            "floor": (["-m", "bench.coldstart", "floor", table, key, secret, region], lambda_env),
        })
    finally:
        emulator.stop()
    print(f"\n    cold start, fresh process against the embedded moto server, median of {IMPORT_RUNS}:")
    print(f"    import app + authorizer + first GET /api/customers/{{id}}/ {times['app'] * 1000:8.1f} ms")
    print(f"    floor: the libraries + one boto3 GetItem + one Secrets Manager read {times['floor'] * 1000:8.1f} ms")
    print(f"    cold start (import + first authorized GET) / floor: {times['app'] / times['floor']:.1f}x  (limit 1.5x)")


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
    bench_cold_start()
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
        bench_import(IMPORT_ROWS, IMPORT_REPEATS)
        print(f"\n(total in-process part: {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
