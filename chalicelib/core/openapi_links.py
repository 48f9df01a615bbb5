"""OpenAPI links from the operations that answer records to the routes of those records.

A POST on a collection `P` whose success body is an object with an id creates a record, and the routes
under `P{param}/` (the item and its sub-routes: GET/PUT/PATCH/DELETE `P{id}/`, POST `P{id}/convert/`...)
act on it. Each of those gets a link on the POST's success response, mapping `{param}` to the answered
id, so that a client (and schemathesis' stateful phase) reaches them with ids that exist. A GET listing
`P` links to them the same way from its first item (`/0/id`, or `/results/0/id` in a DRF page): records
made outside the API (imported leads) are reached so. The answered field is the one named like the
parameter when the body has it (`job_id`), else `id`. Parameters of `P` itself (a nested collection)
keep the request's values.

Where the paths do not show which collection the records answered at a path belong to
(`POST /api/customers/create/` adds to `/api/customers/`; a presign's job is read at
`/api/imports/{job_id}/`), the product declares it once with `Api.answers_item_of` (and the field,
when it is named neither `id` nor like the parameter); the links follow from that as from a path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_PARAM = re.compile(r"\{(\w+)\}")
_ID = "id"
JSON = "application/json"


def add_links(paths: dict[str, dict[str, Any]], schemas: Mapping[str, Any],
              declared: Mapping[str, Sequence[tuple[str, str | None]]] | None = None) -> None:
    """Add `links` to the success responses that answer records in `paths` (an OpenAPI `paths` object
    whose `$ref`s point into `schemas`). `declared`: path -> (collection, answered field or None) for
    the collections the records answered at that path belong to beyond the path itself."""
    declared = declared or {}
    _check(paths, declared)
    for path, item in paths.items():
        for response, pointer, fields in _answers(item, schemas):
            links: dict[str, Any] = {}
            for collection, field in [(path, None), *declared.get(path, ())]:
                links.update(_links(path, collection, field, paths, pointer, fields))
            if links:
                response["links"] = dict(sorted(links.items()))


def _check(paths: Mapping[str, dict[str, Any]], declared: Mapping[str, Sequence[tuple[str, str | None]]]) -> None:
    """A declaration that links nothing is a mistake (a path renamed, a typo): say so at generation."""
    for path, collections in declared.items():
        for collection, _field in collections:
            if path not in paths or not any(_item_param(collection, target) for target in paths):
                raise ValueError(f"answers_item_of({path!r}, {collection!r}): no route {path} or none "
                                 f"under {collection}{{param}}/")


def _answers(item: Mapping[str, Any], schemas: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], str, set[str]]]:
    """(response, JSON pointer prefix of the record, the record's fields) for each success response of
    the path's POST (the record itself) and GET (a list: its first item)."""
    for method in ("post", "get"):
        operation = item.get(method)
        if not isinstance(operation, dict):
            continue
        for status, response in sorted(operation.get("responses", {}).items()):
            if not status.startswith("2") or JSON not in response.get("content", {}):
                continue
            body = _resolve(response["content"][JSON].get("schema", {}), schemas)
            if method == "post" and body.get("type", "object") == "object":
                yield response, "", _fields(body)
            elif method == "get" and body.get("type") == "array":
                yield response, "0/", _fields(_resolve(body.get("items", {}), schemas))
            elif method == "get" and "results" in (body.get("properties") or {}):  # a DRF page
                results = _resolve(body["properties"]["results"], schemas)
                if results.get("type") == "array":
                    yield response, "results/0/", _fields(_resolve(results.get("items", {}), schemas))


def _links(source_path: str, collection: str, field: str | None, paths: Mapping[str, dict[str, Any]],
           pointer: str, fields: set[str]) -> dict[str, Any]:
    """Link name (the target's operationId) -> link, for every operation on an item of `collection`."""
    own = _PARAM.findall(source_path)
    links: dict[str, Any] = {}
    for target_path, operations in sorted(paths.items()):
        param = _item_param(collection, target_path)
        if param is None:
            continue
        source = field or (param if param in fields else _ID)
        if source not in fields:
            continue
        parameters = {name: f"$request.path.{name}" for name in _PARAM.findall(target_path) if name in own}
        parameters[param] = f"$response.body#/{pointer}{source}"
        record = "the record just created" if not pointer else "the first record listed"
        for method, operation in sorted(operations.items()):
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            links[operation["operationId"]] = {
                "operationId": operation["operationId"], "parameters": dict(sorted(parameters.items())),
                "description": f"{method.upper()} {target_path} of {record}: `{param}` is its `{source}`."}
    return links


def _item_param(collection: str, path: str) -> str | None:
    """`id` for `/api/bills/{id}/...` under the collection `/api/bills/`; None for any other path."""
    if not path.startswith(collection):
        return None
    match = re.match(r"\{(\w+)\}/", path[len(collection):])
    return match.group(1) if match else None


def _fields(schema: Mapping[str, Any]) -> set[str]:
    """The properties of an object schema (none for anything else: a list of ids answers no record)."""
    if schema.get("type", "object") != "object":
        return set()
    return set(schema.get("properties") or {})


def _resolve(schema: Any, schemas: Mapping[str, Any]) -> dict[str, Any]:
    seen: set[str] = set()
    while isinstance(schema, dict) and "$ref" in schema and schema["$ref"] not in seen:
        seen.add(schema["$ref"])
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema if isinstance(schema, dict) else {}
