"""core/db/search.py: the words and prefixes a record is found by, and what a query matches.
(The table's reads and writes are tested through VST's card search: tests/vst/test_cards.py.)"""

from __future__ import annotations

import pytest

from chalicelib.core.db.search import MAX_PREFIX, PrefixIndex, prefixes, words
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.paging import Window


def test_words_ignore_case_accents_and_punctuation():
    assert words("Café-Noir, 12 MG Road", None, "") == {"cafe", "noir", "12", "mg", "road"}


def test_prefixes_start_at_three_characters_and_stop_at_twenty():
    assert prefixes("Kent ab") == {"ken", "kent"}
    long = "x" * 30
    assert max(len(term) for term in prefixes(long)) == MAX_PREFIX


def test_every_query_word_must_start_a_word_of_the_record():
    assert PrefixIndex.matches("kent temp", "Kent Grand", "4 Temple Street")
    assert not PrefixIndex.matches("kent lake", "Kent Grand", "4 Temple Street")
    assert PrefixIndex.matches("kent ab", "Kent Grand")  # words under three characters are not searched


def test_a_query_without_a_word_of_three_characters_is_a_400_before_any_read():
    index = PrefixIndex(model=None)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as caught:
        index.search("ab -- c", Window(10))
    assert list(caught.value.field_errors) == ["search"]


def test_records_keyed_by_text_get_a_text_range_key():
    """UUID-keyed records (Leads' customers) are searched by the same index; their reads and writes are
    tested through tests/leads/test_customers.py."""
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute

    from chalicelib.core.db.search import search_model

    assert isinstance(search_model("leads", "things", text_ids=True).record, UnicodeAttribute)
    assert isinstance(search_model("leads", "others").record, NumberAttribute)
