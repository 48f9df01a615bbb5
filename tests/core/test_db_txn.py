"""core.db.txn: steps naming their errors, and the one rule for unique values (free or already mine)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.core.db import txn
from chalicelib.core.db.counters import counter_model
from chalicelib.core.db.unique import Guard, unique_model
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from tests.core.conftest import PRODUCT, Note


def title(value: str) -> Guard:
    return Guard("note", "title", value, "A note with this title already exists.")


def save(note: Note, old: str | None, new: str) -> str:
    """Write `note` titled `new` (coming from `old`); the outcome as a word, for counting."""
    guards = unique_model(PRODUCT)
    note.title = new
    steps = txn.swap(guards, title(old), title(new), f"note#{note.id}") if old else [
        txn.claim(guards, title(new), f"note#{note.id}")]
    try:
        txn.run(guards, [txn.put(note), *steps])
    except ValidationFailed as error:
        assert error.field_errors == {"title": ["A note with this title already exists."]}
        return "taken"
    except Conflict:
        return "stale"
    return "saved"


def owner(value: str) -> str | None:
    guards = unique_model(PRODUCT)
    try:
        return guards.get(title(value).key).owner
    except guards.DoesNotExist:
        return None


def test_a_record_keeps_its_own_value_and_cannot_take_anothers_under_concurrency(core_app):
    assert save(Note(1), None, "Alpha") == save(Note(2), None, "Beta") == "saved"

    def keep(_: int) -> str:  # note 1 saved again under its own value, differently spelled
        return save(Note.get(1), "Alpha", "ALPHA ")

    def take(_: int) -> str:  # note 2 tries to take note 1's value
        return save(Note.get(2), "Beta", "alpha")

    with ThreadPoolExecutor(max_workers=4) as pool:
        kept = list(pool.map(keep, range(8)))
        taken = list(pool.map(take, range(8)))
    assert "saved" in kept and set(kept) <= {"saved", "stale"}  # stale: another save of note 1 won the version
    assert set(taken) == {"taken"}
    assert (owner("alpha"), owner("beta")) == ("note#1", "note#2")
    assert Note.get(2).title == "Beta"


def test_two_records_racing_for_one_free_value_leave_one_owner(core_app):
    for note_id in (1, 2, 3, 4):
        save(Note(note_id), None, f"own {note_id}")

    def grab(note_id: int) -> str:
        return save(Note.get(note_id), f"own {note_id}", "Prize")

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = dict(zip((1, 2, 3, 4), pool.map(grab, (1, 2, 3, 4)), strict=True))
    winners = [note_id for note_id, outcome in outcomes.items() if outcome == "saved"]
    assert len(winners) == 1 and set(outcomes.values()) == {"saved", "taken"}
    assert owner("prize") == f"note#{winners[0]}"
    assert owner(f"own {winners[0]}") is None  # the winner released its old value
    assert all(owner(f"own {n}") == f"note#{n}" for n in outcomes if n != winners[0])


def test_a_failed_step_raises_the_error_it_names(core_app):
    counters = counter_model(PRODUCT)
    guards = unique_model(PRODUCT)
    missing = txn.check(Note, 99, Note.id.exists(), NotFound("No such note."))
    with pytest.raises(NotFound, match="No such note"):
        txn.run(guards, [missing, txn.update(counters("n#99"), [counters.value.add(1)])])
    with pytest.raises(counters.DoesNotExist):
        counters.get("n#99")  # nothing of the refused transaction was written


def test_run_rows_packs_rows_into_few_transactions_and_refuses_only_the_rows_that_fail(core_app):
    guards = unique_model(PRODUCT)
    assert save(Note(7), None, "taken-5") == "saved"  # row 5's title belongs to another note
    Note(40, title="written").save()  # row 40's record exists already (an earlier attempt wrote it)
    rows = []
    for n in range(1, 121):
        note = Note(n)
        note.title = f"taken-{n}"
        rows.append((n, [txn.claim(guards, title(note.title), f"note#{n}"), txn.put(note)]))
    calls: list[str] = []
    client = guards._get_connection().connection.client
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", lambda **_: calls.append("txn"))
    try:
        errors = txn.run_rows(guards, rows)
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems")
    assert set(errors) == {5, 7, 40}  # 7: its own note exists (written above), like 40
    assert errors[5].field_errors == {"title": ["A note with this title already exists."]}
    assert isinstance(errors[40], Conflict) and isinstance(errors[7], Conflict)
    assert len(calls) == 4  # 100, 100 and 40 items; then the first again without its 3 refused rows
    assert owner("taken-1") == "note#1" and owner("taken-120") == "note#120" and owner("taken-5") == "note#7"
    assert owner("taken-7") is None and owner("taken-40") is None  # a refused row writes nothing
    assert Note.get(120).title == "taken-120" and Note.get(40).title == "written"
    with pytest.raises(Note.DoesNotExist):
        Note.get(5)


def test_run_rows_writes_shared_steps_with_exactly_the_rows_each_transaction_commits(core_app):
    """A count kept by `shared` equals the rows written, though refusals drop rows from a transaction."""
    guards = unique_model(PRODUCT)
    counters = counter_model(PRODUCT)
    assert save(Note(900), None, "taken-3") == "saved"  # row 3's title is another note's
    rows = []
    for n in range(1, 61):  # two items a row, one shared: 49 rows a transaction
        note = Note(n)
        note.title = f"taken-{n}"
        rows.append((n, [txn.claim(guards, title(note.title), f"note#{n}"), txn.put(note)]))
    seen: list[list[int]] = []

    def count(keys: list[int]) -> list[txn.Step]:
        seen.append(list(keys))
        return [txn.update(counters("notes-written"), [counters.value.add(len(keys))])]

    errors = txn.run_rows(guards, rows, shared=count, shared_items=1)
    assert set(errors) == {3}
    assert counters.get("notes-written").value == 59 == Note.count() - 1  # all but note 900 and row 3
    assert [len(keys) for keys in seen] == [49, 11, 48]  # the first again without its refused row


def test_run_rows_leaves_room_for_the_shared_steps(core_app):
    guards = unique_model(PRODUCT)
    with pytest.raises(ValueError):
        txn.run_rows(guards, [(1, [txn.claim(guards, title(f"t{n}"), "note#1") for n in range(100)])],
                     shared=lambda keys: [], shared_items=1)


def test_run_rows_refuses_a_row_too_big_for_one_transaction(core_app):
    guards = unique_model(PRODUCT)
    with pytest.raises(ValueError):
        txn.run_rows(guards, [(1, [txn.claim(guards, title(f"t{n}"), "note#1") for n in range(101)])])


def test_a_fresh_claim_takes_a_free_value_and_refuses_a_taken_one(core_app):
    guards = unique_model(PRODUCT)
    assert save(Note(1), None, "Gamma") == "saved"
    refused = txn.run_rows(guards, [
        ("taken", [txn.claim(guards, title("gamma"), "note#7", fresh=True), txn.put(Note(7, title="gamma"))]),
        ("free", [txn.claim(guards, title("delta"), "note#8", fresh=True), txn.put(Note(8, title="delta"))]),
    ])
    assert list(refused) == ["taken"]
    assert refused["taken"].field_errors == {"title": ["A note with this title already exists."]}
    assert (owner("gamma"), owner("delta")) == ("note#1", "note#8")
    assert Note.get(8).title == "delta" and Note.count(7) == 0
