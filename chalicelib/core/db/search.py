"""Word-prefix search on DynamoDB without a Scan: a record's words are stored as their prefixes.

DynamoDB has no "contains" on a key, and a filtered Query of a whole list reads the whole list. So
each searchable record writes, in a `<entity>-search` table, one item per prefix (3 to 20 characters)
of each word of its searchable text: key (`term` = the prefix, `record` = the record's id). A search
for `aqua pu` is one Query on the longest word (`aqua`) in record-id order, paginated like any list;
the other words are checked against the records read (`matches`). Words are case- and
accent-insensitive (NFKD, marks dropped, casefolded) runs of letters and digits.

Cost: a word of n characters writes min(n, 20) - 2 items (a 10-word card about 60 small items, written
with BatchWriteItem when the record changes; deleted with it). A search reads only matching ids.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db.base import meta
from chalicelib.core.db.read import batch_get, query_page
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.paging import Slice, Window

MIN_TERM, MAX_PREFIX = 3, 20
_WORD = re.compile(r"[^\W_]+")
TOO_SHORT = f"Enter at least one word of {MIN_TERM} or more letters or digits."


def words(*texts: str | None) -> set[str]:
    """The searchable words of `texts`: letters and digits, without case or accents."""
    found: set[str] = set()
    for text in texts:
        if text:
            plain = "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c))
            found.update(word.casefold() for word in _WORD.findall(plain))
    return found


def prefixes(*texts: str | None) -> set[str]:
    """Every prefix of MIN_TERM to MAX_PREFIX characters of every word (shorter words are not indexed)."""
    return {word[:n] for word in words(*texts) for n in range(MIN_TERM, min(len(word), MAX_PREFIX) + 1)}


@cache
def search_model(product: str, entity: str, *, text_ids: bool = False) -> type[Model]:
    """The `<entity>-search` table; `text_ids` for records keyed by text (UUIDs), else integer ids."""

    class SearchTerm(Model):
        Meta = meta(f"{entity}-search", product)
        term = UnicodeAttribute(hash_key=True)
        record = (UnicodeAttribute if text_ids else NumberAttribute)(range_key=True)

    SearchTerm.__name__ = f"{product.title()}{entity.title().replace('-', '')}SearchTerm"
    return SearchTerm


class PrefixIndex:
    """The search terms of one entity's records (integer ids, or text ids: `search_model(text_ids=True)`)."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model

    def replace(self, record: int | str, old: Iterable[str | None], new: Iterable[str | None]) -> None:
        """Move `record` from the terms of its old texts to those of its new ones (one batch write)."""
        before, after = prefixes(*old), prefixes(*new)
        if before == after:
            return
        with self.model.batch_write() as batch:
            for term in before - after:
                batch.delete(self.model(term, record))
            for term in after - before:
                batch.save(self.model(term, record))

    def replace_many(self, changes: Iterable[tuple[int | str, Iterable[str | None], Iterable[str | None]]]) -> None:
        """`replace` for many records in one batch write (a bulk import's rows)."""
        with self.model.batch_write() as batch:
            for record, old, new in changes:
                before, after = prefixes(*old), prefixes(*new)
                for term in before - after:
                    batch.delete(self.model(term, record))
                for term in after - before:
                    batch.save(self.model(term, record))

    def search(self, query: str, page: Window) -> tuple[list[Any], Slice]:
        """Ids of one window of the records whose words start with the query's longest word (400 when
        the query has none of MIN_TERM characters), and the Slice whose `last` continues the walk."""
        asked = sorted((word for word in words(query) if len(word) >= MIN_TERM), key=len, reverse=True)
        if not asked:
            raise ValidationFailed({"search": [TOO_SHORT]})
        term = asked[0][:MAX_PREFIX]
        found = query_page(self.model, term, page)
        return [item.record if isinstance(item.record, str) else int(item.record) for item in found.items], found

    def records(self, model: type[Model], query: str, page: Window, texts: Callable[[Any], Iterable[Any]],
                keep: Callable[[Any], bool] = lambda record: True) -> Slice:
        """One window of hits as records, in the index's order: read in one batch, kept when `keep` allows
        them (the caller's scope and filters) and every word of the query starts a word of `texts(record)`
        (the index holds only the longest word's prefixes). `last` continues the walk."""
        ids, found = self.search(query, page)
        rows = batch_get(model, ids)
        hits = [row for row in (rows.get(i) for i in ids)
                if row is not None and keep(row) and self.matches(query, *texts(row))]
        return Slice(hits, found.last)

    @staticmethod
    def matches(query: str, *texts: Any) -> bool:
        """Whether every word of the query (of MIN_TERM or more characters) starts a word of `texts`."""
        terms = prefixes(*texts)
        return all(word[:MAX_PREFIX] in terms for word in words(query) if len(word) >= MIN_TERM)
