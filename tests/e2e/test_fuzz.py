"""A bounded `make fuzz`: schemathesis, every check, against the running embedded stack.

The full pass is `make fuzz` (every phase, coverage included, 50 examples per operation: about four
minutes for RepaySync); this one keeps `make test` short: a fixed seed, a few examples per operation,
and the examples, fuzzing and stateful phases (the coverage phase alone takes three minutes). It
fails on any schemathesis failure or error.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.stack import ROOT, Stack, clean_env

pytestmark = pytest.mark.e2e
EXAMPLES = "8"
SEED = "20261128"


def test_schemathesis_finds_nothing(tmp_path):
    stack = Stack(tmp_path / "data").start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "local.fuzz", "--max-examples", EXAMPLES, "--seed", SEED, "--workers", "1",
             "--phases", "examples,fuzzing,stateful"],
            cwd=ROOT, env=clean_env(stack.data_dir), capture_output=True, text=True, timeout=420)
    finally:
        stack.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
    assert "no failures in repaysync" in output
