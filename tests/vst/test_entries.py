"""VST service entries: staff log work on a service once it is assigned; whoever sees the service
reads its entries (oldest first, paginated); another's service is invisible."""

from __future__ import annotations

from tests.vst.test_otp import assigned
from tests.vst.test_services import SERVICES, book, new_card

ENTRIES = "/api/crm/service-entries/"
WORK = {"work_detail": "Replaced valve", "parts_replaced": [{"code": "P01", "qty": 2, "price": "120.50"}],
        "amount_charged": 50.0}


def test_staff_log_work_and_whoever_sees_the_service_reads_it(world):
    service = assigned(world)
    first = world.client("worker").post(ENTRIES, {"service": service["id"], **WORK}, expect=201).json_body
    assert first["service"] == service["id"] and first["created_by"] == world.users["worker"].id
    assert first["parts_replaced"] == [{"code": "P01", "qty": 2, "price": 120.5}] and first["amount_charged"] == 50.0
    assert first["next_service_date"] is None
    second = world.client("admin").post(ENTRIES, {"service": service["id"], "work_detail": "Follow-up call",
                                                  "next_service_date": "2026-06-01"}, expect=201).json_body
    assert second["amount_charged"] == 0.0 and second["parts_replaced"] == []
    for reader in ("customer", "worker", "admin"):
        listed = world.client(reader).get(f"{ENTRIES}?service={service['id']}", expect=200).json_body
        assert [e["id"] for e in listed] == [first["id"], second["id"]], reader
    page = world.client("admin").get(f"{ENTRIES}?service={service['id']}&page_size=1", expect=200)
    assert [e["id"] for e in page.json_body] == [first["id"]] and page.headers.get("X-Next-Cursor")


def test_entry_refusals(world):
    service = assigned(world)
    worker = world.client("worker")
    world.client(None).post(ENTRIES, {"service": service["id"], **WORK}, expect=401)
    world.client("customer").post(ENTRIES, {"service": service["id"], **WORK}, expect=403)
    world.client(None).get(f"{ENTRIES}?service={service['id']}", expect=401)
    for bad in ({**WORK}, {"service": service["id"]}, {"service": service["id"], **WORK, "amount_charged": "1e3"},
                {"service": service["id"], **WORK, "parts_replaced": [{"code": "", "qty": 1, "price": 1}]},
                {"service": service["id"], **WORK, "parts_replaced": [{"code": "P", "qty": 1.5, "price": 1}]},
                {"service": 999999, **WORK}):
        worker.post(ENTRIES, bad, expect=400)
    for bad in ("", "?service=abc", "?service=0"):
        world.client("admin").get(f"{ENTRIES}{bad}", expect=400)
    # another user's service: refused as if it did not exist, and its entries are not listed
    world.client("other_worker").post(ENTRIES, {"service": service["id"], **WORK}, expect=400)
    worker.post(ENTRIES, {"service": service["id"], **WORK}, expect=201)
    assert world.client("stranger").get(f"{ENTRIES}?service={service['id']}", expect=200).json_body == []
    assert world.client("other_worker").get(f"{ENTRIES}?service={service['id']}", expect=200).json_body == []
    # a service nobody was sent to yet takes no work log
    pending = book(world, new_card(world))
    world.client("admin").post(ENTRIES, {"service": pending["id"], **WORK}, expect=409)
    world.client("admin").post(f"{SERVICES}{pending['id']}/cancel/", expect=200)
    world.client("admin").post(ENTRIES, {"service": pending["id"], **WORK}, expect=409)
