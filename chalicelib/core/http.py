"""Request bodies into pydantic models.

JSON, form-urlencoded and multipart/form-data are all accepted where a route allows them; the
multipart parser is python-multipart's, imported only when such a body arrives.
"""

from __future__ import annotations

import json
from dataclasses import field
from typing import Any, TypeVar
from urllib.parse import parse_qs

from pydantic import BaseModel, ValidationError

from chalicelib.core.errors import (
    BadRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
    pydantic_field_errors,
)
from chalicelib.core.records import Record

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
BODY_TYPES = (JSON, FORM, MULTIPART)

M = TypeVar("M", bound=BaseModel)


class UploadedFile(Record):
    filename: str
    content_type: str
    data: bytes


class ParsedBody(Record):
    """What a body held: plain fields (JSON object or form fields) and uploaded files."""

    fields: dict[str, Any] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    kind: str = ""  # the media type it came as: a form's and a multipart body's values are text

    @property
    def text(self) -> bool:
        return self.kind in (FORM, MULTIPART)


def media_type(headers: Any) -> str:
    raw = (headers.get("content-type") or "") if headers else ""
    return raw.split(";", 1)[0].strip().lower()


def raw_bytes(request: Any) -> bytes:
    body = request.raw_body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return body


def read_body(request: Any, *, allowed: tuple[str, ...] = BODY_TYPES, max_bytes: int) -> ParsedBody:
    """Parse the body by its content type; 415 for a type the route does not take, 413 over size."""
    data = raw_bytes(request)
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes.")
    kind = media_type(request.headers)
    if not data.strip():
        if kind and kind not in allowed:
            raise UnsupportedMediaType(f"Unsupported media type \"{kind}\" in request.")
        return ParsedBody()
    if kind not in allowed:
        raise UnsupportedMediaType(f"Unsupported media type \"{kind or 'none'}\" in request.")
    if kind == JSON:
        return ParsedBody(fields=_json_object(data), kind=kind)
    if kind == FORM:
        return ParsedBody(fields=_form_fields(data), kind=kind)
    body = _multipart(request.headers.get("content-type", ""), data)
    body.kind = kind
    return body


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise BadRequest("Malformed JSON body.") from exc
    if not isinstance(value, dict):
        raise BadRequest("The JSON body must be an object.")
    return value


def _form_fields(data: bytes) -> dict[str, Any]:
    try:
        parsed = parse_qs(data.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise BadRequest("Malformed form body.") from exc
    return {key: values[-1] if len(values) == 1 else values for key, values in parsed.items()}


def _multipart(content_type: str, data: bytes) -> ParsedBody:
    from python_multipart import MultipartParser
    from python_multipart.multipart import parse_options_header  # lazily: only multipart bodies pay for it

    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadRequest("Multipart body without a boundary.")
    result = ParsedBody()
    state: dict[str, Any] = {}

    def on_part_begin() -> None:
        state.update(headers={}, chunks=[], header_name=b"", header_value=b"")

    def on_header_field(buf: bytes, start: int, end: int) -> None:
        state["header_name"] += buf[start:end]

    def on_header_value(buf: bytes, start: int, end: int) -> None:
        state["header_value"] += buf[start:end]

    def on_header_end() -> None:
        state["headers"][state["header_name"].decode("latin-1").lower()] = state["header_value"]
        state["header_name"], state["header_value"] = b"", b""

    def on_part_data(buf: bytes, start: int, end: int) -> None:
        state["chunks"].append(buf[start:end])

    def on_part_end() -> None:
        disposition = state["headers"].get("content-disposition", b"")
        _, options = parse_options_header(disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        payload = b"".join(state["chunks"])
        if b"filename" in options:
            if not options[b"filename"] and not payload:
                return  # a file input left empty: browsers still send the part, with filename=""
            result.files[name] = UploadedFile(
                filename=options[b"filename"].decode("utf-8", "replace"),
                content_type=state["headers"].get("content-type", b"application/octet-stream").decode("latin-1"),
                data=payload,
            )
        elif name:  # a repeated name is a list, as in a form (`permissions` twice)
            text = payload.decode("utf-8", "replace")
            earlier = result.fields.get(name)
            if earlier is None:
                result.fields[name] = text
            elif isinstance(earlier, list):
                earlier.append(text)
            else:
                result.fields[name] = [earlier, text]

    parser = MultipartParser(boundary, callbacks={
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_part_data": on_part_data, "on_part_end": on_part_end,
    })
    try:
        parser.write(data)
        parser.finalize()
    except Exception as exc:  # python-multipart raises its own error types for malformed input
        raise BadRequest("Malformed multipart body.") from exc
    return result


def validate(model: type[M], data: Any, *, text_values: bool = False) -> M:
    """Validate `data` with `model`; field errors become a 400 in the product's shape.

    `text_values`: the values are text no reader has typed yet (a file's cells), so an id may be a digit
    string. A form body is typed by core/formtext.py first, so it is validated as JSON is."""
    from chalicelib.core.fields import TEXT_CONTEXT  # the field types: loaded with the first model validated

    try:
        return model.model_validate(data, context={TEXT_CONTEXT: text_values})
    except ValidationError as exc:
        raise ValidationFailed(pydantic_field_errors(exc)) from exc
