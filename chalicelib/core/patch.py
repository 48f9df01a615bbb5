"""PATCH as a merge patch (RFC 7396 for flat bodies), validated once with the full model's own rules.

A product declares its full body once (the POST/PUT model) and derives the PATCH body from it:
`CustomerPatch = patch_of(CustomerIn)`. The derived model has the same fields, types, constraints and
field validators, each optional: an absent field is unchanged, a field sent with a value is checked
exactly as in a PUT, and an explicit `null` is accepted only where the full model takes null (it then
clears the field, or means whatever the product gives null there). So one validation of the PATCH body
reports every bad field at once, under its name, with the PUT's message, and the OpenAPI document
states the same constraints for PATCH as for PUT.

`merged(current, patch, full)` then lays the fields the client sent over the record's current values
and answers a `full` model without validating anything again: the patch's values were checked by its
model, the record's when they were stored. `current` must give the values in the full model's Python
types (a response model read from the record does: dates as dates, money as Decimal).

Cross-field rules (a model validator: "end after start") need the merged values, so `patch_of` refuses
a full model that has one; check such a rule in the service, on the merged model.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, create_model
from pydantic.fields import FieldInfo

M = TypeVar("M", bound=BaseModel)


def _no_default_in_schema(extra: Any) -> Any:
    """A patch field's None default is "absent", not a value to document (`name` is not nullable)."""

    def update(schema: dict[str, Any], *args: Any) -> None:
        if isinstance(extra, dict):
            schema.update(extra)
        elif callable(extra):
            extra(schema, *args)
        schema.pop("default", None)

    return update


def _optional(field: FieldInfo) -> FieldInfo:
    optional = copy(field)
    optional.default = None
    optional.default_factory = None
    optional.json_schema_extra = _no_default_in_schema(field.json_schema_extra)
    return optional


@cache
def patch_of(full: type[M]) -> type[M]:
    """The PATCH body of `full`: its fields, types and validators, each optional; null only where
    `full` takes null. Cached, so a product's PATCH routes share one model (one OpenAPI component)."""
    cross_field = full.__pydantic_decorators__.model_validators
    if cross_field:
        raise TypeError(f"{full.__name__} has model validators ({', '.join(cross_field)}): a PATCH needs them "
                        "on the merged record, so check them in the service after merged()")
    fields: dict[str, Any] = {name: (field.annotation, _optional(field)) for name, field in full.model_fields.items()}
    patch = create_model(f"{full.__name__.removesuffix('In')}Patch", __base__=full, __module__=full.__module__,
                         __doc__=f"PATCH body of {full.__name__}: any subset of its fields, each checked as in "
                                 "a PUT; an absent field is unchanged, null only where the field takes null.",
                         **fields)
    return patch  # type: ignore[return-value]


def changes(patch: BaseModel) -> dict[str, Any]:
    """The fields the client sent (null included), as validated Python values, by field name."""
    return {name: getattr(patch, name) for name in patch.model_fields_set}


def merged(current: Mapping[str, Any] | Any, patch: BaseModel, full: type[M]) -> M:
    """`current`'s values for `full`'s fields (a mapping, or an object read by attribute), with the
    fields the patch set laid over them, as a `full` model; nothing is validated again."""
    read = current.get if isinstance(current, Mapping) else lambda name: getattr(current, name)
    values = {name: read(name) for name in full.model_fields}
    values.update(changes(patch))
    return full.model_construct(_fields_set=set(values), **values)
