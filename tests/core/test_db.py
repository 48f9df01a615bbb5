"""db helpers: integer id sequences, uniqueness guards in transactions, optimistic versions."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from chalicelib.core.db import txn
from chalicelib.core.db.base import table_name, utcnow
from chalicelib.core.db.counters import IdSequence, counter_model
from chalicelib.core.db.unique import Guard, unique_model
from chalicelib.core.errors import Conflict, ValidationFailed
from tests.core.conftest import PRODUCT, Note


def create(core, title: str, token: str | None = None):
    return core.client.http.post("/api/notes/", headers=core.auth(token, **{"Content-Type": "application/json"}),
                                 body=json.dumps({"title": title}).encode())


def update(core, note_id: int, title: str, version: int):
    headers = core.auth(None, **{"Content-Type": "application/json"})
    return core.client.http.put(f"/api/notes/{note_id}/", headers=headers,
                                body=json.dumps({"title": title, "version": version}).encode())


def delete(core, note_id: int):
    return core.client.http.delete(f"/api/notes/{note_id}/", headers=core.auth())


def test_table_names_carry_the_stage_prefix_and_product():
    assert Note.Meta.table_name == "test-repaysync-coretest-notes"
    assert table_name("customers", "leads") == "test-leads-customers"


def test_id_sequence_gives_unique_increasing_ids_and_blocks(core_app):
    ids = IdSequence(counter_model(PRODUCT), "things")
    assert [ids.next() for _ in range(3)] == [1, 2, 3]
    block = ids.reserve(100)
    assert block == range(4, 104)
    assert ids.next() == 104
    assert ids.reserve(0) == range(0)
    assert IdSequence(counter_model(PRODUCT), "others").next() == 1  # sequences are independent


def test_id_sequence_under_concurrency(core_app):
    ids = IdSequence(counter_model(PRODUCT), "busy")
    with ThreadPoolExecutor(max_workers=4) as pool:
        singles = list(pool.map(lambda _: ids.next(), range(40)))
        blocks = list(pool.map(lambda _: list(ids.reserve(5)), range(8)))
    everything = singles + [i for block in blocks for i in block]
    assert len(set(everything)) == len(everything) == 80
    assert sorted(everything) == list(range(1, 81))


def test_created_records_get_ids_timestamps_and_version(core_app):
    first, second = create(core_app, "One").json_body, create(core_app, "Two").json_body
    assert (first["id"], second["id"]) == (1, 2)
    assert first["version"] == 1
    note = Note.get(1)
    assert note.created_at <= note.updated_at <= utcnow()


def test_duplicate_is_a_400_field_error(core_app):
    assert create(core_app, "Unique title").status_code == 201
    response = create(core_app, "  unique TITLE ")  # guards compare trimmed, case-folded values
    assert response.status_code == 400
    assert response.json_body == {"errors": {"title": ["A note with this title already exists."]}}
    assert Note.count() == 1


def test_delete_releases_the_guard(core_app):
    note = create(core_app, "Short lived").json_body
    assert delete(core_app, note["id"]).status_code == 204
    assert core_app.client.http.get(f"/api/notes/{note['id']}/", headers=core_app.auth()).status_code == 404
    assert create(core_app, "Short lived").status_code == 201


def test_changing_the_value_moves_the_guard(core_app):
    note = create(core_app, "Old name").json_body
    response = update(core_app, note["id"], "New name", note["version"])
    assert response.status_code == 200, response.body
    assert response.json_body["version"] == note["version"] + 1
    assert create(core_app, "Old name").status_code == 201  # released
    assert create(core_app, "New name").status_code == 400  # claimed


def test_changing_to_a_taken_value_is_a_field_error_and_changes_nothing(core_app):
    create(core_app, "Taken")
    note = create(core_app, "Mine").json_body
    response = update(core_app, note["id"], "Taken", note["version"])
    assert response.status_code == 400
    assert response.json_body == {"errors": {"title": ["A note with this title already exists."]}}
    assert Note.get(note["id"]).title == "Mine"
    assert create(core_app, "Mine").status_code == 400  # still guarded


def test_keeping_the_same_value_is_allowed(core_app):
    note = create(core_app, "Same").json_body
    response = update(core_app, note["id"], "Same", note["version"])
    assert response.status_code == 200, response.body
    response = update(core_app, note["id"], "SAME", response.json_body["version"])  # same guard key
    assert response.status_code == 200, response.body
    assert create(core_app, "same").status_code == 400


def test_stale_version_through_a_route_is_409(core_app):
    note = create(core_app, "Contested").json_body
    assert update(core_app, note["id"], "First writer", note["version"]).status_code == 200
    response = update(core_app, note["id"], "Second writer", note["version"])  # read the same version
    assert response.status_code == 409
    assert response.json_body == {"error": "The record was changed by someone else; reload and retry."}
    assert Note.get(note["id"]).title == "First writer"
    assert create(core_app, "Second writer").status_code == 201  # the loser claimed nothing


def test_two_concurrent_saves_second_conflicts(core_app):
    create(core_app, "Race")
    first, second = Note.get(1), Note.get(1)
    first.title = "A"
    first.save()
    second.title = "B"
    with pytest.raises(Conflict):
        second.save()
    assert Note.get(1).title == "A" and Note.get(1).version == 2


def test_two_concurrent_updates_second_conflicts(core_app):
    create(core_app, "Race")
    first, second = Note.get(1), Note.get(1)
    before = first.updated_at
    first.update(actions=[Note.amount.set("1.00")])
    assert first.version == 2 and first.updated_at >= before
    with pytest.raises(Conflict):
        second.update(actions=[Note.amount.set("2.00")])
    with pytest.raises(Conflict):
        second.delete()
    assert Note.get(1).amount == "1.00"


def test_stale_delete_through_the_writer_conflicts(core_app):
    create(core_app, "Doomed")
    stale = Note.get(1)
    fresh = Note.get(1)
    fresh.title = "Doomed"
    fresh.save()
    guards = unique_model(PRODUCT)
    with pytest.raises(Conflict):
        txn.run(guards, [txn.delete(stale), txn.release(guards, Guard("note", "title", "Doomed"))])
    assert guards.get(Guard("note", "title", "doomed").key).owner == "note#1"


def test_two_guards_clashing_report_both_fields(core_app):
    guards = unique_model(PRODUCT)
    txn.run(guards, [txn.claim(guards, Guard("user", "email", "a@example.com"), "user#1"),
                     txn.claim(guards, Guard("user", "username", "asha"), "user#1")])
    with pytest.raises(ValidationFailed):
        txn.run(guards, [txn.claim(guards, Guard("user", "username", "ASHA"), "user#2")])
    note = Note(500, title="holder")
    claims = [txn.claim(guards, guard, "user#2") for guard in (
        Guard("user", "username", "Asha"), Guard("user", "phone", "+91"),
        Guard("user", "email", "A@example.com", "Email taken."))]
    with pytest.raises(ValidationFailed) as caught:
        txn.run(guards, [*claims, txn.release(guards, Guard("user", "old", "x")), txn.put(note)])
    assert caught.value.field_errors == {"username": ["This username is already taken."], "email": ["Email taken."]}
    with pytest.raises(Note.DoesNotExist):
        Note.get(500)


def test_lockout_and_revocation_items_expire_on_read(core_app, monkeypatch):
    """moto never deletes TTL items: readers must treat them as gone (checked for the lock here)."""
    from chalicelib.core.auth.lockout import LoginGuard

    guard = LoginGuard(PRODUCT)
    for _ in range(5):
        guard.failed(guard.reserve("ttl-user", "10.0.0.1"))
    monkeypatch.setattr("chalicelib.core.auth.lockout.utcnow", lambda: utcnow() + timedelta(hours=1))
    guard.reserve("ttl-user", "10.0.0.1")  # the item is still stored, but expired


def test_a_value_kept_on_update_touches_its_guard_once(core_app):
    """Renaming "Dup" to "dup " keeps the same normalised value: no claim and release of one item."""
    guards = unique_model(PRODUCT)
    note = Note(600, title="Dup")
    txn.run(guards, [txn.put(note), txn.claim(guards, Guard("note", "title", "Dup"), "note#600")])
    note.title = "dup "
    txn.run(guards, [txn.put(note), *txn.swap(guards, Guard("note", "title", "Dup"), Guard("note", "title", "dup "),
                                              "note#600")])
    assert guards.get(Guard("note", "title", "DUP").key).owner == "note#600"
    assert Note.get(600).version == 2
