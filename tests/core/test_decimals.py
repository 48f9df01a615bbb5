"""decimal_field: the documented JSON schema and the validator accept exactly the same values."""

from __future__ import annotations

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from chalicelib.core.decimals import decimal_field

FIELDS = {
    "money": decimal_field(14, 2, gt=0),
    "rate": decimal_field(5, 2, ge=0, le=100),
    "signed": decimal_field(6, 3),
}
SAMPLES = st.one_of(
    st.text(alphabet="0123456789.-+e \u0665", max_size=16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.integers(min_value=-(10**7), max_value=10**7).map(lambda n: n / 100),
    st.booleans(),
)


def _accepts(adapter: TypeAdapter, value: object) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(FIELDS))
@settings(max_examples=400, deadline=None)
@given(value=SAMPLES)
def test_schema_and_validator_agree(name, value):
    adapter = TypeAdapter(FIELDS[name])
    schema = adapter.json_schema(mode="validation")
    assert jsonschema_rs.validator_for(schema).is_valid(value) == _accepts(adapter, value)


def test_values_render_with_fixed_places():
    adapter = TypeAdapter(FIELDS["money"])
    assert adapter.dump_python(adapter.validate_python("5"), mode="json") == "5.00"
    assert adapter.dump_python(adapter.validate_python(0.07), mode="json") == "0.07"


def test_only_supported_bounds():
    with pytest.raises(ValueError):
        decimal_field(5, 2, ge=1)
    with pytest.raises(ValueError):
        decimal_field(5, 2, le=50)
