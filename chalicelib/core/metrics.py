"""Business metrics in CloudWatch's embedded metric format (powertools Metrics), namespace `CRM`.

Each event is one EMF line on stdout, written when it happens (powertools' `single_metric`): Lambda
ships stdout to CloudWatch Logs, which turns the line into a metric, so no API call and no flush at
the end of the invocation is needed (and an invocation that crashes keeps what it counted). Every
metric has the dimensions `product` and `stage` (jobs also `kind`); the correlation id rides along as
metadata, so a spike can be traced to its log lines. Set `POWERTOOLS_METRICS_DISABLED=true` to mute
them (`make bench` does; powertools' `single_metric` itself ignores the variable, so `count` checks it).

powertools' metrics package costs ~15 ms to import: it is imported on the first event, never by a
request that counts nothing. A metric that cannot be written is logged and never fails the work.
"""

from __future__ import annotations

import logging
import os

from chalicelib.core.logs import correlation_id

logger = logging.getLogger("crm.metrics")

NAMESPACE = "CRM"
LOGIN_SUCCEEDED = "LoginSucceeded"
LOGIN_FAILED = "LoginFailed"
LOCKED_OUT = "LockedOut"  # a login or password check refused by the lockout (429)
IMPORT_COMPLETED = "ImportCompleted"
IMPORT_FAILED = "ImportFailed"
IMPORTED_ROWS = "ImportedRows"  # records created by a completed import
JOB_SUCCEEDED = "JobSucceeded"
JOB_FAILED = "JobFailed"


def count(product: str, name: str, value: float = 1, *, unit: str = "Count", **dimensions: str) -> None:
    """Emit `name` = `value` for `product` (plus any extra dimensions) now."""
    if os.environ.get("POWERTOOLS_METRICS_DISABLED", "").strip().lower() in ("1", "true", "yes", "on"):
        return
    try:
        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        from chalicelib.core.config import get_settings

        defaults = {"product": product, "stage": get_settings().stage, **dimensions}
        with single_metric(name=name, unit=MetricUnit(unit), value=value, namespace=NAMESPACE,
                           default_dimensions=defaults) as metric:
            current = correlation_id()
            if current:
                metric.add_metadata(key="correlation_id", value=current)
    except Exception:  # a metric must never break the login or import it describes
        logger.exception("metric %s was not emitted", name)


def job_finished(product: str, kind: str, succeeded: bool) -> None:
    """JobSucceeded or JobFailed for one background job of `kind` (import, export, ocr...)."""
    count(product, JOB_SUCCEEDED if succeeded else JOB_FAILED, kind=kind)
