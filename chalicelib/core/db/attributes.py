"""pynamodb attributes every product needs beyond pynamodb's own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.constants import NUMBER


class DecimalAttribute(Attribute[Decimal]):
    """A number kept exact (money): pynamodb's NumberAttribute would round-trip through float."""

    attr_type = NUMBER

    def serialize(self, value: Any) -> str:
        return str(Decimal(value))

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)
