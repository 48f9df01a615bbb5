"""Read what the platform logs and the metrics it emits, as the JSON lines CloudWatch would receive."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Lines(list):
    """The JSON objects written so far (filled while the block runs)."""

    def with_message(self, text: str) -> list[dict[str, Any]]:
        return [line for line in self if text in str(line.get("message", ""))]


@contextmanager
def json_logs(service: str = "coretest") -> Iterator[Lines]:
    """Every `crm.*` log line written in the block, through the handler `configure_logging` installs."""
    from chalicelib.core.logs import json_handler

    stream = io.StringIO()
    handler = json_handler(service, stream)
    root = logging.getLogger("crm")
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    lines = Lines()
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        lines.extend(json.loads(text) for text in stream.getvalue().splitlines() if text.strip())


def api_gateway_event(method: str, path: str, *, request_id: str, headers: dict[str, str] | None = None,
                      body: str | None = None) -> dict[str, Any]:
    """The proxy event API Gateway hands the API Lambda (only the fields Chalice reads)."""
    return {"requestContext": {"httpMethod": method, "resourcePath": path.rstrip("/") or "/", "path": path,
                               "requestId": request_id, "stage": "api", "identity": {"sourceIp": "203.0.113.9"}},
            "headers": headers or {}, "multiValueQueryStringParameters": None, "pathParameters": None,
            "stageVariables": None, "body": body, "isBase64Encoded": False}


class FakeLambdaContext:
    """What Lambda passes a handler (the fields the platform reads)."""

    def __init__(self, request_id: str = "lambda-req-1", function_name: str = "fn") -> None:
        self.aws_request_id = request_id
        self.function_name = function_name
        self.memory_limit_in_mb = 256
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def emf_records(stdout: str) -> list[dict[str, Any]]:
    """The embedded-metric-format objects in what a Lambda printed (one JSON object per line)."""
    found = []
    for text in stdout.splitlines():
        if text.startswith("{") and '"_aws"' in text:
            found.append(json.loads(text))
    return found


def metric_values(stdout: str, name: str) -> list[dict[str, Any]]:
    """Each emitted `name`: its value, unit, namespace and dimensions, as CloudWatch would read them."""
    values = []
    for record in emf_records(stdout):
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                if metric["Name"] == name:
                    dimensions = {key: record[key] for group in directive["Dimensions"] for key in group}
                    raw = record[name]  # powertools writes a list of values
                    values.append({"value": sum(raw) if isinstance(raw, list) else raw, "unit": metric["Unit"],
                                   "namespace": directive["Namespace"],
                                   "dimensions": dimensions, "correlation_id": record.get("correlation_id")})
    return values
