"""The core input rules hold for every product: no request field takes text without a stated rule."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from chalicelib.core.docgen import available_products
from chalicelib.core.fields import RequestModel


def _string_schemas(schema: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """Every `type: string` node of a JSON schema, with its location."""
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "string":
            found.append((where, schema))
        for key, value in schema.items():
            found.extend(_string_schemas(value, f"{where}.{key}"))
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found.extend(_string_schemas(value, f"{where}[{index}]"))
    return found


def _input_models(slug: str) -> list[type[BaseModel]]:
    from chalicelib.core.app_factory import create_app

    app = create_app(slug)
    models = {spec.request for spec in app.crm_product.api.routes if spec.request is not None}
    models |= {spec.query for spec in app.crm_product.api.routes if spec.query is not None}
    pending = [RequestModel]  # and every request model the product defines (spreadsheet rows too)
    while pending:
        model = pending.pop()
        models.add(model)
        pending.extend(model.__subclasses__())
    return sorted(models, key=lambda model: model.__name__)


@pytest.mark.parametrize("slug", available_products())
def test_every_text_field_of_every_request_states_its_rule(slug):
    """A bare `str` would take NUL, bidi overrides and every other control character unchecked."""
    loose = []
    for model in _input_models(slug):
        for where, node in _string_schemas(model.model_json_schema(), model.__name__):
            if not ({"pattern", "enum", "const", "format"} & node.keys()):
                loose.append(where)
    assert loose == []


# -- NewPassword: a password a user chooses ----------------------------------------------------
@pytest.mark.parametrize(("password", "message"), [
    ("short1!", "at least 8"), ("12345678", "entirely numeric"), ("aaaabbbb", "too common"),
    ("x" * 129, "at most 128"), ("abc\u0000defgh", "Control"),
])
def test_new_password_refuses_weak_or_unsafe_values(password, message):
    from pydantic import BaseModel, ValidationError

    from chalicelib.core.fields import NewPassword

    class Body(BaseModel):
        password: NewPassword

    with pytest.raises(ValidationError) as caught:
        Body(password=password)
    assert message in str(caught.value)
    assert Body(password="Str0ng-Pass!").password == "Str0ng-Pass!"


@pytest.mark.parametrize("text", ["abc", "1.0", " 1", "\u0661", "0", "99999999999999999", "-1", ""])
def test_query_id_takes_only_ascii_digits_of_a_record_id(text):
    from pydantic import BaseModel, ValidationError

    from chalicelib.core.fields import QueryId

    class Query(BaseModel):
        customer: QueryId

    with pytest.raises(ValidationError):
        Query(customer=text)
    assert Query(customer="12").customer == 12


def test_query_id_states_its_bounds_in_json_schema_words():
    """`minimum`/`maximum`, not pydantic's own `ge`/`le` (which a schema-driven client ignores)."""
    from pydantic import BaseModel

    from chalicelib.core.fields import MAX_ID, QueryId

    class Query(BaseModel):
        customer: QueryId | None = None

    [integer, _] = Query.model_json_schema()["properties"]["customer"]["anyOf"]
    assert integer == {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@pytest.mark.parametrize("slug", available_products())
def test_no_required_text_field_documents_a_blank_value_as_valid(slug):
    """Values are trimmed before their length is checked, so `" "` in a field of at least one character
    is a 400: the document's pattern must refuse it too (make fuzz sent a no-break space, RevisBali 400'd)."""
    import re

    wrong = []
    for model in _input_models(slug):
        for where, node in _string_schemas(model.model_json_schema(), model.__name__):
            pattern = node.get("pattern")
            if node.get("minLength") == 1 and pattern:
                wrong += [f"{where} {blank!r}" for blank in (" ", "\u00a0", "\u3000 ") if re.search(pattern, blank)]
    assert wrong == []


def test_a_filled_field_takes_a_character_amid_spaces_and_refuses_only_spaces():
    import re

    from chalicelib.core.fields import FILLED_FREE_TEXT_PATTERN, FILLED_TEXT_PATTERN

    for pattern in (FILLED_TEXT_PATTERN, FILLED_FREE_TEXT_PATTERN):
        assert re.fullmatch(pattern.strip("^$"), "  a ") and re.fullmatch(pattern.strip("^$"), "\u00e9")
        assert not re.fullmatch(pattern.strip("^$"), "\u2003\u00a0") and not re.fullmatch(pattern.strip("^$"), "")
        assert not re.fullmatch(pattern.strip("^$"), "a\u202e")  # the control rule still holds
    assert re.fullmatch(FILLED_FREE_TEXT_PATTERN.strip("^$"), "line\n two") and not re.fullmatch(
        FILLED_FREE_TEXT_PATTERN.strip("^$"), "\n\t")
