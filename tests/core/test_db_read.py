"""core.db.read: get or None/404, and batch gets past one BatchGetItem's 100 keys in the asked order."""

from __future__ import annotations

import pytest

from chalicelib.core.db.read import batch_get, get_or_404, get_or_none
from chalicelib.core.errors import NotFound
from tests.core.conftest import Note


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
