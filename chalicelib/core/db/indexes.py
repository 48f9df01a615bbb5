"""A product's list index in one line: a GSI projecting whole records (the lists return them).

    all_index = gsi("all-index", "kind", "id", UnicodeAttribute)

Every product declared the same helper; this is the one copy. Read docs/partitions.md before keying an
index on a value most items share (a constant `kind`, a status): one key value is one partition.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import Attribute, NumberAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex


def gsi(name: str, hash_attr: str, range_attr: str | None, hash_type: type[Attribute],
        range_type: type[Attribute] = NumberAttribute) -> GlobalSecondaryIndex:
    """The index `name` on (`hash_attr`, `range_attr`), projecting every attribute."""
    attrs: dict[str, Any] = {
        "Meta": type("Meta", (), {"index_name": name, "projection": AllProjection()}),
        hash_attr: hash_type(hash_key=True),
    }
    if range_attr:
        attrs[range_attr] = range_type(range_key=True)
    return type(f"Index_{name.replace('-', '_')}", (GlobalSecondaryIndex,), attrs)()
