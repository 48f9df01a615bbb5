"""The Chalice stages of `.chalice/config.json`: one per product, named after it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".chalice" / "config.json"


def load_config() -> dict[str, Any]:
    return json.loads(CONFIG.read_text())


def stage_names() -> list[str]:
    return sorted(load_config().get("stages", {}))


def stage_environment(stage: str) -> dict[str, str]:
    """The environment Chalice gives the stage's Lambdas: global variables, then the stage's."""
    config = load_config()
    if stage not in config.get("stages", {}):
        raise SystemExit(f"no stage {stage!r} in {CONFIG}; stages: {', '.join(stage_names())}")
    return {**config.get("environment_variables", {}),
            **config["stages"][stage].get("environment_variables", {})}


def apply_stage_environment(stage: str) -> dict[str, str]:
    """Put the stage's variables in os.environ (before the product is imported: table names are
    read at import time) and forget cached settings."""
    from chalicelib.core.config import reset_settings

    env = stage_environment(stage)
    os.environ.update(env)
    if not os.environ.get("AWS_DEFAULT_REGION"):  # the operator's region (AWS_REGION, profile), else us-east-1
        import boto3

        os.environ["AWS_DEFAULT_REGION"] = os.environ.get("AWS_REGION") or boto3.session.Session().region_name \
            or "us-east-1"
    reset_settings()
    return env
