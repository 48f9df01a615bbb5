"""Lazily built boto3 clients.

boto3 costs ~100 ms to import and each client more: build them on first use only, once per process.
Every client finds the local emulation through `AWS_ENDPOINT_URL`, which botocore reads itself.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.core.config import get_settings

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    cached = _clients.get(service)
    if cached is not None:
        return cached
    with _lock:
        if service not in _clients:
            import boto3  # deferred: keeps the cold start of routes that never touch S3/SQS small

            options: dict[str, Any] = {}
            if service == "s3":  # presigned URLs and POSTs signed with SigV4: S3 refuses SigV2 on newer buckets
                from botocore.config import Config

                options["config"] = Config(signature_version="s3v4")
            _clients[service] = boto3.session.Session().client(service, region_name=get_settings().region, **options)
        return _clients[service]


def s3() -> Any:
    return client("s3")


def sqs() -> Any:
    return client("sqs")


def sns() -> Any:
    return client("sns")


def secrets() -> Any:
    return client("secretsmanager")


_queue_urls: dict[str, str] = {}


def queue_url(queue: str) -> str:
    """URL of one of the stage's queues (`uploads`, `otp`, `assignment`), looked up once."""
    name = get_settings().queue_name(queue)
    if name not in _queue_urls:
        _queue_urls[name] = sqs().get_queue_url(QueueName=name)["QueueUrl"]
    return _queue_urls[name]


def reset_clients() -> None:
    """Drop cached clients (tests start a fresh emulation per session)."""
    _clients.clear()
    _queue_urls.clear()
