"""VST admin user management: list with filters (paginated), detail, update, password reset."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from tests.vst.conftest import PASSWORD, bearer, make_user, new_phone

USERS = "/api/auth/admin/users/"


def body(response):
    return json.loads(response.body)


def follow(http, url, headers):
    """Every item of a list, reading only what RFC 8288's `Link: <...>; rel="next"` points to."""
    items = []
    while url:
        response = http.get(url, headers)
        assert response.status_code == 200, response.body
        items += body(response)
        link = response.headers.get("Link")
        if link is None:
            break
        target, _, rel = link.partition(";")
        assert rel.strip() == 'rel="next"'
        parts = urlsplit(target.strip()[1:-1])
        url = f"{parts.path}?{parts.query}"
    return items


def test_admin_lists_every_user_through_the_link_header(http, world):
    everyone = follow(http, USERS + "?page_size=2", world.as_("admin"))
    ids = [user["id"] for user in everyone]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert {world.users[name].id for name in ("admin", "worker", "customer", "stranger")} <= set(ids)
    assert set(everyone[0]) == {"id", "name", "phone", "role", "region", "address"}


def test_role_and_phone_filters(http, world):
    workers = follow(http, USERS + "?role=worker&page_size=1", world.as_("admin"))
    assert workers and {user["role"] for user in workers} == {"worker"}
    assert world.users["worker"].id in {user["id"] for user in workers}
    phone = world.users["customer"].phone
    national = phone[3:]
    assert [u["id"] for u in body(http.get(f"{USERS}?phone={national}", world.as_("admin")))] == \
        [world.users["customer"].id]
    assert body(http.get(f"{USERS}?phone={phone.replace('+', '%2B')}&role=worker", world.as_("admin"))) == []
    assert body(http.get(f"{USERS}?phone={new_phone()[1:]}", world.as_("admin"))) == []


def test_list_refusals(http, world):
    assert http.get(USERS).status_code == 401
    assert http.get(USERS, world.as_("worker")).status_code == 403
    assert http.get(USERS, world.as_("customer")).status_code == 403
    assert http.get(USERS + "?role=boss", world.as_("admin")).status_code == 400
    assert http.get(USERS + "?phone=abc", world.as_("admin")).status_code == 400
    assert http.get(USERS + "?page_size=0", world.as_("admin")).status_code == 400
    assert http.get(USERS + "?cursor=forged", world.as_("admin")).status_code == 400


def test_a_cursor_of_another_filter_is_refused(http, world):
    first = http.get(USERS + "?role=customer&page_size=1", world.as_("admin"))
    cursor = first.headers["X-Next-Cursor"]
    assert http.get(f"{USERS}?role=worker&page_size=1&cursor={cursor}", world.as_("admin")).status_code == 400
    assert http.get(f"{USERS}?page_size=1&cursor={cursor}", world.as_("admin")).status_code == 400


def test_admin_reads_a_user(http, world):
    customer = world.users["customer"]
    response = http.get(f"{USERS}{customer.id}/", world.as_("admin"))
    assert body(response) == {"id": customer.id, "name": customer.name, "phone": customer.phone, "role": "customer",
                              "region": "rajapalayam", "address": "12 MG Road"}
    assert http.get(f"{USERS}999999/", world.as_("admin")).status_code == 404
    assert http.get(f"{USERS}abc/", world.as_("admin")).status_code == 404
    assert http.get(f"{USERS}{customer.id}/").status_code == 401
    assert http.get(f"{USERS}{customer.id}/", world.as_("customer")).status_code == 403  # even oneself
    assert http.get(f"{USERS}{customer.id}/", world.as_("worker")).status_code == 403


def test_admin_updates_a_user_and_the_phone_moves(http, world):
    user = make_user("customer", address="Old")
    new = new_phone()
    response = http.patch(f"{USERS}{user.id}/update/", {"name": "Ramesh Admin Edited", "role": "worker",
                                                        "region": "Madurai", "phone": new}, world.as_("admin"))
    assert response.status_code == 200, response.body
    assert body(response) == {"id": user.id, "name": "Ramesh Admin Edited", "phone": new, "role": "worker",
                              "region": "Madurai", "address": "Old"}
    assert http.post("/api/auth/login/", {"phone": new, "password": PASSWORD}).status_code == 200
    assert http.post("/api/auth/login/", {"phone": user.phone, "password": PASSWORD}).status_code == 401
    # the old phone is free again, the new one is taken
    assert http.post("/api/auth/token/register/", {"name": "N", "phone": user.phone,
                                                   "password": PASSWORD}).status_code == 201
    clash = http.patch(f"{USERS}{user.id}/update/", {"phone": world.users["stranger"].phone}, world.as_("admin"))
    assert clash.status_code == 400 and "phone" in body(clash)


def test_update_refusals(http, world):
    target = world.users["stranger"]
    url = f"{USERS}{target.id}/update/"
    assert http.patch(url, {"name": "x"}).status_code == 401
    assert http.patch(url, {"name": "x"}, world.as_("worker")).status_code == 403
    assert http.patch(url, {"name": "x"}, world.as_("stranger")).status_code == 403
    for bad in ({"role": "boss"}, {"name": None}, {"role": None}, {"phone": "12"}, {"region": "\u202e"}):
        assert http.patch(url, bad, world.as_("admin")).status_code == 400, bad
    assert http.patch(f"{USERS}999999/update/", {"name": "x"}, world.as_("admin")).status_code == 404


def test_password_reset_kills_the_old_password_and_earlier_refresh_tokens(http, world):
    user = make_user("worker")
    old = body(http.post("/api/auth/login/", {"phone": user.phone, "password": PASSWORD}))
    response = http.post(f"{USERS}{user.id}/change-password/", {"new_password": "NewStrongPassword@123"},
                         world.as_("admin"))
    assert response.status_code == 200 and body(response) == {"detail": "Password changed successfully"}
    assert http.post("/api/auth/login/", {"phone": user.phone, "password": PASSWORD}).status_code == 401
    assert http.post("/api/auth/token/refresh/", {"refresh": old["refresh"]}).status_code == 401
    fresh = http.post("/api/auth/login/", {"phone": user.phone, "password": "NewStrongPassword@123"})
    assert fresh.status_code == 200
    assert http.post("/api/auth/token/refresh/", {"refresh": body(fresh)["refresh"]}).status_code == 200


def test_password_reset_refusals(http, world):
    url = f"{USERS}{world.users['stranger'].id}/change-password/"
    assert http.post(url, {"new_password": "NewStrongPassword@123"}).status_code == 401
    assert http.post(url, {"new_password": "NewStrongPassword@123"}, world.as_("worker")).status_code == 403
    assert http.post(url, {"new_password": "NewStrongPassword@123"}, world.as_("stranger")).status_code == 403
    assert http.post(url, {"new_password": "123"}, world.as_("admin")).status_code == 400
    assert http.post(url, {}, world.as_("admin")).status_code == 400
    assert http.post(f"{USERS}999999/change-password/", {"new_password": "NewStrongPassword@123"},
                     world.as_("admin")).status_code == 404


def test_a_role_change_shows_in_the_next_token(http, world):
    user = make_user("customer")
    http.patch(f"{USERS}{user.id}/update/", {"role": "worker"}, world.as_("admin"))
    pair = body(http.post("/api/auth/login/", {"phone": user.phone, "password": PASSWORD}))
    assert body(http.get("/api/auth/me/", {"Authorization": f"Bearer {pair['access']}"}))["role"] == "worker"
    assert bearer  # tokens issued directly follow the stored role too
