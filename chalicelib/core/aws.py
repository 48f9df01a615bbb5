"""Lazily built AWS clients on one botocore session.

A botocore session loads each service's model files once (DynamoDB's cost ~100-300 ms on a cold
Lambda); pynamodb would build a new session for every table it connects to, so a first request that
reads a token's revocation, a record and writes its audit item loaded DynamoDB's model three times.
`share_session()` makes pynamodb use this module's session (one per thread, as pynamodb keeps its
own: botocore's client creation is not thread-safe), and one DynamoDB client for every table: pynamodb
builds a client per table connection (~5-25 ms each: a cold request that checks a revocation, reads
a record and writes its audit item built three). Clients are built on first use, once per process,
with botocore alone; only S3's comes through boto3 (~100 ms to import, on its own session), for
`upload_fileobj`.
Every client finds the local emulation through `AWS_ENDPOINT_URL`, which botocore reads itself.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.core.config import get_settings

_clients: dict[str, Any] = {}
_lock = threading.Lock()
_local = threading.local()
_dynamodb_clients: dict[tuple[Any, ...], Any] = {}  # pynamodb's, by the connection's settings
_dynamodb_lock = threading.Lock()


def botocore_session() -> Any:
    """This thread's botocore session, shared by every client and pynamodb connection made in it."""
    session = getattr(_local, "session", None)
    if session is None:
        import botocore.session

        session = _local.session = botocore.session.get_session()
    return session


def share_session() -> None:
    """pynamodb's connections take their session from `botocore_session` (it has no setting for it:
    its module's `get_session` is the one hook), and connections with the same settings (all of
    ours) one client: pynamodb itself already shares a connection's client across threads."""
    import pynamodb.connection.base as pynamodb_base

    pynamodb_base.get_session = botocore_session  # type: ignore[attr-defined]
    connection_class = pynamodb_base.Connection
    if getattr(connection_class, "crm_shared_client", False):
        return
    build = connection_class.client.fget  # pynamodb's: builds when missing or without credentials

    def shared_client(connection: Any) -> Any:
        if connection._client is None:
            key = (connection.region, connection.host, connection._connect_timeout_seconds,
                   connection._read_timeout_seconds, repr(connection._retry_configuration),
                   connection._max_retry_attempts_exception, connection._max_pool_connections,
                   repr(connection._extra_headers), connection._aws_access_key_id)
            with _dynamodb_lock:
                if key not in _dynamodb_clients:
                    _dynamodb_clients[key] = build(connection)
                connection._client = _dynamodb_clients[key]
        return build(connection)

    connection_class.client = property(shared_client)  # type: ignore[assignment]
    connection_class.crm_shared_client = True  # type: ignore[attr-defined]


def client(service: str) -> Any:
    cached = _clients.get(service)
    if cached is not None:
        return cached
    with _lock:
        if service not in _clients:
            region = get_settings().region
            if service == "s3":  # presigned URLs and POSTs signed with SigV4: S3 refuses SigV2 on newer buckets
                import boto3  # deferred: only S3's client needs boto3's additions (upload_fileobj)
                from botocore.config import Config

                # its own session: boto3 adds its S3 methods to the session it wraps, once only
                _clients[service] = boto3.session.Session().client(service, region_name=region,
                                                                   config=Config(signature_version="s3v4"))
            else:
                _clients[service] = botocore_session().create_client(service, region_name=region)
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
    """Drop cached clients (tests start a fresh emulation per session). The tables' DynamoDB client
    stays: pynamodb keeps each table's connection (and its client) for the process anyway."""
    _clients.clear()
    _queue_urls.clear()
