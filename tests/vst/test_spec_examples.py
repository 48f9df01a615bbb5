"""VST answers in the shapes of the spec's examples (specs/vst.md): the same field names and nesting,
the same JSON kinds, plain arrays for lists.

Each example is read from the spec's own text (tests/contract/specs.py), so the test holds the contract
as written; values are not compared (tests/contract/shapes.py).
"""

from __future__ import annotations

from tests.contract.shapes import assert_shaped_like
from tests.contract.specs import responses
from tests.vst.conftest import PASSWORD, make_user, new_phone
from tests.vst.test_otp import assigned
from tests.vst.test_services import book, day, new_card

SPEC = "vst"


def test_login_register_and_refresh(world):
    http = world.client(None)
    (pair,) = responses(SPEC, "POST `/api/auth/login/`")
    user = make_user("customer")
    tokens = http.post("/api/auth/login/", {"phone": user.phone, "password": PASSWORD}, expect=200).json_body
    assert_shaped_like(pair, tokens, "POST /api/auth/login/")
    (registered,) = responses(SPEC, "POST `/api/auth/token/register/`")
    answer = http.post("/api/auth/token/register/", {"name": "Ramesh", "phone": new_phone(), "password": PASSWORD},
                       expect=201).json_body
    assert_shaped_like(registered, answer, "POST /api/auth/token/register/")
    (refreshed,) = responses(SPEC, "POST `/api/auth/token/refresh/`")
    again = http.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, expect=200).json_body
    assert_shaped_like(refreshed, again, "POST /api/auth/token/refresh/")


def test_profiles(world):
    (me,) = responses(SPEC, "GET `/api/auth/me/`")
    assert_shaped_like(me, world.client("customer").get("/api/auth/me/", expect=200).json_body, "GET /api/auth/me/")
    admin = world.client("admin")
    (users,) = responses(SPEC, "GET /api/auth/admin/users/ [")
    assert_shaped_like(users, admin.get("/api/auth/admin/users/", expect=200).json_body, "GET /api/auth/admin/users/")
    customer = world.users["customer"].id
    (user,) = responses(SPEC, "GET /api/auth/admin/users/{id}/")
    assert_shaped_like(user, admin.get(f"/api/auth/admin/users/{customer}/", expect=200).json_body,
                       "GET /api/auth/admin/users/<id>/")
    (updated,) = responses(SPEC, "PATCH /api/auth/admin/users/{id}/update/")
    worker = make_user("worker")
    answer = admin.patch(f"/api/auth/admin/users/{worker.id}/update/", {"name": "Ramesh Admin Edited",
                                                                        "region": "Madurai"}, expect=200).json_body
    assert_shaped_like(updated, answer, "PATCH /api/auth/admin/users/<id>/update/")
    (changed,) = responses(SPEC, "POST /api/auth/admin/users/{id}/change-password/")
    answer = admin.post(f"/api/auth/admin/users/{worker.id}/change-password/",
                        {"new_password": "NewStrongPassword@123"}, expect=200).json_body
    assert_shaped_like(changed, answer, "POST /api/auth/admin/users/<id>/change-password/")


def test_booking_and_the_otp_request(world):
    (booked,) = responses(SPEC, "POST `/api/crm/services/`")
    assert_shaped_like(booked, book(world, new_card(world)), "POST /api/crm/services/")
    (sent,) = responses(SPEC, "POST `/api/crm/services/{id}/request_otp/`")
    service = assigned(world)
    answer = world.client("worker").post(f"/api/crm/services/{service['id']}/request_otp/", expect=200).json_body
    assert_shaped_like(sent, answer, "POST /api/crm/services/<id>/request_otp/")


def test_attendance(world):
    worker = make_user("worker")
    admin = world.client("admin")
    present, absent = responses(SPEC, "Mark Attendance")
    body = {"user": worker.id, "date": day(1)}
    assert_shaped_like(present, admin.post("/api/crm/attendance/mark_present/", body, expect=200).json_body,
                       "POST /api/crm/attendance/mark_present/")
    assert_shaped_like(absent, admin.post("/api/crm/attendance/mark_absent/", body, expect=200).json_body,
                       "POST /api/crm/attendance/mark_absent/")
    (listed,) = responses(SPEC, "GET Attendance List")
    assert_shaped_like(listed, admin.get(f"/api/crm/attendance/?user={worker.id}", expect=200).json_body,
                       "GET /api/crm/attendance/")
    (bulk,) = responses(SPEC, "Admin Bulk Attendance Update")
    answer = admin.post("/api/crm/attendance/bulk/", {"date": day(2), "present": [worker.id], "absent": []},
                        expect=200).json_body
    assert_shaped_like(bulk, answer, "POST /api/crm/attendance/bulk/")
    (mine,) = responses(SPEC, "Attendance for Logged-in Staff")
    admin.post("/api/crm/attendance/mark_present/", {"user": world.users["worker"].id}, expect=200)
    assert_shaped_like(mine, world.client("worker").get("/api/crm/attendance/me/", expect=200).json_body,
                       "GET /api/crm/attendance/me/")
