"""Structured JSON logs (powertools' formatter) with a correlation id in every line; no secrets logged.

Every module logs through a standard `crm.*` logger; `configure_logging` gives them one handler with
powertools' `LambdaPowertoolsFormatter`, so each line is one JSON object (an exception's traceback
included, as the `exception` field). The correlation id lives in a context variable set around each
unit of work and is added to every line as `correlation_id` (the key powertools' own
`Logger.set_correlation_id` writes):
- an HTTP request: API Gateway's request id (`requestContext.requestId`), else the Lambda request id;
- an SQS record: its message id;
- a schedule or any other invocation: the Lambda request id.
A context variable (not the formatter's appended keys) keeps threads of the local server apart.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

CORRELATION_KEY = "correlation_id"
_correlation_id: ContextVar[str | None] = ContextVar("crm_correlation_id", default=None)


def correlation_id() -> str | None:
    """The id of the unit of work running now (None outside one)."""
    return _correlation_id.get()


@contextmanager
def correlated(value: str | None) -> Iterator[str]:
    """Run a block with `value` (a fresh id when None) as the correlation id of its log lines."""
    chosen = value or str(uuid.uuid4())
    token = _correlation_id.set(chosen)
    try:
        yield chosen
    finally:
        _correlation_id.reset(token)


def request_correlation_id(request: Any, lambda_context: Any = None) -> str | None:
    """API Gateway's request id of an HTTP request, else the Lambda invocation's."""
    context = getattr(request, "context", None) or {}
    return context.get("requestId") or lambda_request_id(lambda_context)


def lambda_request_id(lambda_context: Any) -> str | None:
    return getattr(lambda_context, "aws_request_id", None) or None


class CorrelationFilter(logging.Filter):
    """Stamps the current correlation id on every record the handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, CORRELATION_KEY):
            setattr(record, CORRELATION_KEY, _correlation_id.get())
        return True


class PowertoolsJson(logging.Formatter):
    """powertools' `LambdaPowertoolsFormatter`, imported with the first line written: powertools costs
    ~5 ms to import, which a cold start that logs nothing before its first answer need not pay."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self._formatter: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        if self._formatter is None:
            from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

            self._formatter = LambdaPowertoolsFormatter(service=self.service)
        return self._formatter.format(record)


def json_handler(service: str, stream: Any = None) -> logging.Handler:
    """A handler writing one powertools JSON object per line, correlation id included."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PowertoolsJson(f"crm-{service}"))
    handler.addFilter(CorrelationFilter())
    return handler


def configure_logging(service: str) -> None:
    """Route the standard `crm.*` loggers through powertools' JSON formatter once per process."""
    root = logging.getLogger("crm")
    if getattr(root, "_crm_configured", False):
        return
    root.addHandler(json_handler(service))
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    root.propagate = False
    root._crm_configured = True  # type: ignore[attr-defined]
