"""Two corrections to the template `chalice package` writes, applied after the merge.

- Chalice names an SQS event source by a `Fn::Sub` ARN string, so CloudFormation may create the
  mapping before the queue exists. Pointing it at the queue resource (`Fn::GetAtt`) orders them.
- With `log_retention_in_days`, Chalice 1.34 names the API handler's log group `${ApiHandler}`
  while the function is `APIHandler` (aws/chalice#2079); the reference is fixed to the real id.
"""

from __future__ import annotations

import re
from typing import Any

_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def point_sqs_events_at_queues(template: dict[str, Any], queue_ids: dict[str, str]) -> list[str]:
    """`queue_ids`: queue name -> logical id. Returns the event sources rewritten."""
    changed: list[str] = []
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event_name, event in (resource["Properties"].get("Events") or {}).items():
            if event.get("Type") != "SQS":
                continue
            queue = event["Properties"].get("Queue")
            arn = queue.get("Fn::Sub") if isinstance(queue, dict) else queue
            if not isinstance(arn, str):
                continue
            queue_name = arn.rsplit(":", 1)[-1]
            if queue_name in queue_ids:
                event["Properties"]["Queue"] = {"Fn::GetAtt": [queue_ids[queue_name], "Arn"]}
                changed.append(f"{name}.{event_name}")
    return changed


def fix_log_group_names(template: dict[str, Any]) -> list[str]:
    resources = template.get("Resources", {})
    by_lower = {name.lower(): name for name in resources}
    changed: list[str] = []
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Logs::LogGroup":
            continue
        group = resource["Properties"].get("LogGroupName")
        if not (isinstance(group, dict) and isinstance(group.get("Fn::Sub"), str)):
            continue

        def real(match: re.Match[str]) -> str:
            ref = match.group(1)
            return "${" + (ref if ref in resources else by_lower.get(ref.lower(), ref)) + "}"

        fixed = _SUB_REF.sub(real, group["Fn::Sub"])
        if fixed != group["Fn::Sub"]:
            group["Fn::Sub"] = fixed
            changed.append(name)
    return changed


def reference_parameters(template: dict[str, Any], variables: dict[str, str]) -> list[str]:
    """Chalice writes the stage's environment as literals; what differs per account comes from the
    stack's parameters instead (`variables`: parameter -> variable), and the bucket from the stack's
    own bucket (its name is a parameter or derived from the stack). Returns the functions changed."""
    changed: list[str] = []
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        env = resource["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
        for parameter, variable in variables.items():
            env[variable] = {"Ref": parameter}
        env["CRM_BUCKET"] = {"Ref": "Bucket"}
        changed.append(name)
    return changed


def keep_log_groups(template: dict[str, Any]) -> list[str]:
    """Log groups keep the stage's retention (a parameter) and outlive the stack, except when its
    first deploy fails (so it can be retried)."""
    changed: list[str] = []
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::Logs::LogGroup":
            resource["DeletionPolicy"] = "RetainExceptOnCreate"
            resource["UpdateReplacePolicy"] = "Retain"
            resource["Properties"]["RetentionInDays"] = {"Ref": "LogRetentionDays"}
            changed.append(name)
    return changed
