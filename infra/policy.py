"""The IAM policy of a stage's Lambdas (`autogen_policy: false`), written to `.chalice/policy-<stage>.json`.

Derived from the stage's settings, the same names the app and infra/template.py use, so it grants
exactly the stage's resources: its tables (all named `<prefix><product>-*`) and their indexes, its
bucket, its three queues (the DLQs are for people, not Lambdas), its alerts topic and its signing-key
secret. Region and account stay `*` because Chalice copies the file verbatim into the template.
No Scan: no request path scans a table (DESIGN.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.core.config import Settings
from chalicelib.core.resources import queues
from infra.stages import ROOT
from infra.template import topic_name

DYNAMODB_ACTIONS = [
    "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem",
    "dynamodb:Query", "dynamodb:UpdateItem",
]
SQS_ACTIONS = [
    "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
    "sqs:ReceiveMessage", "sqs:SendMessage",
]
# What one product needs beyond the platform. SMS and Textract have no resource-level permissions.
PRODUCT_STATEMENTS: dict[str, list[dict[str, Any]]] = {
    "vst": [{"Sid": "SendSms", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"}],
    "revisbali": [{"Sid": "ReadDocuments", "Effect": "Allow",
                   "Action": ["textract:AnalyzeID", "textract:DetectDocumentText"], "Resource": "*"}],
}


def policy_document(settings: Settings) -> dict[str, Any]:
    tables = f"arn:aws:dynamodb:*:*:table/{settings.table_prefix}{settings.product}-*"
    bucket = f"arn:aws:s3:::{settings.bucket}"
    statements: list[dict[str, Any]] = [
        {"Sid": "Logs", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/*"},
        {"Sid": "Tables", "Effect": "Allow", "Action": DYNAMODB_ACTIONS,
         "Resource": [tables, f"{tables}/index/*"]},
        {"Sid": "BucketObjects", "Effect": "Allow",
         "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], "Resource": f"{bucket}/*"},
        {"Sid": "BucketList", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": bucket},
        {"Sid": "Queues", "Effect": "Allow", "Action": SQS_ACTIONS,
         "Resource": [f"arn:aws:sqs:*:*:{queue.name}" for queue in queues()]},
        {"Sid": "Alerts", "Effect": "Allow", "Action": ["sns:Publish"],
         "Resource": f"arn:aws:sns:*:*:{topic_name(settings)}"},
        {"Sid": "SigningKey", "Effect": "Allow",
         "Action": ["secretsmanager:CreateSecret", "secretsmanager:DescribeSecret",
                    "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
         # Secrets Manager appends "-" and six random characters to the name.
         "Resource": f"arn:aws:secretsmanager:*:*:secret:{settings.signing_key_secret}-??????"},
    ]
    statements += PRODUCT_STATEMENTS.get(settings.product, [])
    return {"Version": "2012-10-17", "Statement": statements}


def policy_path(stage: str) -> Path:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    name = config["stages"][stage].get("iam_policy_file", f"policy-{stage}.json")
    return ROOT / ".chalice" / name


def render_policy(settings: Settings) -> str:
    return json.dumps(policy_document(settings), indent=2) + "\n"


def write_policy(stage: str, settings: Settings) -> bool:
    """Write the stage's policy file; True when it changed."""
    path = policy_path(stage)
    text = render_policy(settings)
    if path.exists() and path.read_text() == text:
        return False
    path.write_text(text)
    return True
