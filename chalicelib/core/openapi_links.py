"""OpenAPI links from each create operation to the routes of the record it answers.

A POST on a collection `P` whose success body is an object with an id creates a record, and the routes
under `P{param}/` (the item and its sub-routes: GET/PUT/PATCH/DELETE `P{id}/`, POST `P{id}/convert/`...)
act on it. Each of those gets a link on the POST's success response, mapping `{param}` to the answered
id, so that a client (and schemathesis' stateful phase) reaches them with ids that exist. The answered
field is the one named like the parameter when the body has it (`job_id`), else `id`. Parameters of
`P` itself (a nested collection) keep the request's values.

Where the paths do not show which collection a POST's record belongs to (`POST /api/customers/create/`
adds to `/api/customers/`; a presign's job is read at `/api/imports/{job_id}/`), the product declares it
once with `Api.answers_item_of` (and the field, when it is named neither `id` nor like the parameter);
the links follow from that as from a path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_PARAM = re.compile(r"\{(\w+)\}")
_ID = "id"
JSON = "application/json"


def add_links(paths: dict[str, dict[str, Any]], schemas: Mapping[str, Any],
              declared: Mapping[str, Sequence[tuple[str, str | None]]] | None = None) -> None:
    """Add `links` to the success responses of every create operation in `paths` (an OpenAPI `paths`
    object whose `$ref`s point into `schemas`). `declared`: create path -> (collection, answered field
    or None) for the collections its record belongs to beyond its own path."""
    for path, collections in (declared or {}).items():
        for collection, _field in collections:
            if not isinstance(paths.get(path, {}).get("post"), dict) or \
                    not any(_item_param(collection, target) for target in paths):
                raise ValueError(f"answers_item_of({path!r}, {collection!r}): no POST {path} or no route "
                                 f"under {collection}{{param}}/")
    for path, item in paths.items():
        create = item.get("post")
        if not isinstance(create, dict):
            continue
        for status, response in sorted(create.get("responses", {}).items()):
            if not status.startswith("2") or JSON not in response.get("content", {}):
                continue
            fields = _answered_fields(response, schemas)
            links: dict[str, Any] = {}
            for collection, field in [(path, None), *(declared or {}).get(path, ())]:
                links.update(_links(path, collection, field, paths, fields))
            if links:
                response["links"] = dict(sorted(links.items()))


def _links(create_path: str, collection: str, field: str | None, paths: Mapping[str, dict[str, Any]],
           fields: set[str]) -> dict[str, Any]:
    """Link name (the target's operationId) -> link, for every operation on an item of `collection`."""
    own = _PARAM.findall(create_path)
    links: dict[str, Any] = {}
    for target_path, operations in sorted(paths.items()):
        param = _item_param(collection, target_path)
        if param is None:
            continue
        source = field or (param if param in fields else _ID)
        if source not in fields:
            continue
        parameters = {name: f"$request.path.{name}" for name in _PARAM.findall(target_path) if name in own}
        parameters[param] = f"$response.body#/{source}"
        for method, operation in sorted(operations.items()):
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            links[operation["operationId"]] = {
                "operationId": operation["operationId"], "parameters": dict(sorted(parameters.items())),
                "description": f"{method.upper()} {target_path} of the record just created: "
                               f"`{param}` is the answered `{source}`."}
    return links


def _item_param(collection: str, path: str) -> str | None:
    """`id` for `/api/bills/{id}/...` under the collection `/api/bills/`; None for any other path."""
    if not path.startswith(collection):
        return None
    match = re.match(r"\{(\w+)\}/", path[len(collection):])
    return match.group(1) if match else None


def _answered_fields(response: dict[str, Any], schemas: Mapping[str, Any]) -> set[str]:
    """The top-level properties of the JSON body (none when it is not an object: a list answers no id)."""
    schema = _resolve(response["content"][JSON].get("schema", {}), schemas)
    if schema.get("type", "object") != "object":
        return set()
    return set(schema.get("properties") or {})


def _resolve(schema: dict[str, Any], schemas: Mapping[str, Any]) -> dict[str, Any]:
    seen: set[str] = set()
    while isinstance(schema, dict) and "$ref" in schema and schema["$ref"] not in seen:
        seen.add(schema["$ref"])
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema if isinstance(schema, dict) else {}
