"""Table definitions derived from the pynamodb models: one source for infra/ and the local stack."""

from __future__ import annotations

from typing import Any

from pynamodb.models import Model


def _key_schema(keys: list[dict[str, str]]) -> list[dict[str, str]]:
    """HASH first, then RANGE: DynamoDB and CloudFormation reject any other order (pynamodb may
    list a GSI's keys in attribute-name order)."""
    schema = [{"AttributeName": k["attribute_name"] if "attribute_name" in k else k["AttributeName"],
               "KeyType": k["key_type"] if "key_type" in k else k["KeyType"]} for k in keys]
    return sorted(schema, key=lambda k: k["KeyType"] != "HASH")


def table_spec(model: type[Model]) -> dict[str, Any]:
    """CreateTable arguments (PAY_PER_REQUEST) for `model`, GSIs included."""
    schema = model._get_schema()
    spec: dict[str, Any] = {
        "TableName": model.Meta.table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": a.get("attribute_name", a.get("AttributeName")),
             "AttributeType": a.get("attribute_type", a.get("AttributeType"))}
            for a in schema["attribute_definitions"]],
        "KeySchema": _key_schema(schema["key_schema"]),
    }
    gsis = schema.get("global_secondary_indexes") or []
    if gsis:
        spec["GlobalSecondaryIndexes"] = [
            {"IndexName": g.get("index_name", g.get("IndexName")),
             "KeySchema": _key_schema(g.get("key_schema", g.get("KeySchema"))),
             "Projection": g.get("projection", g.get("Projection"))}
            for g in gsis]
    return spec


def ttl_attribute(model: type[Model]) -> str | None:
    from pynamodb.attributes import TTLAttribute

    for name, attribute in model.get_attributes().items():
        if isinstance(attribute, TTLAttribute):
            return attribute.attr_name or name
    return None


def ensure_tables(models: list[type[Model]], client: Any = None) -> None:
    """Create any missing table (and its TTL setting); idempotent."""
    if client is None:
        from chalicelib.core import aws

        client = aws.client("dynamodb")
    existing: set[str] = set()
    for page in client.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    for model in models:
        spec = table_spec(model)
        if spec["TableName"] in existing:
            continue
        client.create_table(**spec)
        ttl = ttl_attribute(model)
        if ttl:
            client.update_time_to_live(TableName=spec["TableName"],
                                       TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl})
        existing.add(spec["TableName"])
