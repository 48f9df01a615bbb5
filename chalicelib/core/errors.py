"""API errors, raised anywhere below a route and rendered in the product's error shape.

Every class carries a stable machine-readable `code` (DRF's names, which RevisBali's spec uses) next
to its status and message: a product whose spec shows codes picks `render_coded`, the others never
show them. `InternalError` is the one 500: the Api answers it for any unexpected exception, with a
fixed message (the details go to the log, never to the client).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FieldErrors = dict[str, list[str]]


class ApiError(Exception):
    status = 400
    code = "bad_request"
    default_message = "Bad request."

    def __init__(self, message: str | None = None, *, field_errors: FieldErrors | None = None,
                 code: str | None = None, headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.field_errors = field_errors
        self.code = code or type(self).code  # an instance may say more precisely what went wrong
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(ApiError):
    status = 400
    code = "bad_request"
    default_message = "Bad request."


class ValidationFailed(ApiError):
    """400 with per-field messages."""

    status = 400
    code = "validation_error"
    default_message = "Invalid input."

    def __init__(self, field_errors: FieldErrors, message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message, field_errors=field_errors, code=code)


class Unauthorized(ApiError):
    status = 401
    code = "authentication_failed"
    default_message = "Authentication credentials were not provided or are invalid."


class Forbidden(ApiError):
    status = 403
    code = "permission_denied"
    default_message = "You do not have permission to perform this action."


class NotFound(ApiError):
    status = 404
    code = "not_found"
    default_message = "Not found."


class MethodNotAllowed(ApiError):
    status = 405
    code = "method_not_allowed"
    default_message = "Method not allowed."


class NotAcceptable(ApiError):
    """406: the Accept header allows none of the types the route can answer."""

    status = 406
    default_message = "None of the accepted media types can be produced."
    code = "not_acceptable"


class Conflict(ApiError):
    status = 409
    code = "conflict"
    default_message = "The record changed or conflicts with another one."


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    default_message = "Request body is too large."


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Unsupported content type."


class TooManyRequests(ApiError):
    status = 429
    code = "throttled"
    default_message = "Too many attempts; try again later."


class InternalError(ApiError):
    """Anything unexpected (a bug, an AWS outage): one log line with the traceback, a fixed body."""

    status = 500
    code = "server_error"
    default_message = "Internal server error."


ErrorRenderer = Callable[[ApiError], Any]


def render_error_or_errors(error: ApiError) -> dict[str, Any]:
    """`{"error": "..."}` or `{"errors": {"field": ["..."]}}` (RepaySync and others)."""
    if error.field_errors:
        return {"errors": error.field_errors}
    return {"error": error.message}


def render_error_always(error: ApiError) -> dict[str, Any]:
    """`{"error": "..."}` for every error (Leads: its spec shows no other shape, so a frontend reads
    `error`); refused fields add `{"errors": {"field": ["..."]}}` beside it, and `error` names the first."""
    if not error.field_errors:
        return {"error": error.message}
    field, messages = next(iter(error.field_errors.items()))
    first = messages[0] if messages else error.message
    return {"error": first if field == "non_field_errors" else f"{field}: {first}", "errors": error.field_errors}


def render_detail(error: ApiError) -> dict[str, Any]:
    """DRF-like `{"detail": "..."}` or the field map itself."""
    if error.field_errors:
        return dict(error.field_errors)
    return {"detail": error.message}


def render_coded(error: ApiError) -> dict[str, Any]:
    """`{"code": "...", "errors": {"field": [...]}}` or `{"code": "...", "errors": {"detail": "..."}}`
    (RevisBali's "Error Responses"): clients branch on the code, show the messages."""
    return {"code": error.code, "errors": dict(error.field_errors) if error.field_errors else {"detail": error.message}}


def pydantic_field_errors(exc: Any) -> FieldErrors:
    """Turn a pydantic ValidationError into `{"field": ["message", ...]}`.

    Missing fields read "This field is required." as the specs show.
    """
    errors: FieldErrors = {}
    for item in exc.errors(include_url=False):
        parts = [part for part in item.get("loc", ()) if part != "__root__"]
        # the first part is the field itself, even when it is named like a tag (a `date` field)
        loc = [str(part) for index, part in enumerate(parts) if index == 0 or not _is_type_tag(part)]
        field = ".".join(loc) if loc else "non_field_errors"
        if item.get("type") == "missing":
            message = "This field is required."
        else:
            message = str(item.get("msg", "Invalid value."))
            if message.startswith("Value error, "):
                message = message[len("Value error, "):]
        messages = errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)
    return errors


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "bytes", "list", "dict", "set", "tuple", "none", "decimal",
                        "date", "datetime", "time", "uuid", "literal", "enum", "is-instance", "model"})


def _is_type_tag(part: Any) -> bool:
    """pydantic adds a union member's schema tag to the location (`pincode.constrained-str`,
    `pincode.int`, `function-after[...]`); the client only needs the field."""
    if not isinstance(part, str):
        return False
    return part in _TYPE_TAGS or "-" in part or "[" in part
