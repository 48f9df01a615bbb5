"""Field and calling interactions: who creates, scoping, type separation, edits, order."""

from __future__ import annotations

FIELDS = {"id", "loan", "comment", "disposition", "timestamp", "next_call_date", "created_by", "interaction_type"}


def _create(world, kind, who, loan, **extra):
    body = {"loan": loan, "comment": "Visited customer; discussed repayment plan.", "disposition": "visited",
            "next_call_date": "2025-03-15", **extra}
    return world.http.post(f"/api/interactions/{kind}/create/", body, world.as_(who))


def test_field_interaction_by_officer(world):
    loan = world.loans["officer"].id
    response = _create(world, "field", "officer", loan, interaction_type="calling", created_by=1)
    assert response.status_code == 201
    body = response.json_body
    assert set(body) == FIELDS
    assert body["interaction_type"] == "field" and body["created_by"] == world.users["officer"].id
    assert body["timestamp"].endswith("Z") and body["next_call_date"] == "2025-03-15"


def test_who_creates_what(world):
    loan = world.loans["officer"].id
    assert _create(world, "field", "agent", loan).status_code == 403
    assert _create(world, "calling", "officer", loan).status_code == 403
    for who in ("manager", "admin"):
        assert _create(world, "field", who, loan).status_code == 201
        assert _create(world, "calling", who, loan, disposition="called").status_code == 201
    calling = _create(world, "calling", "agent", loan, disposition="promise_to_pay")
    assert calling.status_code == 201 and calling.json_body["interaction_type"] == "calling"
    anonymous = world.http.post("/api/interactions/field/create/", {"loan": loan, "disposition": "visited"})
    assert anonymous.status_code == 401


def test_officer_only_on_loans_in_scope(world):
    other_loan = world.loans["other_officer"].id
    response = _create(world, "field", "officer", other_loan)
    assert response.status_code == 400 and "loan" in response.json_body["errors"]
    assert _create(world, "field", "admin", 999).status_code == 400


def test_validation(world):
    loan = world.loans["officer"].id
    bad = _create(world, "field", "officer", loan, disposition="shouted", next_call_date="soon")
    assert bad.status_code == 400 and set(bad.json_body["errors"]) == {"disposition", "next_call_date"}
    missing = world.http.post("/api/interactions/field/create/", {}, world.as_("officer"))
    assert set(missing.json_body["errors"]) == {"loan", "disposition"}


def test_types_are_separate_and_lists_newest_first(world):
    loan = world.loans["officer"].id
    field_ids = [_create(world, "field", "officer", loan, comment=f"visit {i}").json_body["id"] for i in range(3)]
    call_id = _create(world, "calling", "agent", loan, disposition="called").json_body["id"]
    assert world.http.get(f"/api/interactions/calling/{field_ids[0]}/", world.as_("admin")).status_code == 404
    assert world.http.get(f"/api/interactions/field/{call_id}/", world.as_("admin")).status_code == 404
    assert world.http.patch(f"/api/interactions/calling/{field_ids[0]}/", {"comment": "x"},
                            world.as_("admin")).status_code == 404
    listed = world.http.get(f"/api/interactions/field/loan/{loan}/", world.as_("agent"))
    assert listed.status_code == 200 and [i["id"] for i in listed.json_body] == field_ids[::-1]
    calls = world.http.get(f"/api/interactions/calling/loan/{loan}/", world.as_("officer")).json_body
    assert [i["id"] for i in calls] == [call_id]
    paged = world.http.get(f"/api/interactions/field/loan/{loan}/?page_size=2", world.as_("admin"))
    assert len(paged.json_body) == 2 and paged.headers["X-Next-Cursor"]
    rest = world.http.get(f"/api/interactions/field/loan/{loan}/?page_size=2&cursor={paged.headers['X-Next-Cursor']}",
                          world.as_("admin"))
    assert [i["id"] for i in rest.json_body] == [field_ids[0]]


def test_scoping_of_reads(world):
    theirs = _create(world, "field", "other_officer", world.loans["other_officer"].id).json_body["id"]
    assert world.http.get(f"/api/interactions/field/{theirs}/", world.as_("officer")).status_code == 404
    assert world.http.get(f"/api/interactions/field/{theirs}/", world.as_("agent")).status_code == 200
    other_loan = world.loans["other_officer"].id
    assert world.http.get(f"/api/interactions/field/loan/{other_loan}/", world.as_("officer")).status_code == 404
    assert world.http.get("/api/interactions/field/loan/999/", world.as_("admin")).status_code == 404
    assert world.http.get(f"/api/interactions/field/{theirs}/").status_code == 401


def test_edit_and_delete_rules(world):
    loan = world.loans["officer"].id
    mine = _create(world, "field", "officer", loan).json_body["id"]
    path = f"/api/interactions/field/{mine}/"
    patched = world.http.patch(path, {"disposition": "promise_to_pay", "loan": 999}, world.as_("officer"))
    assert patched.status_code == 200
    assert patched.json_body["disposition"] == "promise_to_pay" and patched.json_body["loan"] == loan
    assert patched.json_body["comment"] == "Visited customer; discussed repayment plan."
    put = world.http.put(path, {"disposition": "visited", "comment": "Replaced"}, world.as_("manager"))
    assert put.status_code == 200 and put.json_body["next_call_date"] is None and put.json_body["comment"] == "Replaced"
    assert world.http.put(path, {"comment": "no disposition"}, world.as_("admin")).status_code == 400
    assert world.http.patch(path, {"disposition": None}, world.as_("admin")).status_code == 400
    assert world.http.patch(path, {"disposition": "nope"}, world.as_("admin")).status_code == 400
    # the agent can read it but did not write it
    assert world.http.get(path, world.as_("agent")).status_code == 200
    assert world.http.patch(path, {"comment": "x"}, world.as_("agent")).status_code == 403
    assert world.http.delete(path, world.as_("agent")).status_code == 403
    assert world.http.delete(path, world.as_("other_officer")).status_code == 404
    assert world.http.delete(path).status_code == 401
    assert world.http.delete(path, world.as_("officer")).status_code == 200
    assert world.http.get(path, world.as_("officer")).status_code == 404
    call = _create(world, "calling", "agent", loan, disposition="called").json_body["id"]
    assert world.http.delete(f"/api/interactions/calling/{call}/", world.as_("admin")).status_code == 200
