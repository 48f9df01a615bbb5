"""camelCase on the wire for the products whose spec writes it so (RevisBali: `firstName`, `countryId`).

Python code keeps snake_case names; `WireModel` maps them to camelCase aliases (pydantic's `to_camel`,
or an explicit `Field(alias=...)`), accepts either form on input (clients written against the
Python names keep working), and always writes the alias: in responses (`core.api` dumps by alias)
and in the OpenAPI document (pydantic's JSON schema is by alias, so body properties and query
parameters carry the wire names).

Field errors must name what the client sent, so `wire_field_errors` rewrites an error map's keys to
the wire names: pydantic reports a value given under its Python name with that name, and product
code raises `ValidationFailed({"phone_number": [...]})` in Python terms. The Api applies it to every
field error of a route whose body or query model is a `WireModel`.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from chalicelib.core.errors import FieldErrors


class WireModel(BaseModel):
    """Base of every request/response body of a camelCase product."""

    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, validate_by_alias=True,
                              serialize_by_alias=True)


def is_wire_model(model: Any) -> bool:
    return isinstance(model, type) and issubclass(model, WireModel)


def wire_field_errors(errors: FieldErrors, *models: Any) -> FieldErrors:
    """`{"phone_number": [...], "address.postal_code": [...]}` -> `{"phoneNumber": [...],
    "address.postalCode": [...]}`, following `models`' fields (nested models too); a key no model
    names (`non_field_errors`) is camelCased as the alias generator would."""
    wired: FieldErrors = {}
    for key, messages in errors.items():
        name = ".".join(_wire_path(key.split("."), [m for m in models if _is_model(m)]))
        wired.setdefault(name, [])
        wired[name].extend(message for message in messages if message not in wired[name])
    return wired


def _wire_path(parts: list[str], models: list[type[BaseModel]]) -> list[str]:
    out: list[str] = []
    for part in parts:
        if part.isdigit():  # a list index
            out.append(part)
            continue
        field_name, field = _find_field(part, models)
        if field is None:
            out.append(to_camel(part) if "_" in part else part)
            models = []
            continue
        out.append(field.alias or field_name)
        models = _nested_models(field.annotation)
    return out


def _find_field(part: str, models: list[type[BaseModel]]) -> tuple[str, Any]:
    for model in models:
        fields = model.model_fields
        if part in fields:
            return part, fields[part]
        for field_name, field in fields.items():  # already the wire name
            if field.alias == part:
                return field_name, field
    return part, None


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    """The models a field's type holds (`Address`, `Address | None`, `list[Item]`)."""
    if _is_model(annotation):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_nested_models(arg))
    return found


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)
