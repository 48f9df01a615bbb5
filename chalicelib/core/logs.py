"""Structured JSON logs (powertools Logger) with a correlation id; no secrets are ever logged."""

from __future__ import annotations

import logging
import os


def configure_logging(service: str) -> None:
    """Route the standard `crm.*` loggers through powertools' JSON formatter once per process."""
    root = logging.getLogger("crm")
    if getattr(root, "_crm_configured", False):
        return
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(LambdaPowertoolsFormatter(service=f"crm-{service}"))
    root.addHandler(handler)
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    root.propagate = False
    root._crm_configured = True  # type: ignore[attr-defined]
