"""`make bench` keeps working: the script runs end to end on tiny inputs and prints its three sections.

Not a timed test: the figures themselves are read by people, not asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_every_section():
    env = {**os.environ, "BENCH_IMPORT_RUNS": "1", "BENCH_IMPORT_ROWS": "60"}
    env.pop("AWS_ENDPOINT_URL", None)
    result = subprocess.run([sys.executable, "bench/run.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "(a) import time" in out and "app (repaysync)" in out
    assert "import app / authorizer libraries: " in out
    assert "cold start (import + first authorized GET) / floor: " in out
    assert '"_aws"' not in out  # no EMF metric lines among the figures
    assert "(b) DynamoDB calls per endpoint" in out and "GET /api/logs/" in out
    assert "(c) 60-row customer CSV" in out and "rows/s" in out
