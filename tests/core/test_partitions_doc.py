"""docs/partitions.md names every index of every product's tables (with its key, keying, access pattern
and limit): a new index fails here until its row is written and its partition key is thought about."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pynamodb.indexes import Index

from chalicelib.core import docgen

DOC = Path(__file__).resolve().parents[2] / "docs" / "partitions.md"
CORE = "Core tables"


def _sections() -> dict[str, list[list[str]]]:
    """Heading (### ...) -> the rows of its table, each a list of cells."""
    sections: dict[str, list[list[str]]] = {}
    current = None
    for line in DOC.read_text().splitlines():
        if line.startswith("### "):
            current = line[4:].split(" (")[0].strip()
            sections[current] = []
        elif current and line.startswith("|") and not re.fullmatch(r"\|[-| ]+\|", line):
            sections[current].append([cell.strip() for cell in line.strip("|").split("|")])
    return sections


def _indexes(slug: str) -> list[tuple[str, str, str]]:
    """(entity, index name, partition key attribute) of every GSI of the product's tables."""
    from chalicelib.core.app_factory import create_app

    product = create_app(slug).crm_product
    found = []
    for model in product.models:
        entity = model.Meta.table_name.split(f"{slug}-", 1)[1]
        for klass in model.__mro__:
            for value in vars(klass).values():
                if isinstance(value, Index):
                    hash_key = next(part["AttributeName"] for part in value._get_schema()["key_schema"]
                                    if part["KeyType"] == "HASH")
                    found.append((entity, value.Meta.index_name, hash_key))
    return sorted(set(found))


@pytest.mark.parametrize("slug", docgen.available_products())
def test_every_index_has_its_row(slug):
    sections = _sections()
    rows = sections.get(slug, []) + sections.get(CORE, [])
    missing = []
    for entity, index, hash_key in _indexes(slug):
        named = [row for row in rows if row[0] == entity and re.search(rf"(^|[ ,]){re.escape(index)}($|[ ,])", row[1])]
        if not named:
            missing.append(f"{entity}: {index}")
        elif not any(hash_key in row[2] for row in named):
            missing.append(f"{entity}: {index} (its partition key {hash_key} is not the one written)")
    assert missing == [], f"docs/partitions.md lacks rows for: {missing}"


def test_every_row_says_how_it_is_keyed_and_what_limits_it():
    for heading, rows in _sections().items():
        for row in rows[1:]:  # the header row first
            assert len(row) == 6 and all(row), f"{heading}: incomplete row {row}"
