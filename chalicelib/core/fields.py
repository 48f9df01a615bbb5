"""Field types shared by every product's request schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# A reference to a record by integer id. Bounded so nothing past DynamoDB's 38 significant digits
# (or JavaScript's safe integers, which the frontends use) ever reaches a key.
RecordId = Annotated[int, Field(ge=1, le=2**53 - 1)]
