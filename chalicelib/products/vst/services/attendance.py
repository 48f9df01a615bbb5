"""Attendance: admins mark workers present or absent per business day; a worker reads their own day.

One item per worker and day (key `<user>#<date>`): marking again changes its status, so marking is
idempotent. An absent worker is not given work that day: assigning them (or rescheduling their
service onto that day) carries a condition check on this item in the same transaction (`not_absent`).
Lists are one Query: by worker (`user-index`, by day), by day (`date-index`, by worker), else all
(`all-index`, by day then worker); `status` filters it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from chalicelib.core.auth.principal import Principal
from chalicelib.core.db import txn
from chalicelib.core.db.counters import IdSequence
from chalicelib.core.db.read import batch_get, query_page
from chalicelib.core.errors import Conflict, ValidationFailed
from chalicelib.core.paging import Slice, Window
from chalicelib.products.vst.clock import clock
from chalicelib.products.vst.models import Attendance, User
from chalicelib.products.vst.services.common import WORKER, Counters, find

if TYPE_CHECKING:
    from chalicelib.products.vst.schemas import AttendanceQuery

attendance_ids = IdSequence(Counters, "attendance")


def _workers(ids: list[int], field: str) -> None:
    found = batch_get(User, ids)
    strangers = [i for i in ids if i not in found or found[i].role != WORKER]
    if strangers:
        raise ValidationFailed({field: [f'Invalid pk "{i}" - worker does not exist.' for i in strangers]})


def mark(user_id: int, day: date | None, status: str, admin: Principal) -> Attendance:
    """Set a worker's status for a day (today by default); the same call twice changes nothing."""
    _workers([user_id], "user")
    return _mark(user_id, day or clock().today(), status, int(admin.subject))


def _mark(user_id: int, day: date, status: str, marked_by: int) -> Attendance:
    key = Attendance.key_of(user_id, day)
    for _ in range(3):
        existing = find(Attendance, key)
        if existing is not None:
            if existing.status != status or existing.marked_by != marked_by:
                try:
                    existing.update(actions=[Attendance.status.set(status), Attendance.marked_by.set(marked_by)])
                except Conflict:
                    continue  # marked meanwhile: read it again
            return existing
        record = Attendance(key, id=attendance_ids.next(), user=user_id, date=day.isoformat(), status=status,
                            marked_by=marked_by, day_user=f"{day.isoformat()}#{user_id:016d}")
        try:
            record.save(condition=Attendance.key.does_not_exist())
            return record
        except Conflict:
            continue  # created meanwhile: update that one
    raise Conflict("The attendance was changed by someone else; reload and retry.")


def bulk(day: date | None, present: list[int], absent: list[int], admin: Principal) -> tuple[int, int]:
    """Many workers at once (a morning check-in); a worker in both lists is 400."""
    both = sorted(set(present) & set(absent))
    if both:
        raise ValidationFailed({"absent": [f"User {i} is also in present." for i in both]})
    _workers(sorted(set(present)), "present")
    _workers(sorted(set(absent)), "absent")
    target = day or clock().today()
    for user_id in dict.fromkeys(present):
        _mark(user_id, target, "present", int(admin.subject))
    for user_id in dict.fromkeys(absent):
        _mark(user_id, target, "absent", int(admin.subject))
    return len(set(present)), len(set(absent))


def status_of(user_id: int, day: date) -> str | None:
    record = find(Attendance, Attendance.key_of(user_id, day))
    return record.status if record is not None else None


def not_absent(user_id: int, day: date) -> txn.Step:
    """A transaction step that fails (400 on `assigned_to`) when the worker is marked absent that day."""
    return txn.check(Attendance, Attendance.key_of(user_id, day),
                     Attendance.key.does_not_exist() | (Attendance.status != "absent"),
                     ValidationFailed({"assigned_to": [f"This worker is marked absent on {day.isoformat()}."]}))


def list_attendance(query: AttendanceQuery, page: Window) -> Slice:
    condition = Attendance.status == query.status if query.status else None
    if query.user is not None:
        args = [Attendance.date == query.date.isoformat()] if query.date else []
        return query_page(Attendance.user_index, query.user, page, *args, filter_condition=condition)
    if query.date is not None:
        return query_page(Attendance.date_index, query.date.isoformat(), page, filter_condition=condition)
    return query_page(Attendance.all_index, "attendance", page, filter_condition=condition)
