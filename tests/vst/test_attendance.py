"""VST attendance: admins mark workers present/absent per day (idempotent per worker and day), bulk,
the admin's list with filters, a worker's own day; an absent worker is not assigned work that day."""

from __future__ import annotations

from tests.vst.conftest import make_user
from tests.vst.test_services import SERVICES, book, day, new_card, today

ATTENDANCE = "/api/crm/attendance/"


def test_marking_is_idempotent_per_worker_and_day(world):
    worker = make_user("worker")
    admin = world.client("admin")
    first = admin.post(f"{ATTENDANCE}mark_present/", {"user": worker.id, "date": "2025-12-12"}, expect=200).json_body
    assert first["detail"] == "Marked present"
    again = admin.post(f"{ATTENDANCE}mark_present/", {"user": worker.id, "date": "2025-12-12"}, expect=200).json_body
    assert again["attendance_id"] == first["attendance_id"]
    absent = admin.post(f"{ATTENDANCE}mark_absent/", {"user": worker.id, "date": "2025-12-12"}, expect=200).json_body
    assert absent == {"detail": "Marked absent", "attendance_id": first["attendance_id"]}
    listed = admin.get(f"{ATTENDANCE}?user={worker.id}", expect=200).json_body
    assert [(a["id"], a["date"], a["status"], a["marked_by"]) for a in listed] == [
        (first["attendance_id"], "2025-12-12", "absent", world.users["admin"].id)]


def test_a_worker_reads_their_own_day(world):
    worker = make_user("worker")
    from tests.vst.conftest import bearer

    world.auth["me"] = bearer(worker)
    assert world.client("me").get(f"{ATTENDANCE}me/", expect=200).json_body == {"date": today().isoformat(),
                                                                                 "status": None}
    world.client("admin").post(f"{ATTENDANCE}mark_present/", {"user": worker.id}, expect=200)  # today by default
    assert world.client("me").get(f"{ATTENDANCE}me/", expect=200).json_body["status"] == "present"
    world.client("customer").get(f"{ATTENDANCE}me/", expect=403)
    world.client(None).get(f"{ATTENDANCE}me/", expect=401)


def test_bulk_and_the_filtered_list(world):
    a, b, c = (make_user("worker") for _ in range(3))
    admin = world.client("admin")
    done = admin.post(f"{ATTENDANCE}bulk/", {"date": "2025-12-13", "present": [a.id, b.id], "absent": [c.id]},
                      expect=200).json_body
    assert done == {"detail": "Bulk update complete", "present_marked": 2, "absent_marked": 1}
    on_day = admin.get(f"{ATTENDANCE}?date=2025-12-13", expect=200).json_body
    assert [(x["user"], x["status"]) for x in on_day] == [(a.id, "present"), (b.id, "present"), (c.id, "absent")]
    assert [x["user"] for x in admin.get(f"{ATTENDANCE}?date=2025-12-13&status=absent", expect=200).json_body] == [
        c.id]
    assert [x["date"] for x in admin.get(f"{ATTENDANCE}?user={a.id}&date=2025-12-13", expect=200).json_body] == [
        "2025-12-13"]
    everything = admin.get(f"{ATTENDANCE}?page_size=500", expect=200).json_body
    assert {(x["user"], x["date"]) for x in on_day} <= {(x["user"], x["date"]) for x in everything}
    assert [x["date"] for x in everything] == sorted(x["date"] for x in everything)


def test_attendance_refusals(world):
    worker = world.users["worker"]
    admin = world.client("admin")
    for path in ("mark_present/", "mark_absent/", "bulk/"):
        world.client(None).post(f"{ATTENDANCE}{path}", {"user": worker.id}, expect=401)
        world.client("worker").post(f"{ATTENDANCE}{path}", {"user": worker.id}, expect=403)
        world.client("customer").post(f"{ATTENDANCE}{path}", {"user": worker.id}, expect=403)
    world.client("worker").get(ATTENDANCE, expect=403)
    for body in ({"user": world.users["customer"].id}, {"user": 999999}, {}, {"user": worker.id, "date": "12-12-2025"},
                 {"user": "3"}):
        admin.post(f"{ATTENDANCE}mark_absent/", body, expect=400)
    answer = admin.post(f"{ATTENDANCE}bulk/", {"present": [worker.id], "absent": [worker.id]}, expect=400).json_body
    assert "absent" in answer
    assert "present" in admin.post(f"{ATTENDANCE}bulk/", {"present": [world.users["customer"].id]},
                                   expect=400).json_body
    for bad in ("user=x", "date=2025-13-01", "status=late"):
        admin.get(f"{ATTENDANCE}?{bad}", expect=400)


def test_an_absent_worker_is_not_assigned_work_that_day(world):
    worker = make_user("worker", region="rajapalayam")
    admin = world.client("admin")
    service = book(world, new_card(world), offset=4)
    admin.post(f"{ATTENDANCE}mark_absent/", {"user": worker.id, "date": day(4)}, expect=200)
    refused = admin.post(f"{SERVICES}{service['id']}/assign/", {"assigned_to": worker.id}, expect=400).json_body
    assert refused == {"assigned_to": [f"This worker is marked absent on {day(4)}."]}
    assert admin.get(f"{SERVICES}{service['id']}/", expect=200).json_body["status"] == "pending"
    admin.post(f"{SERVICES}{service['id']}/assign/", {"assigned_to": worker.id, "scheduled_at": day(5)}, expect=200)
    # moving their visit onto the absent day is refused too
    moved = world.client("customer").post(f"{SERVICES}{service['id']}/reschedule/", {"scheduled_at": day(4)},
                                          expect=400).json_body
    assert "assigned_to" in moved
    admin.post(f"{ATTENDANCE}mark_present/", {"user": worker.id, "date": day(4)}, expect=200)
    world.client("customer").post(f"{SERVICES}{service['id']}/reschedule/", {"scheduled_at": day(4)}, expect=200)
