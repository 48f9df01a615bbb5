"""The shape comparison the spec-example tests rely on, and the example reader (made-up texts)."""

from __future__ import annotations

from tests.contract.shapes import differences, extra_fields

EXAMPLE = {"count": 2, "next": None, "results": [{"id": 1, "firstName": "John", "agent": {"id": 5, "name": "J"},
                                                   "amount": "1.00", "active": True}]}


def _answer(**item_overrides):
    item = {"id": 7, "firstName": "Ann", "agent": {"id": 2, "name": "K"}, "amount": "9.50", "active": False,
            **item_overrides}
    return {"count": 1, "next": "/x?cursor=abc", "results": [item]}


def test_the_same_shape_with_other_values_and_more_fields_matches():
    assert differences(EXAMPLE, _answer(extra="x")) == []
    assert extra_fields(EXAMPLE, _answer(extra="x")) == ["$.results[0].extra"]


def test_a_renamed_field_is_missing():
    answer = _answer()
    answer["results"][0]["first_name"] = answer["results"][0].pop("firstName")
    assert differences(EXAMPLE, answer) == [
        "$.results[0].firstName: missing (we answer ['active', 'agent', 'amount', 'first_name', 'id'])"]


def test_another_kind_a_flattened_object_or_another_envelope_differs():
    assert differences(EXAMPLE, _answer(amount=9.5)) == [
        "$.results[0].amount: the spec shows string, we answer number"]
    assert differences(EXAMPLE, _answer(agent=2)) == ["$.results[0].agent: the spec shows object, we answer number"]
    assert differences(EXAMPLE, _answer(active="yes")) == [
        "$.results[0].active: the spec shows boolean, we answer string"]
    assert differences(EXAMPLE, _answer()["results"]) == ["$: the spec shows object, we answer array"]
    assert differences([{"id": 1}], []) == ["$: the spec shows items, we answer an empty array"]


def test_nulls_say_nothing_about_the_kind():
    assert differences({"manager": None}, {"manager": 3}) == []
    assert differences({"agent": {"id": 5}}, {"agent": None}) == []
