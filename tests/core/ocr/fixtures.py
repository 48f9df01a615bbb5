"""The generated passport pages (../shared/fixtures/passports/) and their truth."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PASSPORTS = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "passports"


@cache
def truth() -> list[dict[str, Any]]:
    return json.loads((PASSPORTS / "truth.json").read_text())


def page_bytes(name: str) -> bytes:
    return (PASSPORTS / name).read_bytes()
