"""Completion by OTP: the assigned worker asks for a code, the customer reads it out from their SMS,
the worker sends it back with the work done, and the service is completed with its entry.

`request_otp` (the assigned worker or an admin; `assigned` or `awaiting_otp` -> `awaiting_otp`)
issues a 4-digit code (core/otp.py): only its keyed hash is stored on the service, with a 10-minute
expiry, and an SMS job goes on the `otp` queue; the worker (workers.py) sends it through SNS to the
card owner's phone. A second request replaces the first code (its hash, expiry and attempts).

`verify_otp` (the assigned worker) checks expiry, reserves an attempt (at most 5 per code, through
core's attempts guard; then the code is void) and compares; the right code completes the service,
writes its entry and clears the code in one transaction.
"""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

from chalicelib.core import queues
from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.base import utcnow
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.otp import OneTimeCodes
from chalicelib.products.vst.models import PRODUCT, Service, ServiceEntry
from chalicelib.products.vst.services import bookings, entries, lifecycle

if TYPE_CHECKING:
    from chalicelib.products.vst.schemas import VerifyOtpIn

CODES = OneTimeCodes(PRODUCT)  # 4 digits, 10 minutes, 5 attempts
QUEUE = "otp"
SMS_TEXT = "VST: your service OTP is {code}. Share it with the technician only when the work is done. Valid 10 minutes."


def subject(service_id: int, requested_at: object) -> str:
    """What a code confirms: this service, as of this request (a new request is a new subject)."""
    return f"service#{service_id}#{requested_at.isoformat()}"  # type: ignore[attr-defined]


def request_otp(principal: Principal, service_id: int) -> str:
    """Issue the service's code and queue its SMS; answers the code (the route shows it only in dev)."""
    service = bookings.visible(principal, service_id)
    lifecycle.SERVICE.target("request_otp", service.status)
    now = utcnow()
    issued = CODES.issue(subject(service.id, now), now)
    lifecycle.move(service, "request_otp", principal.subject,
                   {"otp_hash": issued.digest, "otp_expires_at": issued.expires_at, "otp_requested_at": now})
    queues.send(QUEUE, {"service": service.id, "requested_at": now.isoformat(),
                        "text": SMS_TEXT.format(code=issued.code)},
                dedup_id=f"otp#{subject(service.id, now)}")
    return issued.code


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed({"otp": [message]})


def _void(service: Service) -> None:
    """Clear a code whose attempts are used up (a newer code, written meanwhile, stays)."""
    with suppress(Conflict):
        service.update(actions=[getattr(Service, name).remove() for name in lifecycle.OTP_FIELDS],
                       condition=Service.otp_hash == service.otp_hash)


def verify_otp(principal: Principal, service_id: int, body: VerifyOtpIn) -> tuple[Service, ServiceEntry]:
    service = bookings.visible(principal, service_id)
    lifecycle.SERVICE.target("complete", service.status)
    if not service.otp_hash or service.otp_requested_at is None or service.otp_expires_at is None:
        raise _refuse("No OTP is pending for this service; request one.")
    if service.otp_expires_at <= utcnow():
        raise _refuse("The OTP has expired; request a new one.")
    code_subject = subject(service.id, service.otp_requested_at)
    if not CODES.take_attempt(code_subject):
        _void(service)
        raise _refuse("Too many wrong attempts: this OTP is void; request a new one.")
    if not CODES.matches(code_subject, body.otp, service.otp_hash):
        raise _refuse("Invalid OTP.")
    entry = entries.new_entry(service, body, principal.user_id)
    lifecycle.move(service, "complete", principal.subject,
                   {"completed_at": utcnow(), **dict.fromkeys(lifecycle.OTP_FIELDS)},
                   steps=[txn.put(entry, condition=ServiceEntry.id.does_not_exist())])
    return service, entry
