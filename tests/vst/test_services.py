"""VST services (bookings): booking rules and the free-service decision, the status machine with its
history, role-aware lists in the spec's order, assign / reschedule / cancel / PATCH."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.vst.conftest import make_user

SERVICES = "/api/crm/services/"


def today() -> date:
    from chalicelib.products.vst.clock import clock

    return clock().today()


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


def new_card(world, owner: str = "customer", *, warranty: tuple[int, int] | None = (-30, 335), **fields):
    """A live card of `owner` (a world user's name or a user), with a warranty around today."""
    customer = world.users[owner] if isinstance(owner, str) else owner
    body = {"model": "AquaPure X1", "customer": customer.id, "region": "rajapalayam", "address": "12 MG Road",
            "city": "Rajapalayam", "postal_code": "626117", **fields}
    if warranty:
        body.update(warranty_start_date=day(warranty[0]), warranty_end_date=day(warranty[1]))
    return world.client("admin").post("/api/crm/cards/", body, expect=201).json_body


def book(world, card, who: str = "customer", *, offset: int = 3, expect: int = 201, **fields):
    body = {"card": card["id"], "description": "Not dispensing water", "preferred_date": day(offset),
            "preferred_time": "10:00", "visit_type": "onsite", **fields}
    return world.client(who).post(SERVICES, body, expect=expect).json_body


@pytest.fixture()
def window(setting):
    """A stage that lets customers book a year ahead (CRM_BOOKING_WINDOW_DAYS)."""
    setting("CRM_BOOKING_WINDOW_DAYS", "400")


# -- booking -----------------------------------------------------------------------------------
def test_a_customer_books_on_their_own_card_and_it_starts_pending(world):
    card = new_card(world)
    booked = book(world, card, service_type="auto")
    assert booked["status"] == "pending" and booked["scheduled_at"] is None
    assert booked["service_type"] == "free" and booked["next_steps"] == "admin will assign"
    assert booked["card"] == card["id"] and booked["customer"] == world.users["customer"].id
    assert booked["preferred_date"] == day(3) and booked["preferred_time"] == "10:00"
    detail = world.client("customer").get(f"{SERVICES}{booked['id']}/", expect=200).json_body
    assert detail["id"] == booked["id"] and detail["assigned_staff"] is None and detail["history"] == []


def test_the_card_detail_shows_its_service_history_as_the_caller_may_see_it(world):
    card = new_card(world)
    first, second = book(world, card, offset=2), book(world, card, offset=3)
    world.client("admin").post(f"{SERVICES}{second['id']}/assign/", {"assigned_to": world.users["worker"].id},
                               expect=200)
    path = f"/api/crm/cards/{card['id']}/"
    history = lambda who: [s["id"] for s in world.client(who).get(path, expect=200).json_body["services"]]  # noqa: E731
    assert history("customer") == history("admin") == [first["id"], second["id"]]
    assert history("worker") == [second["id"]] and history("other_worker") == []
    world.client("stranger").get(path, expect=404)


def test_an_admin_books_for_the_cards_owner(world):
    card = new_card(world)
    booked = book(world, card, "admin")
    assert booked["customer"] == world.users["customer"].id
    assert world.client("customer").get(f"{SERVICES}{booked['id']}/", expect=200).json_body["id"] == booked["id"]


def test_booking_refusals(world):
    card = new_card(world)
    theirs = new_card(world, "stranger")
    base = {"card": card["id"], "description": "Leak", "preferred_date": day(2)}
    customer = world.client("customer")
    world.client(None).post(SERVICES, base, expect=401)
    world.client("worker").post(SERVICES, base, expect=403)
    cases = {
        "card": [{**base, "card": theirs["id"]}, {**base, "card": 999999}, {**base, "card": "1"}],
        "preferred_date": [{**base, "preferred_date": day(-1)}, {**base, "preferred_date": day(31)},
                           {**base, "preferred_date": "18-12-2025"}, {**base, "preferred_date": 1700000000}],
        "preferred_time": [{**base, "preferred_time": "25:00"}, {**base, "preferred_time": "9am"}],
        "service_type": [{**base, "service_type": "free"}],
        "description": [{**base, "description": ""}, {k: v for k, v in base.items() if k != "description"}],
        "visit_type": [{**base, "visit_type": "on site"}],
    }
    for name, bodies in cases.items():
        for body in bodies:
            answer = customer.post(SERVICES, body, expect=400).json_body
            assert name in answer, (body, answer)
    customer.post(SERVICES, {**base, "preferred_date": day(30)}, expect=201)  # the window's last day


def test_a_preferred_time_already_past_today_is_refused():
    from chalicelib.core.errors import ValidationFailed
    from chalicelib.products.vst.services.bookings import _check_preferred

    with pytest.raises(ValidationFailed) as refused:
        _check_preferred(today(), "00:00")
    assert "preferred_time" in refused.value.field_errors
    _check_preferred(today(), None)  # the day alone is today: fine


def test_a_deleted_card_takes_no_booking(world):
    card = new_card(world)
    world.client("admin").delete(f"/api/crm/cards/{card['id']}/", expect=204)
    assert "card" in book(world, card, expect=400)


# -- the free-service rule -------------------------------------------------------------------
def test_free_needs_the_warranty_and_three_months_since_the_last_free_one():
    from chalicelib.products.vst.models import Card
    from chalicelib.products.vst.services.bookings import free_or_normal

    card = Card(1, warranty_start_date="2025-09-15", warranty_end_date="2026-09-14")
    assert free_or_normal(card, date(2025, 9, 15), []) == "free"  # first day of the warranty
    assert free_or_normal(card, date(2026, 9, 14), []) == "free"  # last day
    assert free_or_normal(card, date(2025, 9, 14), []) == "normal"
    assert free_or_normal(card, date(2026, 9, 15), []) == "normal"
    assert free_or_normal(card, date(2025, 12, 15), [date(2025, 9, 15)]) == "free"  # 3 calendar months
    assert free_or_normal(card, date(2025, 12, 14), [date(2025, 9, 15)]) == "normal"
    assert free_or_normal(card, date(2026, 2, 28), [date(2025, 11, 30)]) == "free"  # no 30 February
    assert free_or_normal(card, date(2026, 2, 27), [date(2025, 11, 30)]) == "normal"
    assert free_or_normal(card, date(2026, 1, 1), [date(2025, 9, 20), date(2025, 12, 1)]) == "normal"
    assert free_or_normal(Card(2), date(2026, 1, 1), []) == "normal"  # no warranty


def test_the_server_decides_free_then_normal_and_a_cancelled_free_one_stops_counting(world, window):
    from chalicelib.core.clock import add_months

    card = new_card(world)
    first = book(world, card, offset=2)
    assert first["service_type"] == "free"
    assert book(world, card, offset=20)["service_type"] == "normal"  # within three months of the first
    world.client("customer").post(f"{SERVICES}{first['id']}/cancel/", expect=200)
    assert book(world, card, offset=21)["service_type"] == "free"  # the cancelled one no longer counts
    three_months = (add_months(today() + timedelta(days=21), 3) - today()).days
    assert book(world, card, offset=three_months - 1)["service_type"] == "normal"
    assert book(world, card, offset=three_months)["service_type"] == "free"
    outside = new_card(world, warranty=(-400, -30))
    assert book(world, outside)["service_type"] == "normal"
    assert book(world, new_card(world, warranty=None))["service_type"] == "normal"


# -- status machine ----------------------------------------------------------------------------
def test_assign_then_reschedule_then_cancel_with_history(world):
    card = new_card(world)
    service = book(world, card)
    admin = world.client("admin")
    worker = world.users["worker"]
    assigned = admin.post(f"{SERVICES}{service['id']}/assign/", {"assigned_to": worker.id}, expect=200).json_body
    assert assigned["status"] == "assigned" and assigned["assigned_to"] == worker.id
    # no date given: the preferred day and time (10:00 in India, 04:30 UTC)
    assert assigned["scheduled_at"].startswith(f"{day(3)}T04:30:00")
    moved = world.client("customer").post(f"{SERVICES}{service['id']}/reschedule/",
                                          {"scheduled_at": f"{day(5)}T15:00"}, expect=200).json_body
    assert moved["status"] == "assigned" and moved["scheduled_at"].startswith(f"{day(5)}T09:30:00")
    assert moved["assigned_to"] == worker.id
    detail = world.client("worker").get(f"{SERVICES}{service['id']}/", expect=200).json_body
    assert detail["assigned_staff"] == {"id": worker.id, "name": worker.name, "phone": worker.phone}
    cancelled = admin.post(f"{SERVICES}{service['id']}/cancel/", expect=200).json_body
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
    history = admin.get(f"{SERVICES}{service['id']}/", expect=200).json_body["history"]
    assert [(m["action"], m["from_state"], m["to_state"]) for m in history] == [
        ("assign", "pending", "assigned"), ("reschedule", "assigned", "assigned"), ("cancel", "assigned", "cancelled")]
    assert [m["actor"] for m in history] == [world.users["admin"].id, world.users["customer"].id,
                                             world.users["admin"].id]
    # illegal moves: 409, and nothing written
    admin.post(f"{SERVICES}{service['id']}/cancel/", expect=409)
    admin.post(f"{SERVICES}{service['id']}/assign/", {"assigned_to": worker.id}, expect=409)
    world.client("customer").post(f"{SERVICES}{service['id']}/reschedule/", {"scheduled_at": day(4)}, expect=409)
    assert len(admin.get(f"{SERVICES}{service['id']}/", expect=200).json_body["history"]) == 3


def test_reschedule_of_a_pending_service_makes_it_scheduled(world):
    service = book(world, new_card(world))
    moved = world.client("admin").post(f"{SERVICES}{service['id']}/reschedule/", {"scheduled_at": day(60)},
                                       expect=200).json_body  # an admin plans past the customers' window
    assert moved["status"] == "scheduled" and moved["scheduled_at"].startswith(f"{day(60)}T04:30:00")
    customer = world.client("customer")
    for when in (day(-1), day(31), "soon", f"{day(0)}T00:00:00+05:30"):
        assert "scheduled_at" in customer.post(f"{SERVICES}{service['id']}/reschedule/", {"scheduled_at": when},
                                               expect=400).json_body, when


def test_assign_refusals(world):
    service = book(world, new_card(world))
    admin = world.client("admin")
    path = f"{SERVICES}{service['id']}/assign/"
    for body in ({"assigned_to": world.users["customer"].id}, {"assigned_to": 999999}, {"assigned_to": "x"}, {},
                 {"assigned_to": world.users["worker"].id, "scheduled_at": day(-2)}):
        admin.post(path, body, expect=400)
    world.client("worker").post(path, {"assigned_to": world.users["worker"].id}, expect=403)
    world.client("customer").post(path, {"assigned_to": world.users["worker"].id}, expect=403)
    world.client(None).post(path, {"assigned_to": world.users["worker"].id}, expect=401)
    admin.post(f"{SERVICES}999999/assign/", {"assigned_to": world.users["worker"].id}, expect=404)


def test_another_users_service_is_not_found(world):
    service = book(world, new_card(world))
    path = f"{SERVICES}{service['id']}/"
    stranger = world.client("stranger")
    stranger.get(path, expect=404)
    stranger.patch(path, {"description": "mine now"}, expect=404)
    stranger.post(f"{path}cancel/", expect=404)
    stranger.post(f"{path}reschedule/", {"scheduled_at": day(4)}, expect=404)
    world.client("worker").get(path, expect=404)  # not assigned to them
    world.client("admin").post(f"{path}assign/", {"assigned_to": world.users["other_worker"].id}, expect=200)
    world.client("worker").get(path, expect=404)
    world.client("other_worker").get(path, expect=200)
    world.client("other_worker").post(f"{path}cancel/", expect=403)  # declared role, not theirs to cancel


def test_patch_rules(world):
    service = book(world, new_card(world))
    path = f"{SERVICES}{service['id']}/"
    customer = world.client("customer")
    changed = customer.patch(path, {"description": "Leaking at the tap", "visit_type": "Pickup"}, expect=200)
    assert changed.json_body["description"] == "Leaking at the tap" and changed.json_body["visit_type"] == "pickup"
    for body in ({"description": None}, {"description": ""}, {"status": "completed"}, {"scheduled_at": None},
                 {"visit_type": "a b"}):
        customer.patch(path, body, expect=400)
    world.client("admin").post(f"{path}assign/", {"assigned_to": world.users["worker"].id}, expect=200)
    worker = world.client("worker")
    assert worker.patch(path, {"description": "Valve worn"}, expect=200).json_body["description"] == "Valve worn"
    worker.patch(path, {"status": "cancelled"}, expect=403)
    worker.patch(path, {"scheduled_at": day(4)}, expect=403)
    moved = customer.patch(path, {"scheduled_at": day(6)}, expect=200).json_body
    assert moved["scheduled_at"].startswith(day(6)) and moved["status"] == "assigned"
    assert customer.patch(path, {"status": "cancelled"}, expect=200).json_body["status"] == "cancelled"
    customer.patch(path, {"description": "again"}, expect=409)
    world.client(None).patch(path, {"description": "x"}, expect=401)


# -- lists ---------------------------------------------------------------------------------------
def test_lists_are_role_aware_and_in_schedule_order(world):
    owner = make_user("customer")
    from tests.vst.conftest import bearer

    world.auth["owner"] = bearer(owner)
    card = new_card(world, owner)
    late, unscheduled_a, early, unscheduled_b = (book(world, card, "owner", offset=n) for n in (9, 2, 4, 8))
    admin = world.client("admin")
    admin.post(f"{SERVICES}{late['id']}/reschedule/", {"scheduled_at": day(20)}, expect=200)
    admin.post(f"{SERVICES}{early['id']}/assign/", {"assigned_to": world.users["worker"].id,
                                                    "scheduled_at": f"{day(6)}T11:00"}, expect=200)
    mine = [s["id"] for s in world.client("owner").get(SERVICES, expect=200).json_body]
    assert mine == [early["id"], late["id"], unscheduled_a["id"], unscheduled_b["id"]]
    created = [s["id"] for s in world.client("owner").get(f"{SERVICES}?order=created", expect=200).json_body]
    assert created == [late["id"], unscheduled_a["id"], early["id"], unscheduled_b["id"]]
    by_card = [s["id"] for s in admin.get(f"{SERVICES}?card={card['id']}", expect=200).json_body]
    assert by_card == mine
    assert [s["id"] for s in admin.get(f"{SERVICES}?card={card['id']}&status=pending", expect=200).json_body] == [
        unscheduled_a["id"], unscheduled_b["id"]]
    ranged = admin.get(f"{SERVICES}?card={card['id']}&from={day(5)}&to={day(20)}", expect=200).json_body
    assert [s["id"] for s in ranged] == [early["id"], late["id"]]
    assert [s["id"] for s in admin.get(f"{SERVICES}?card={card['id']}&to={day(6)}", expect=200).json_body] == [
        early["id"]]
    assert [s["id"] for s in admin.get(f"{SERVICES}?card={card['id']}&from={day(7)}&order=created",
                                       expect=200).json_body] == [late["id"]]
    # the calendar's first and last days are filters like any other (make fuzz: from=0001-01-01 was a 500)
    ends = admin.get(f"{SERVICES}?card={card['id']}&from=0001-01-01&to=9999-12-31", expect=200).json_body
    assert [s["id"] for s in ends] == [early["id"], late["id"]]
    assert admin.get(f"{SERVICES}?card={card['id']}&from=9999-12-31", expect=200).json_body == []
    assert admin.get(f"{SERVICES}?card={card['id']}&to=0001-01-01", expect=200).json_body == []
    # the worker sees what is assigned to them, nothing else
    theirs = [s["id"] for s in world.client("worker").get(f"{SERVICES}?card={card['id']}", expect=200).json_body]
    assert theirs == [early["id"]]
    assert world.client("worker").get(f"{SERVICES}?assigned_to={world.users['other_worker'].id}",
                                      expect=200).json_body == []
    assigned = admin.get(f"{SERVICES}?assigned_to={world.users['worker'].id}&status=assigned&page_size=500",
                         expect=200).json_body
    assert early["id"] in {s["id"] for s in assigned} and {s["status"] for s in assigned} == {"assigned"}
    # another customer sees none of them
    assert world.client("stranger").get(f"{SERVICES}?card={card['id']}", expect=200).json_body == []


def test_list_pages_and_bad_filters(world):
    owner = make_user("customer")
    from tests.vst.conftest import bearer

    world.auth["pager"] = bearer(owner)
    card = new_card(world, owner)
    ids = [book(world, card, "pager", offset=n)["id"] for n in (1, 2, 3)]
    client = world.client("pager")
    first = client.get(f"{SERVICES}?page_size=2", expect=200)
    assert [s["id"] for s in first.json_body] == ids[:2]
    cursor = first.headers["X-Next-Cursor"]
    assert [s["id"] for s in client.get(f"{SERVICES}?page_size=2&cursor={cursor}", expect=200).json_body] == ids[2:]
    admin = world.client("admin")
    for bad in ("status=done", "card=abc", "assigned_to=0", "from=2025-13-01", "order=name", "from=1700000000"):
        admin.get(f"{SERVICES}?{bad}", expect=400)
    assert client.get(f"{SERVICES}?from={day(5)}&to={day(1)}", expect=200).json_body == []  # no day: nothing
    world.client(None).get(SERVICES, expect=401)


def test_scheduled_times_are_answered_in_utc(world):
    from chalicelib.products.vst.services.bookings import visit_instant

    assert visit_instant(date(2026, 1, 5), None) == datetime(2026, 1, 5, 3, 30, tzinfo=UTC)  # 09:00 in India
    assert visit_instant(date(2026, 1, 5), "18:15") == datetime(2026, 1, 5, 12, 45, tzinfo=UTC)
    assert visit_instant(datetime(2026, 1, 5, 10, 0), None) == datetime(2026, 1, 5, 4, 30, tzinfo=UTC)
    assert visit_instant(datetime(2026, 1, 5, 10, 0, tzinfo=UTC), None) == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
