"""Least privilege per Lambda: one IAM policy file per function, from the declaration below.

`autogen_policy: false`; each function of a stage gets `.chalice/policy-<stage>-<function>.json`
(`stages.<stage>.lambda_functions.<function>.iam_policy_file`; the API handler is `api_handler`).
Chalice copies a file verbatim into the function's role in the template, so resources may use
CloudFormation's `Fn::Sub`: region, account, the stack's bucket (`${Bucket}`) and signing-key
secret (`${SigningKeySecret}`, its exact ARN) are the deployed ones.

What a function may do depends on its kind (`FUNCTION_GRANTS`), and each grant names exactly the
resources the code touches: the stage's tables (`<prefix><product>-*`) and their indexes, the
bucket prefixes each function reads or writes, the signing-key secret (read only: the operator's
commands write it), and its own log group. tests/infra/test_policy_calls.py runs each function's
code under moto, records every AWS call it makes and checks the call is granted, and that no
granted action goes unused. No Scan: no request path scans a table (DESIGN.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.core.config import Settings
from chalicelib.core.resources import queues
from infra.stages import ROOT, load_config

ARN = "arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s"
TABLE_READ = ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query")
# BatchWriteItem: the word-prefix search terms a record's create, change or delete rewrites in the same
# request (core/db/search.py PrefixIndex.replace: VST's cards, ISP's users, prospects, customers and
# bills, RevisBali's and Leads' customers).
TABLE_WRITE = ("dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:PutItem",
               "dynamodb:UpdateItem")
# Imports write records (transactions with parent checks) and never delete or list.
IMPORT_WRITE = ("dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem",
                "dynamodb:UpdateItem")
# What the Lambda service does with the function's role to feed it an SQS queue (not the code).
SQS_POLLING = ("sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
               "sqs:ReceiveMessage")


@dataclass(frozen=True)
class Grant:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]  # Fn::Sub strings
    by_service: bool = False  # used by AWS on the function's behalf (SQS polling), not by its code


@dataclass(frozen=True)
class Function:
    name: str  # Chalice's name: api_handler, jwt_authorizer, uploads_worker, daily_followups...
    kind: str  # api, authorizer, sqs, schedule, consumer (a core batch consumer: chalicelib/core/consumers.py)
    queue: str | None = None  # the key (uploads, otp, assignment) of the queue an SQS function reads

    @property
    def logical_id(self) -> str:
        from chalice.utils import to_cfn_resource_name

        return "APIHandler" if self.name == "api_handler" else to_cfn_resource_name(self.name)


def _tables(settings: Settings) -> tuple[str, ...]:
    table = ARN % ("dynamodb", f"table/{settings.table_prefix}{settings.product}-*")
    return (table, f"{table}/index/*")


def _idempotency_table(settings: Settings) -> tuple[str, ...]:
    return (ARN % ("dynamodb", f"table/{settings.table_name('idempotency')}"),)


def _objects(*prefixes: str) -> tuple[str, ...]:
    return tuple(f"arn:${{AWS::Partition}}:s3:::${{Bucket}}/{prefix}*" for prefix in prefixes)


def grants(function: Function, settings: Settings) -> list[Grant]:
    """The one declaration: what each kind of function's code (and AWS for it) may do."""
    logs = Grant("OwnLogs", ("logs:CreateLogStream", "logs:PutLogEvents"), (
        ARN % ("logs", f"log-group:/aws/lambda/${{AWS::StackName}}-{function.logical_id}-*:*"),), by_service=True)
    tables_rw = Grant("Tables", TABLE_READ + TABLE_WRITE, _tables(settings))
    secret = Grant("ReadSigningKeys", ("secretsmanager:GetSecretValue",), ("${SigningKeySecret}",))
    declared: dict[str, list[Grant]] = {
        # API uploads are stored before they are imported; presigned POSTs are signed with this role.
        # A file export too big to answer inline is put under exports/ (a multipart upload past 8 MB,
        # aborted on failure) and fetched with a GET the role presigns (core/files/answer.py).
        "api": [logs, tables_rw, secret,
                Grant("Uploads", ("s3:PutObject",), _objects("api-uploads/", "imports/", "documents/")),
                Grant("Exports", ("s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"), _objects("exports/"))],
        # The authorizer refuses access tokens of a session that logged out (one GetItem per request).
        # It also records its own 401s in the API log: one PutItem per entry (a time-ordered id, no
        # counter), and once per process and day the day's marker in the same table.
        "authorizer": [logs, secret, Grant("ReadRevocations", ("dynamodb:GetItem",), (
            ARN % ("dynamodb", f"table/{settings.table_name('revoked-tokens')}"),)),
            Grant("RecordDenials", ("dynamodb:PutItem",), (
                ARN % ("dynamodb", f"table/{settings.table_name('api-logs')}"),))],
        "sqs": [logs, Grant("Tables", IMPORT_WRITE, _tables(settings)),
                Grant("ReadUploads", ("s3:GetObject",), _objects("imports/", "documents/")),
                Grant("PollQueue", SQS_POLLING, (ARN % ("sqs", settings.queue_name(function.queue or "uploads")),),
                      by_service=True)],
        # A batch consumer's own grants: its idempotency items (powertools writes INPROGRESS, then
        # COMPLETED, deletes it when the work fails, and reads it when a put loses without the old
        # item) and its queue. What its work needs comes from PRODUCT_GRANTS under its name.
        "consumer": [logs, Grant("Idempotency", ("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
                                                 "dynamodb:UpdateItem"), _idempotency_table(settings)),
                     Grant("PollQueue", SQS_POLLING, (ARN % ("sqs", settings.queue_name(function.queue or "uploads")),),
                           by_service=True)],
        # Reports read the stage's tables and write one object; they change no record.
        "schedule": [logs, Grant("Tables", TABLE_READ, _tables(settings)),
                     Grant("WriteReports", ("s3:PutObject",), _objects("reports/"))],
    }
    return declared[function.kind] + _product_grants((settings.product, function.kind), settings) \
        + _product_grants((settings.product, function.name), settings)


def _product_grants(key: tuple[str, str], settings: Settings) -> list[Grant]:
    found = PRODUCT_GRANTS.get(key, [])
    return found(settings) if callable(found) else list(found)


def _named_tables(settings: Settings, *entities: str) -> tuple[str, ...]:
    return tuple(ARN % ("dynamodb", f"table/{settings.table_name(entity)}") for entity in entities)


# What one product needs beyond the platform, by function kind or by a consumer's name (its work):
# the grants, or a function of the stage's settings answering them (table names differ per stage).
# SMS and Textract have no resource-level permissions.
PRODUCT_GRANTS: dict[tuple[str, str], list[Grant] | Callable[[Settings], list[Grant]]] = {
    # VST's API puts each OTP's SMS job and each auto-assign run on their queues.
    # (core.aws.queue_url looks a queue's URL up by name once per process: sqs:GetQueueUrl.)
    ("vst", "api"): lambda settings: [
        Grant("SendJobs", ("sqs:GetQueueUrl", "sqs:SendMessage"), (ARN % ("sqs", settings.queue_name("otp")),
                                                                   ARN % ("sqs", settings.queue_name("assignment"))))],
    # VST's auto-assign worker reads services, workers and attendance, and moves services (with their
    # history and the absence check) and its job, in transactions: no delete, no scan.
    ("vst", "assignment_worker"): lambda settings: [
        Grant("Tables", ("dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem",
                         "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"), _tables(settings))],
    # VST's OTP worker reads the service and its customer, then sends the SMS.
    ("vst", "otp_worker"): lambda settings: [
        Grant("ReadServiceAndCustomer", ("dynamodb:GetItem",), _named_tables(settings, "services", "users")),
        Grant("SendSms", ("sns:Publish",), ("*",))],
    # Leads' API queues big assignments, and its imports write the new leads' search terms in batches.
    ("leads", "api"): lambda settings: [
        Grant("SendJobs", ("sqs:GetQueueUrl", "sqs:SendMessage"),
              (ARN % ("sqs", settings.queue_name("assignment")),)),
        Grant("WriteSearchTerms", ("dynamodb:BatchWriteItem",), _named_tables(settings, "customers-search"))],
    # Leads' assignment worker reads leads, sales users and their load counters, and moves leads (with
    # the counters, in transactions, with the new holder's activity entry) and its job: no delete, no scan.
    ("leads", "assignment_worker"): lambda settings: [
        Grant("Tables", ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
                         "dynamodb:UpdateItem"),
              _tables(settings))],
    # ISP's nightly job sets the revenue aggregates that differ from what the bills say.
    ("isp", "nightly_revenue"): lambda settings: [
        Grant("RepairAggregates", ("dynamodb:UpdateItem",), _named_tables(settings, "revenue"))],
    # ISP's imports from the bucket: the job owner's role rights (the roles table's name index) and the
    # search terms of the customers and bills they write (a batch write per 100 rows).
    ("isp", "uploads_worker"): lambda settings: [
        Grant("ReadRoleRights", ("dynamodb:Query",), tuple(
            f"{arn}/index/name-index" for arn in _named_tables(settings, "roles"))),
        Grant("WriteSearchTerms", ("dynamodb:BatchWriteItem",),
              _named_tables(settings, "customers-search", "bills-search"))],
    # RevisBali's daily run moves past-due invoices to overdue: the invoice's update and its history
    # item, in one transaction.
    ("revisbali", "overdue_invoices"): lambda settings: [
        Grant("MarkOverdue", ("dynamodb:PutItem", "dynamodb:UpdateItem"),
              _named_tables(settings, "invoices", "state-history"))],
    # RevisBali's OCR worker reads passports with Textract; its API links a document's file with a
    # presigned GET (documents/routes.py: `fileUrl`), which the API's role must be allowed to do.
    ("revisbali", "sqs"): [Grant("ReadDocuments", ("textract:AnalyzeID", "textract:DetectDocumentText"), ("*",))],
    ("revisbali", "api"): [Grant("LinkDocuments", ("s3:GetObject",), _objects("documents/"))],
    # Leads' bucket imports write the new leads' search terms in batches.
    ("leads", "sqs"): lambda settings: [
        Grant("WriteSearchTerms", ("dynamodb:BatchWriteItem",), _named_tables(settings, "customers-search"))],
}


def functions(app: Any) -> list[Function]:
    """Every Lambda of the Chalice app, with its kind."""
    found = [Function("api_handler", "api")]
    found += [Function(config.name, "authorizer") for config in app.builtin_auth_handlers]
    for source in app.event_sources:
        kind = type(source).__name__
        if kind == "SQSEventConfig":
            found.append(Function(source.name, "sqs", source.queue))
        elif kind == "ScheduledEventConfig":
            found.append(Function(source.name, "schedule"))
        else:
            raise ValueError(f"{source.name}: no IAM grants declared for a {kind} (infra/policy.py)")
    from chalicelib.core.consumers import consumers

    # the queue by key: names differ per stage (an SQS event source names its queue; a consumer its key,
    # which register_consumer checked against the product's queues)
    keys = {queue.name: queue.key for queue in queues(getattr(app, "crm_product", None))}
    for index, function in enumerate(found):
        if function.queue is not None:
            if function.queue not in keys:
                raise ValueError(f"{function.name} reads {function.queue}, not one of the stage's queues")
            found[index] = Function(function.name, function.kind, keys[function.queue])
    batch_consumers = {consumer.name: consumer for consumer in consumers(app)}
    for function in app.pure_lambda_functions:
        if function.name not in batch_consumers:
            raise ValueError(f"{function.name}: no IAM grants declared for this Lambda function (infra/policy.py)")
        found.append(Function(function.name, "consumer", batch_consumers[function.name].queue))
    return found


def policy_document(function: Function, settings: Settings) -> dict[str, Any]:
    statements = []
    for grant in grants(function, settings):
        resources = [r if r == "*" else {"Fn::Sub": r} for r in grant.resources]
        statements.append({"Sid": grant.sid, "Effect": "Allow", "Action": sorted(grant.actions),
                           "Resource": resources[0] if len(resources) == 1 else resources})
    return {"Version": "2012-10-17", "Statement": statements}


def policy_file_name(stage: str, function: Function) -> str:
    return f"policy-{stage}-{function.name.replace('_', '-')}.json"


def policy_path(stage: str, function: Function) -> Path:
    return ROOT / ".chalice" / policy_file_name(stage, function)


def render_policy(function: Function, settings: Settings) -> str:
    return json.dumps(policy_document(function, settings), indent=2) + "\n"


def config_entries(stage: str, fns: list[Function]) -> dict[str, dict[str, str]]:
    return {function.name: {"iam_policy_file": policy_file_name(stage, function)} for function in fns}


def write_policies(stage: str, settings: Settings, app: Any) -> list[str]:
    """Write each function's policy file and its entry in .chalice/config.json; the files changed."""
    fns = functions(app)
    changed: list[str] = []
    for function in fns:
        path = policy_path(stage, function)
        text = render_policy(function, settings)
        if not (path.exists() and path.read_text() == text):
            path.write_text(text)
            changed.append(path.name)
    config = load_config()
    stage_config = config["stages"][stage]
    wanted = config_entries(stage, fns)
    current = stage_config.get("lambda_functions", {})
    if any(current.get(name, {}).get("iam_policy_file") != entry["iam_policy_file"] for name, entry in wanted.items()):
        for name, entry in wanted.items():
            current.setdefault(name, {}).update(entry)
        stage_config["lambda_functions"] = current
        (ROOT / ".chalice" / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        changed.append("config.json")
    return changed
