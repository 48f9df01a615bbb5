"""The ISO 3166-1 countries (countries.tsv beside this package), seeded into the stage's table.

The table is reference data: written once by `seed_countries` (the embedded stack's start and
`make bootstrap-admin`), read by id when a customer names its country and listed in ISO alpha-2 order.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from chalicelib.core.db.read import batch_get, query_page
from chalicelib.core.paging import Slice, Window
from chalicelib.products.revisbali.models import Country

ISO_FILE = Path(__file__).resolve().parent.parent / "countries.tsv"


def iso_countries() -> list[tuple[int, str, str]]:
    """(numeric, alpha-2, name) of every ISO 3166-1 country."""
    rows = []
    for line in ISO_FILE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            numeric, code, name = line.split("\t")
            rows.append((int(numeric), code, name))
    return rows


def seed_countries() -> int:
    """Write every ISO country (idempotent: an existing item is overwritten with the same values)."""
    rows = iso_countries()
    with Country.batch_write() as batch:
        for numeric, code, name in rows:
            batch.save(Country(numeric, code=code, name=name))
    return len(rows)


def list_countries(window: Window) -> Slice:
    return query_page(Country.all_index, "country", window)


def count_countries() -> int:
    return Country.all_index.count("country")


def by_id(ids: Iterable[int]) -> dict[int, Country]:
    return batch_get(Country, set(ids))
