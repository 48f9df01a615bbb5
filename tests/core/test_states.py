"""State machines through HTTP: a small ticket model whose moves go through core.states.

open --start--> working --finish--> done;  open|working --cancel--> cancelled;  done --reopen--> open
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel as Schema
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.core.db.base import BaseModel, meta
from tests.core.conftest import PRODUCT, CoreApp, User, install_signing_key, session_signing_key

TRANSITIONS = {"start": {"open": "working"}, "finish": {"working": "done"},
               "cancel": {"open": "cancelled", "working": "cancelled"}, "reopen": {"done": "open"}}


class Ticket(BaseModel):
    Meta = meta("coretest-tickets", PRODUCT)
    id = NumberAttribute(hash_key=True)
    title = UnicodeAttribute()
    status = UnicodeAttribute(default="open")
    closed_by = UnicodeAttribute(null=True)


class MoveIn(Schema):
    action: str
    version: int  # the version the client read: a move on a stale read loses with 409
    note: str | None = None


@pytest.fixture()
def tickets(aws_mock, monkeypatch) -> Any:
    from chalice import Chalice
    from chalice.test import Client

    from chalicelib.core.api import Api, Call, Reply
    from chalicelib.core.auth import authorizer as authorizer_module
    from chalicelib.core.auth.authorizer import product_tokens, register_authorizer
    from chalicelib.core.auth.keys import keyring
    from chalicelib.core.auth.principal import Principal
    from chalicelib.core.auth.store import revocation_model
    from chalicelib.core.db.tables import ensure_tables
    from chalicelib.core.errors import NotFound, render_error_or_errors
    from chalicelib.core.product import Product
    from chalicelib.core.states import StateMachine, history_model
    from local.gateway import install

    aws_mock.reset()
    install()
    install_signing_key()
    if keyring._loaded != [session_signing_key()]:
        keyring.forget()
    monkeypatch.delitem(authorizer_module._services, PRODUCT, raising=False)
    users = {"alice": User("1", "alice", frozenset({"calling_agent"}))}
    machine = StateMachine("ticket", TRANSITIONS)
    history = history_model(PRODUCT)
    api = Api(PRODUCT, render_error_or_errors, title="state machine test")

    def resolve_user(claims: dict[str, Any]) -> Principal | None:
        user = next((u for u in users.values() if u.sub == claims["sub"]), None)
        return None if user is None else Principal(subject=user.sub, username=user.username, roles=user.roles)

    product = Product(slug=PRODUCT, api=api, roles=("calling_agent",), admin_role="calling_agent",
                      resolve_user=resolve_user, models=[Ticket, history, revocation_model(PRODUCT)])

    def render(ticket: Ticket) -> dict[str, Any]:
        return {"id": ticket.id, "status": ticket.status, "version": ticket.version,
                "actions": sorted(machine.actions_from(ticket.status))}

    def load(ticket_id: int) -> Ticket:
        try:
            return Ticket.get(ticket_id, consistent_read=True)
        except Ticket.DoesNotExist as exc:
            raise NotFound() from exc

    @api.route("/api/tickets/{id:int}/", ["PUT"], status=201)
    def create(call: Call) -> dict[str, Any]:
        ticket = Ticket(call.path["id"], title="t")
        ticket.save(condition=Ticket.id.does_not_exist())
        return render(ticket)

    @api.route("/api/tickets/{id:int}/move/", ["POST"], request=MoveIn)
    def move(call: Call) -> dict[str, Any]:
        body: MoveIn = call.body
        ticket = load(call.path["id"])
        ticket.version = body.version
        also = [Ticket.closed_by.set(call.user.username)] if body.action in ("finish", "cancel") else []
        machine.move(ticket, body.action, call.user.username, history=history, note=body.note, also=also)
        return render(ticket)

    @api.route("/api/tickets/{id:int}/history/", ["GET"])
    def ticket_history(call: Call) -> Reply:
        return Reply([{"version": e.version, "action": e.action, "from": e.from_state, "to": e.to_state,
                       "actor": e.actor, "note": e.note, "at": e.at.isoformat()}
                      for e in machine.history(load(call.path["id"]), history)])

    ensure_tables(product.models)
    app = Chalice(app_name="crm-coretest-states")
    api.attach(app, register_authorizer(app, product))
    with Client(app) as client:
        yield CoreApp(app=app, client=client, product=product, tokens=product_tokens(product), users=users)


def _call(core: CoreApp, method: str, path: str, body: Any = None) -> Any:
    import json

    headers = core.auth(**{"Content-Type": "application/json"})
    return core.client.http.request(method, path, headers=headers, body=json.dumps(body).encode() if body else b"")


def test_moves_follow_the_table_and_write_their_history(tickets):
    created = _call(tickets, "PUT", "/api/tickets/1/").json_body
    assert created == {"id": 1, "status": "open", "version": 1, "actions": ["cancel", "start"]}
    started = _call(tickets, "POST", "/api/tickets/1/move/", {"action": "start", "version": 1, "note": "on it"})
    assert started.status_code == 200
    assert started.json_body == {"id": 1, "status": "working", "version": 2, "actions": ["cancel", "finish"]}
    done = _call(tickets, "POST", "/api/tickets/1/move/", {"action": "finish", "version": 2}).json_body
    assert done["status"] == "done" and done["version"] == 3
    from chalicelib.core.db.base import utcnow

    stored = Ticket.get(1, consistent_read=True)
    assert (stored.status, stored.version, stored.closed_by) == ("done", 3, "alice")  # `also` in the same write
    assert stored.updated_at <= utcnow()
    history = _call(tickets, "GET", "/api/tickets/1/history/").json_body
    assert [(h["version"], h["action"], h["from"], h["to"], h["actor"], h["note"]) for h in history] == [
        (2, "start", "open", "working", "alice", "on it"), (3, "finish", "working", "done", "alice", None)]
    assert all(h["at"].endswith("+00:00") for h in history)


def test_an_illegal_move_is_409_and_an_unknown_action_400_and_neither_writes(tickets):
    _call(tickets, "PUT", "/api/tickets/2/")
    illegal = _call(tickets, "POST", "/api/tickets/2/move/", {"action": "finish", "version": 1})
    assert illegal.status_code == 409 and illegal.json_body == {"error": "Cannot finish a ticket that is open."}
    unknown = _call(tickets, "POST", "/api/tickets/2/move/", {"action": "explode", "version": 1})
    assert unknown.status_code == 400 and "action" in unknown.json_body["errors"]
    assert _call(tickets, "GET", "/api/tickets/2/history/").json_body == []
    stored = Ticket.get(2, consistent_read=True)
    assert (stored.status, stored.version) == ("open", 1)


def test_two_racing_moves_from_one_state_one_wins_the_other_is_409_and_history_is_whole(tickets):
    """Both clients read version 1 (open); one cancels, one starts. Exactly one commits."""
    _call(tickets, "PUT", "/api/tickets/3/")
    first = _call(tickets, "POST", "/api/tickets/3/move/", {"action": "cancel", "version": 1})
    second = _call(tickets, "POST", "/api/tickets/3/move/", {"action": "start", "version": 1})
    assert (first.status_code, second.status_code) == (200, 409)
    history = _call(tickets, "GET", "/api/tickets/3/history/").json_body
    assert [(h["version"], h["action"]) for h in history] == [(2, "cancel")]
    assert Ticket.get(3, consistent_read=True).status == "cancelled"


def test_a_move_on_a_record_read_before_another_move_loses_whole(tickets):
    """The race without HTTP: two copies read in the same state; the second's status condition,
    version condition and history key all refuse, and its history item is not written."""
    from chalicelib.core.errors import Conflict
    from chalicelib.core.states import StateMachine, history_model

    _call(tickets, "PUT", "/api/tickets/4/")
    machine, history = StateMachine("ticket", TRANSITIONS), history_model(PRODUCT)
    mine, theirs = Ticket.get(4, consistent_read=True), Ticket.get(4, consistent_read=True)
    machine.move(mine, "start", "alice", history=history)
    with pytest.raises(Conflict):
        machine.move(theirs, "start", "bob", history=history)
    assert [(h.version, h.actor) for h in machine.history(mine, history)] == [(2, "alice")]
    machine.move(mine, "finish", "alice", history=history)
    machine.move(mine, "reopen", "alice", history=history)  # a cycle: history keeps every pass
    assert [h.to_state for h in machine.history(mine, history)] == ["working", "done", "open"]
    assert Ticket.get(4, consistent_read=True).version == mine.version == 4


def test_a_table_needs_a_start_state_for_every_action():
    from chalicelib.core.states import StateMachine

    with pytest.raises(ValueError):
        StateMachine("ticket", {"start": {}})
    assert StateMachine("ticket", TRANSITIONS).states == {"open", "working", "done", "cancelled"}


def test_a_move_writes_its_steps_in_the_same_transaction_or_nothing(tickets):
    """`steps` join the move's transaction: a record the move creates is written with it, and a step
    whose condition fails cancels the move and its history, raising that step's error."""
    from chalicelib.core.db import txn
    from chalicelib.core.errors import ValidationFailed
    from chalicelib.core.states import StateMachine, history_model

    machine, history = StateMachine("ticket", TRANSITIONS), history_model(PRODUCT)
    _call(tickets, "PUT", "/api/tickets/5/")
    _call(tickets, "PUT", "/api/tickets/6/")
    ticket = Ticket.get(5, consistent_read=True)
    follow_up = Ticket(50, title="follow-up of 5")
    machine.move(ticket, "start", "alice", history=history,
                 steps=[txn.put(follow_up, condition=Ticket.id.does_not_exist())])
    assert Ticket.get(50, consistent_read=True).title == "follow-up of 5"
    other = Ticket.get(6, consistent_read=True)
    refused = ValidationFailed({"follow_up": ["Ticket 50 exists already."]})
    with pytest.raises(ValidationFailed) as error:
        machine.move(other, "start", "alice", history=history,
                     steps=[txn.put(Ticket(50, title="again"), condition=Ticket.id.does_not_exist(), error=refused)])
    assert error.value.field_errors == {"follow_up": ["Ticket 50 exists already."]}
    stored = Ticket.get(6, consistent_read=True)
    assert (stored.status, stored.version) == ("open", 1) and machine.history(stored, history) == []
    assert Ticket.get(50, consistent_read=True).title == "follow-up of 5"
