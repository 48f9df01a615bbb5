"""GET /api/countries/: the seeded ISO 3166-1 countries as a DRF page object."""

from __future__ import annotations

from tests.revisbali.conftest import INDONESIA


def test_countries_are_the_iso_list_in_pages(world):
    agent = world.client("agent")
    first = agent.get("/api/countries/?pageSize=100", expect=200).json_body
    assert first["count"] == 249 and first["previous"] is None and len(first["results"]) == 100
    assert first["results"][0] == {"id": 20, "name": "Andorra", "code": "AD"}
    assert first["next"].startswith("http") and "page=2" in first["next"]
    codes = [row["code"] for row in first["results"]]
    assert codes == sorted(codes)
    third = agent.get("/api/countries/?page=3&pageSize=100", expect=200).json_body
    assert len(third["results"]) == 49 and third["next"] is None and "page=2" in third["previous"]
    assert {"id": INDONESIA, "name": "Indonesia", "code": "ID"} in agent.get(
        "/api/countries/?page=2&pageSize=100", expect=200).json_body["results"]


def test_countries_refuse_bad_paging(world):
    admin = world.client("admin")
    assert admin.get("/api/countries/?pageSize=101", expect=400).json_body["code"] == "validation_error"
    admin.get("/api/countries/?page=0", expect=400)
    assert admin.get("/api/countries/?page=99", expect=404).json_body == {
        "code": "not_found", "errors": {"detail": "Invalid page."}}
