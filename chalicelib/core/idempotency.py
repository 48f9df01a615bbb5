"""The `Idempotency-Key` request header: a write sent again with the same key answers the first
answer (same status and body) instead of writing twice; the same key with another request is 409.

A handler opts in with `idempotent(call, work)`: `work(seal)` does the write, adding `seal(answer)`'s
steps to its own transaction (core/db/idempotency.py), and returns the answer. Only a success is
stored: a refused request (400, 409, ...) changes nothing, so its retry is simply checked again. Keys
are scoped to the caller and kept 24 hours. Routes declare `idempotent=True` so the OpenAPI document
states the header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from chalicelib.core.api import Call, Reply, to_jsonable
from chalicelib.core.db import txn
from chalicelib.core.db.idempotency import IdempotentRequest, Stored, digest
from chalicelib.core.errors import ApiError, Conflict, ValidationFailed

HEADER = "Idempotency-Key"
SYNTAX = re.compile(r"[\x21-\x7e]{1,128}")  # visible ASCII: no spaces, controls or look-alikes
BAD_KEY = "Must be 1 to 128 visible ASCII characters (no spaces)."
REUSED = "This Idempotency-Key was already used with a different request."
DESCRIPTION = ("Optional. A client-chosen key (1-128 visible ASCII characters) that makes a retry safe: the "
               "same caller sending the same request with the same key within 24 hours gets the first "
               "answer again (same status and body) and nothing is written twice; the same key with a "
               "different request is 409. Only successful answers are kept.")
PARAMETER = {"name": HEADER, "in": "header", "required": False, "description": DESCRIPTION,
             "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[\\x21-\\x7e]+$"}}

Seal = Callable[[Any], list[txn.Step]]


def idempotent(call: Call, work: Callable[[Seal], Any]) -> Any:
    """`work(seal)`'s answer, or the answer stored under the request's key (see the module doc)."""
    request = _request(call)
    if request is None:
        return work(lambda answer: [])
    previous = request.stored()
    if previous is not None:
        return _replay(request, previous)
    status = call.route.status if call.route else 200
    try:
        return work(lambda answer: [request.seal(status, to_jsonable(answer))])
    except ApiError:
        previous = request.stored()  # a twin with the same key won the race: its answer is ours
        if previous is None:
            raise
        return _replay(request, previous)


def _request(call: Call) -> IdempotentRequest | None:
    key = (call.request.headers or {}).get(HEADER.lower())
    if key is None:
        return None
    if not SYNTAX.fullmatch(key):
        raise ValidationFailed({HEADER: [BAD_KEY]})
    principal = call.user
    path = call.route.filled(call.path) if call.route else ""
    body = json.dumps(to_jsonable(call.body), sort_keys=True, separators=(",", ":"), default=str)
    return IdempotentRequest(product=call.product, key=digest(principal.issuer, principal.subject, key),
                             fingerprint=digest(call.method, path, body))


def _replay(request: IdempotentRequest, previous: Stored) -> Reply:
    if previous.fingerprint != request.fingerprint:
        raise Conflict(REUSED)
    return Reply(previous.body, status=previous.status)
