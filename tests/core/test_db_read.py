"""core.db.read: get or None/404, batch gets past one BatchGetItem's 100 keys in the asked order, and
one page of a Query (every item once when followed; a start key that is not the index's is a 400)."""

from __future__ import annotations

import pytest
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.db.base import BaseModel, meta
from chalicelib.core.db.read import batch_get, get_or_404, get_or_none, key_names, query_page
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.paging import Window
from tests.core.conftest import PRODUCT, Note


def test_get_or_none_and_get_or_404(core_app):
    Note(7, title="seven").save()
    assert get_or_none(Note, 7).title == "seven"
    assert get_or_none(Note, 8) is None
    assert get_or_404(Note, 7).title == "seven"
    with pytest.raises(NotFound, match="Note not found"):
        get_or_404(Note, 8, "Note not found.")


def test_batch_get_past_one_request_keeps_the_asked_order(core_app):
    with Note.batch_write() as writer:
        for note_id in range(1, 251):
            writer.save(Note(note_id, title=f"n{note_id}"))
    asked = [250, None, 3, 999, *range(249, 3, -1), 3, 1, 2]  # 250 found keys, a missing one, repeats, a None
    found = batch_get(Note, asked)
    assert list(found) == [250, 3, *range(249, 3, -1), 1, 2]
    assert all(found[key].title == f"n{key}" for key in found)
    assert batch_get(Note, [None]) == {} and batch_get(Note, []) == {}


class GroupIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "group-index"
        projection = AllProjection()

    group = UnicodeAttribute(hash_key=True)
    id = NumberAttribute(range_key=True)


class Entry(BaseModel):
    """Entries in groups, listed through an index (the shape of every product list)."""

    Meta = meta("coretest-read-entries", PRODUCT)
    id = NumberAttribute(hash_key=True)
    group = UnicodeAttribute()
    colour = UnicodeAttribute()
    by_group = GroupIndex()


@pytest.fixture()
def entries(core_app):
    from chalicelib.core.db.tables import ensure_tables

    ensure_tables([Entry])
    with Entry.batch_write() as writer:
        for entry_id in range(1, 12):
            writer.save(Entry(entry_id, group="a", colour="red" if entry_id % 3 == 0 else "blue"))
        writer.save(Entry(99, group="b", colour="red"))
    return core_app


def walk(source, hash_key, size, **query):
    """Every page of a list followed to its end: the ids of each page."""
    pages, after = [], None
    while True:
        part = query_page(source, hash_key, Window(size, after), **query)
        pages.append([entry.id for entry in part.items])
        if part.last is None:
            return pages
        after = part.last


def test_query_page_walks_an_index_to_its_end_once(entries):
    assert walk(Entry.by_group, "a", 4) == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11]]
    assert walk(Entry.by_group, "a", 5, scan_index_forward=False) == [[11, 10, 9, 8, 7], [6, 5, 4, 3, 2], [1]]
    assert walk(Entry.by_group, "b", 4) == [[99]]
    assert walk(Entry.by_group, "none", 4) == [[]]


def test_query_page_fills_a_page_past_filtered_items(entries):
    assert walk(Entry.by_group, "a", 2, filter_condition=Entry.colour == "red") == [[3, 6], [9]]


def test_query_page_on_a_table_and_its_key_names(entries):
    assert walk(Entry, 5, 1) == [[5]]
    assert key_names(Entry) == {"id"}
    assert key_names(Entry.by_group) == {"id", "group"}


@pytest.mark.parametrize("after", [
    {"id": {"N": "4"}},  # a key of the table, not of the index
    {"id": {"N": "4"}, "group": {"S": "a"}, "colour": {"S": "red"}},  # one attribute too many
    {"id": {"S": "4"}, "group": {"S": "a"}, "extra": {"S": "x"}},
    {"id": {"N": "4"}, "group": {"N": "1", "S": "a"}},  # not one typed value
    {"id": {"N": "4"}, "group": {"BOOL": True}},  # a type no key of ours has
    {"id": {"N": "not a number"}, "group": {"S": "a"}},  # DynamoDB refuses the Query itself
])
def test_a_start_key_that_is_not_a_key_of_the_index_is_a_400_on_cursor(entries, after):
    with pytest.raises(ValidationFailed) as refused:
        query_page(Entry.by_group, "a", Window(4, after))
    assert refused.value.field_errors == {"cursor": ["Invalid cursor."]}
