"""core.db.relations.Children: counts change with the child; a parent with children left is 409."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.core.db import txn
from chalicelib.core.db.counters import counter_model
from chalicelib.core.db.relations import Children
from chalicelib.core.errors import ApiError, Conflict, NotFound
from tests.core.conftest import PRODUCT, Note

PARENT = 1


def notes() -> Children:
    return Children(counter_model(PRODUCT), "parent-notes", "This note has children; delete them first.")


def add_child(child_id: int) -> str:
    """A child is written with a check that its parent exists and its parent's count raised."""
    parent_exists = txn.check(Note, PARENT, Note.id.exists(), NotFound("No parent."))
    try:
        txn.run(Note, [parent_exists, notes().add(PARENT), txn.put(Note(child_id, title=f"child {child_id}"))])
    except ApiError as error:
        return type(error).__name__
    return "added"


def delete_parent(_: object = None) -> str:
    try:
        txn.run(Note, [notes().none_left(PARENT), txn.delete(Note.get(PARENT))])
    except Conflict as error:
        assert error.message == "This note has children; delete them first."
        return "refused"
    return "deleted"


def test_counts_follow_children_and_guard_the_parents_delete(core_app):
    Note(PARENT, title="parent").save()
    assert notes().count(PARENT) == 0
    assert [add_child(10), add_child(11)] == ["added", "added"]
    assert notes().count(PARENT) == 2
    assert delete_parent() == "refused"
    for child in (10, 11):
        txn.run(Note, [txn.delete(Note.get(child)), notes().remove(PARENT)])
    assert notes().count(PARENT) == 0
    assert delete_parent() == "deleted"
    with pytest.raises(Note.DoesNotExist):
        Note.get(PARENT)
    assert add_child(12) == "NotFound"  # no orphan once the parent is gone
    assert notes().count(PARENT) == 0


def test_a_parent_delete_racing_child_creates_leaves_no_orphan_and_a_true_count(core_app):
    Note(PARENT, title="parent").save()
    with ThreadPoolExecutor(max_workers=4) as pool:
        adds = pool.map(add_child, range(100, 112))
        deleted = pool.submit(delete_parent)
        outcomes, deletion = list(adds), deleted.result()
    children = [child for child, outcome in zip(range(100, 112), outcomes, strict=True) if outcome == "added"]
    if deletion == "deleted":  # then no child got in after it, and none before it
        assert children == [] and "added" not in outcomes
    else:
        assert children and Note.get(PARENT).title == "parent"
        assert notes().count(PARENT) == len(children)
