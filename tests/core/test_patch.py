"""core.patch: a PATCH body derived from the full model is validated once, with the full model's rules;
absent fields keep their value, null clears only where the full model takes null."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import pytest
from pydantic import Field, ValidationError, field_validator, model_validator

from chalicelib.core.decimals import decimal_field
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.fields import TEXT, RecordId, RequestModel, Text
from chalicelib.core.http import validate
from chalicelib.core.patch import changes, merged, patch_of
from chalicelib.core.wire import WireModel


class TicketIn(RequestModel):
    title: Text = Field(min_length=1, max_length=20)
    code: Annotated[str, Field(max_length=8), TEXT] | None = None
    owner: RecordId | None = None
    price: decimal_field(8, 2, gt=0)  # type: ignore[valid-type]
    due: date | None = None
    seats: int = Field(default=1, ge=1, le=9)

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


TicketPatch = patch_of(TicketIn)
STORED = {"title": "Old title", "code": "AB", "owner": 7, "price": Decimal("10.50"), "due": date(2026, 1, 2),
          "seats": 3}


def errors_of(model, body) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as refused:
        validate(model, body, text_values=False)
    return refused.value.field_errors


def test_absent_fields_keep_their_value_and_sent_ones_replace_it():
    patch = validate(TicketPatch, {"title": "  New title  ", "code": "cd"}, text_values=False)
    assert changes(patch) == {"title": "New title", "code": "CD"}  # trimmed, and the full model's validator ran
    ticket = merged(STORED, patch, TicketIn)
    assert type(ticket) is TicketIn
    assert ticket.model_dump() == {**STORED, "title": "New title", "code": "CD"}


def test_null_clears_a_field_that_takes_null():
    patch = validate(TicketPatch, {"owner": None, "due": None}, text_values=False)
    assert merged(STORED, patch, TicketIn).model_dump() == {**STORED, "owner": None, "due": None}


def test_null_on_a_field_that_takes_no_null_is_a_400_on_that_field():
    assert set(errors_of(TicketPatch, {"title": None, "price": None, "seats": None})) == {"title", "price", "seats"}


def test_every_bad_field_is_reported_at_once_with_the_put_message():
    bad = {"title": "", "code": "x" * 9, "owner": True, "price": "1.005", "due": "2026-13-01", "seats": 10}
    assert errors_of(TicketPatch, bad) == errors_of(TicketIn, bad)
    assert set(errors_of(TicketPatch, bad)) == set(bad)
    assert errors_of(TicketPatch, {"title": "ok\u202e"}) == {
        "title": ["Control and invisible formatting characters are not allowed."]}


def test_ids_as_text_only_where_every_value_is_text():
    assert validate(TicketPatch, {"owner": "12"}, text_values=True).owner == 12
    assert errors_of(TicketPatch, {"owner": "12"}) == {"owner": ["A valid integer is required."]}


def test_merged_reads_a_record_by_attribute():
    class Record:
        title, code, owner, price, due, seats = "Rec", None, None, Decimal("1.00"), None, 1

    patch = validate(TicketPatch, {"seats": 2}, text_values=False)
    assert merged(Record(), patch, TicketIn).model_dump() == {
        "title": "Rec", "code": None, "owner": None, "price": Decimal("1.00"), "due": None, "seats": 2}


def test_the_patch_schema_states_the_put_constraints_without_required_fields_or_defaults():
    full = TicketIn.model_json_schema()["properties"]
    patch = TicketPatch.model_json_schema()
    assert "required" not in patch
    for name, schema in patch["properties"].items():
        assert "default" not in schema
        assert schema == {key: value for key, value in full[name].items() if key != "default"}
    assert patch_of(TicketIn) is TicketPatch  # one model, one OpenAPI component


def test_a_camel_case_patch_takes_wire_names_and_merges_by_field_name():
    class PersonIn(WireModel):
        first_name: str = Field(min_length=1)
        birth_date: date | None = None

    patch = validate(patch_of(PersonIn), {"firstName": "Ann"}, text_values=False)
    assert merged({"first_name": "Bob", "birth_date": date(2000, 1, 1)}, patch, PersonIn).model_dump(by_alias=True) \
        == {"firstName": "Ann", "birthDate": date(2000, 1, 1)}
    assert set(patch_of(PersonIn).model_json_schema()["properties"]) == {"firstName", "birthDate"}


def test_a_full_model_with_a_cross_field_rule_is_refused():
    class PeriodIn(RequestModel):
        start: date
        end: date

        @model_validator(mode="after")
        def _ordered(self) -> PeriodIn:
            if self.end < self.start:
                raise ValueError("end before start")
            return self

    with pytest.raises(TypeError, match="model validators"):
        patch_of(PeriodIn)
    with pytest.raises(ValidationError):
        PeriodIn.model_validate({"start": "2026-01-02", "end": "2026-01-01"})
