"""VST feedback: only the owner, only for a completed service, once (a conditional write), rating 1-5;
the list is role-aware (own / the services a worker did / all)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.vst.test_otp import WORK, assigned
from tests.vst.test_services import SERVICES, book, new_card

FEEDBACKS = "/api/crm/feedbacks/"


@pytest.fixture()
def completed(world, setting) -> Any:
    """A service of the world's customer completed by the world's worker (through the OTP)."""
    setting("CRM_DEV_RETURN_OTP", "true")

    def make() -> dict[str, Any]:
        service = assigned(world)
        path = f"{SERVICES}{service['id']}/"
        code = world.client("worker").post(f"{path}request_otp/", expect=200).json_body["otp"]
        world.client("worker").post(f"{path}verify_otp/", {"otp": code, **WORK}, expect=200)
        return service

    return make


def test_the_owner_rates_a_completed_service_once(world, completed):
    service = completed()
    given = world.client("customer").post(FEEDBACKS, {"service": service["id"], "rating": 5, "comments": "Great"},
                                          expect=201).json_body
    assert (given["service"], given["rating"], given["comments"]) == (service["id"], 5, "Great")
    assert (given["customer"], given["worker"]) == (world.users["customer"].id, world.users["worker"].id)
    again = world.client("customer").post(FEEDBACKS, {"service": service["id"], "rating": 1}, expect=400).json_body
    assert again == {"service": ["Feedback for this service has already been given."]}


def test_feedback_refusals(world, completed):
    service = completed()
    customer = world.client("customer")
    world.client(None).post(FEEDBACKS, {"service": service["id"], "rating": 5}, expect=401)
    world.client("worker").post(FEEDBACKS, {"service": service["id"], "rating": 5}, expect=403)
    world.client("admin").post(FEEDBACKS, {"service": service["id"], "rating": 5}, expect=403)
    world.client("stranger").post(FEEDBACKS, {"service": service["id"], "rating": 5}, expect=400)  # not theirs
    for rating in (0, 6, 4.5, "5", True, None):
        assert "rating" in customer.post(FEEDBACKS, {"service": service["id"], "rating": rating},
                                         expect=400).json_body
    customer.post(FEEDBACKS, {"rating": 5}, expect=400)
    customer.post(FEEDBACKS, {"service": 999999, "rating": 5}, expect=400)
    open_one = book(world, new_card(world))
    answer = customer.post(FEEDBACKS, {"service": open_one["id"], "rating": 4}, expect=400).json_body
    assert answer == {"service": ["Feedback can be given only for a completed service."]}


def test_the_list_is_role_aware(world, completed):
    mine = completed()
    given = world.client("customer").post(FEEDBACKS, {"service": mine["id"], "rating": 4}, expect=201).json_body
    ids = lambda who, query="": [f["id"] for f in world.client(who).get(f"{FEEDBACKS}{query}",  # noqa: E731
                                                                          expect=200).json_body]
    assert given["id"] in ids("customer") and given["id"] in ids("worker") and given["id"] in ids("admin")
    assert given["id"] not in ids("stranger") and given["id"] not in ids("other_worker")
    assert ids("admin", f"?service={mine['id']}") == [given["id"]]
    assert ids("stranger", f"?service={mine['id']}") == [] and ids("other_worker", f"?service={mine['id']}") == []
    assert ids("customer", f"?service={mine['id']}") == [given["id"]]
    world.client("admin").get(f"{FEEDBACKS}?service=x", expect=400)
    world.client(None).get(FEEDBACKS, expect=401)
