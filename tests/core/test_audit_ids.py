"""Time-ordered audit ids: one PutItem a record, unique, ordered, and exact in a JSON number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.core.db.ids import MAX_ID, TimeOrderedIds, first_id_at, id_time


def test_ids_follow_the_clock_and_increase_within_a_millisecond():
    ids = TimeOrderedIds()
    at = datetime(2026, 11, 27, 18, 45, 0, 123000, tzinfo=UTC)
    same_ms = [ids.next(at) for _ in range(3000)]  # more than 2^11: carries into the next millisecond
    assert same_ms == sorted(set(same_ms))
    assert id_time(same_ms[0]) == at and first_id_at(at) <= same_ms[0] < first_id_at(at + timedelta(milliseconds=1))
    later = ids.next(at + timedelta(seconds=1))
    assert later > same_ms[-1] and id_time(later) == at + timedelta(seconds=1)
    assert ids.next(datetime(2164, 1, 1, tzinfo=UTC)) <= MAX_ID


def test_a_taken_id_is_drawn_again_not_overwritten(app, monkeypatch):
    """Two processes may mint the same id in the same millisecond (1 in 2048): the put is conditional."""
    from chalicelib.core import audit
    from chalicelib.core.api import AuditEntry

    at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(audit, "utcnow", lambda: at)
    taken = first_id_at(at) + 7
    drawn = iter([taken, taken, taken + 1])
    monkeypatch.setattr(audit._ids, "next", lambda _at: next(drawn))
    store = audit.AuditStore("repaysync")
    for endpoint in ("/api/first/", "/api/second/"):
        store.write(AuditEntry(principal=None, method="GET", endpoint=endpoint, request_payload="",
                               response_payload="", status_code=200, duration_ms=0.0))
    items, cursor = store.page(10, None)
    assert [(item.id, item.endpoint) for item in items] == [(taken + 1, "/api/second/"), (taken, "/api/first/")]
    assert cursor is None
