"""core/db/pages.py: one window of a Query; a cursor that is no key of the index read is a 400."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import QueryError

from chalicelib.core.db.pages import query_page
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.paging import Window


class Result(list):
    def __init__(self, items, last):
        super().__init__(items)
        self.last_evaluated_key = last


KEY = {"id": {"N": "3"}, "kind": {"S": "user"}}


def test_a_full_window_continues_after_its_last_key_and_a_short_one_ends():
    asked = []

    def run(limit, after):
        asked.append((limit, after))
        return Result(range(limit), KEY)

    page = query_page(run, Window(3), ("id", "kind"))
    assert page.items == [0, 1, 2] and page.last == KEY and asked == [(3, None)]
    short = query_page(lambda limit, after: Result([1], KEY), Window(3, KEY), ("id", "kind"))
    assert short.last is None


@pytest.mark.parametrize("cursor", [{"id": {"N": "3"}}, {"id": {"N": "3"}, "role": {"S": "x"}},
                                    {"id": {"B": "eA=="}, "kind": {"S": "user"}}, {"id": 3, "kind": "user"}])
def test_a_cursor_that_is_not_a_key_of_the_index_is_a_400_before_any_query(cursor):
    def run(limit, after):
        raise AssertionError("queried")

    with pytest.raises(ValidationFailed) as caught:
        query_page(run, Window(3, cursor), ("id", "kind"))
    assert caught.value.field_errors == {"cursor": ["Invalid cursor."]}


def test_a_query_refusing_the_cursor_is_a_400_but_other_failures_stay_errors():
    def refuse(limit, after):
        raise QueryError("ValidationException")

    with pytest.raises(ValidationFailed):
        query_page(refuse, Window(3, KEY), ("id", "kind"))
    with pytest.raises(QueryError):
        query_page(refuse, Window(3), ("id", "kind"))
