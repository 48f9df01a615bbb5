"""API errors, raised anywhere below a route and rendered in the product's error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FieldErrors = dict[str, list[str]]


class ApiError(Exception):
    status = 400
    default_message = "Bad request."

    def __init__(self, message: str | None = None, *, field_errors: FieldErrors | None = None,
                 code: str | None = None, headers: dict[str, str] | None = None) -> None:
        self.message = message or self.default_message
        self.field_errors = field_errors
        self.code = code
        self.headers = headers or {}
        super().__init__(self.message)


class BadRequest(ApiError):
    status = 400
    default_message = "Bad request."


class ValidationFailed(ApiError):
    """400 with per-field messages."""

    status = 400
    default_message = "Invalid input."

    def __init__(self, field_errors: FieldErrors, message: str | None = None) -> None:
        super().__init__(message, field_errors=field_errors, code="invalid")


class Unauthorized(ApiError):
    status = 401
    default_message = "Authentication credentials were not provided or are invalid."


class Forbidden(ApiError):
    status = 403
    default_message = "You do not have permission to perform this action."


class NotFound(ApiError):
    status = 404
    default_message = "Not found."


class MethodNotAllowed(ApiError):
    status = 405
    default_message = "Method not allowed."


class NotAcceptable(ApiError):
    """406: the Accept header allows none of the types the route can answer."""

    status = 406
    default_message = "None of the accepted media types can be produced."


class Conflict(ApiError):
    status = 409
    default_message = "The record changed or conflicts with another one."


class PayloadTooLarge(ApiError):
    status = 413
    default_message = "Request body is too large."


class UnsupportedMediaType(ApiError):
    status = 415
    default_message = "Unsupported content type."


class TooManyRequests(ApiError):
    status = 429
    default_message = "Too many attempts; try again later."


ErrorRenderer = Callable[[ApiError], Any]


def render_error_or_errors(error: ApiError) -> dict[str, Any]:
    """`{"error": "..."}` or `{"errors": {"field": ["..."]}}` (RepaySync and others)."""
    if error.field_errors:
        return {"errors": error.field_errors}
    return {"error": error.message}


def render_detail(error: ApiError) -> dict[str, Any]:
    """DRF-like `{"detail": "..."}` or the field map itself."""
    if error.field_errors:
        return dict(error.field_errors)
    return {"detail": error.message}


def pydantic_field_errors(exc: Any) -> FieldErrors:
    """Turn a pydantic ValidationError into `{"field": ["message", ...]}`.

    Missing fields read "This field is required." as the specs show.
    """
    errors: FieldErrors = {}
    for item in exc.errors(include_url=False):
        loc = [str(part) for part in item.get("loc", ()) if part != "__root__" and not _is_type_tag(part)]
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
