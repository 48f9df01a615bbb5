"""A small test product built only from chalicelib.core: the platform is proved without RepaySync's code.

`core_app` builds a fresh Chalice app with an `Api("repaysync", render_error_or_errors)` holding a
public route, an any-user route, a role-restricted route, a notes resource (pydantic body, integer
id, unique title, versioned record), the core auth flows (login, refresh, logout, me, change password)
on an in-memory user store, and an optional-auth route, behind the real authorizer. Every test starts from
the same freshly deployed state (its tables and signing key), restored from a snapshot (tests/kit/stage.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum, StrEnum
from functools import cache
from typing import Any

import pytest
from pydantic import BaseModel as Schema
from pydantic import Field
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.core.auth.keys import generate_key as _generate_key  # the real one, before any patch
from chalicelib.core.db.base import BaseModel, meta

PRODUCT = "repaysync"
ORIGIN = "http://localhost:3000"  # allowed by tests/conftest.py's CRM_CORS_ORIGINS
GOOD_PASSWORD = "s3cret-pass"


class Note(BaseModel):
    """A versioned record of the test product."""

    Meta = meta("coretest-notes", PRODUCT)
    id = NumberAttribute(hash_key=True)
    title = UnicodeAttribute()
    amount = UnicodeAttribute(null=True)


class NoteIn(Schema):
    title: str = Field(min_length=1, max_length=50)
    amount: Decimal | None = None
    pages: int = 1


class NoteUpdate(Schema):
    title: str = Field(min_length=1, max_length=50)
    version: int


class Line(Schema):
    item: str
    quantity: int


class Kind(StrEnum):
    PLAIN = "plain"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class FormTypesIn(Schema):
    """One field of each kind a form must carry as text (core/formtext.py)."""

    active: bool
    count: int
    ratio: float | None = None
    tags: list[str] = Field(default=[], max_length=3)
    ids: list[int] = []
    owner: int | None = None
    note: str | None = None
    kind: Kind = Kind.PLAIN
    level: Level = Level.LOW


class FormLinesIn(FormTypesIn):
    """...and a list of objects, which only JSON or a multipart JSON part carries."""

    lines: list[Line] = []


class LoginIn(Schema):
    username: str
    password: str


class RefreshIn(Schema):
    refresh: str


class PasswordChangeIn(Schema):
    old_password: str
    new_password: str = Field(min_length=8)


@cache
def password_hash() -> str:
    from chalicelib.core.auth.passwords import hash_password

    return hash_password(GOOD_PASSWORD)


@dataclass
class User:
    sub: str
    username: str
    roles: frozenset[str]
    active: bool = True
    email: str = ""
    hash: str | None = None  # None: GOOD_PASSWORD's (see password_hash)
    valid_after: Any = None


@dataclass
class UserStore:
    """The test product's core.auth.flows.UserStore: users in a dict, logging in by username or email."""

    users: dict[str, User]
    login_field: str = "username"

    def find_for_login(self, identifier: str) -> User | None:
        key = identifier.strip().lower()
        return next((u for u in self.users.values() if getattr(u, self.login_field).lower() == key), None)

    def find_by_subject(self, subject: str) -> User | None:
        return next((u for u in self.users.values() if u.sub == subject), None)

    def password_hash(self, user: User) -> str | None:
        return user.hash or password_hash()

    def can_log_in(self, user: User) -> bool:
        return user.active

    def principal_of(self, user: User) -> Any:
        from chalicelib.core.auth.principal import Principal

        return Principal(subject=user.sub, username=user.username, roles=user.roles)

    def tokens_valid_after(self, user: User) -> Any:
        return user.valid_after

    def set_password(self, user: User, new_hash: str, changed_at: Any) -> None:
        user.hash, user.valid_after = new_hash, changed_at


@dataclass
class CoreApp:
    app: Any
    client: Any
    product: Any
    tokens: Any
    users: dict[str, User] = field(default_factory=dict)

    def token(self, sub: str = "1", username: str = "alice", roles: tuple[str, ...] = ("calling_agent",)) -> str:
        from chalicelib.core.auth.principal import Principal

        return self.tokens.issue(Principal(subject=sub, username=username, roles=frozenset(roles))).access

    def auth(self, token: str | None = None, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token()}", **extra}


def build_product(users: dict[str, User]) -> tuple[Any, Any]:
    """The test product: its Api, routes and tables."""
    from chalicelib.core.api import Api, Call, Reply
    from chalicelib.core.auth.flows import AuthFlows
    from chalicelib.core.auth.principal import Principal
    from chalicelib.core.auth.store import login_attempts_model, revocation_model
    from chalicelib.core.db import txn
    from chalicelib.core.db.counters import IdSequence, counter_model
    from chalicelib.core.db.unique import Guard, unique_model
    from chalicelib.core.errors import NotFound, render_error_or_errors
    from chalicelib.core.product import Product

    grants = {"manager": {"reports.view"}}  # a stand-in for a roles/permissions table

    def permissions(principal: Principal, permission: str) -> bool:
        return any(permission in grants.get(role, set()) for role in principal.roles)

    api = Api(PRODUCT, render_error_or_errors, title="core test product", permissions=permissions)
    ids = IdSequence(counter_model(PRODUCT), "coretest-notes")
    guards = unique_model(PRODUCT)

    store = UserStore(users)
    flows = AuthFlows(PRODUCT, store)
    product = Product(slug=PRODUCT, api=api, roles=("calling_agent", "collection_officer", "manager", "admin"),
                      admin_role="admin", resolve_user=flows.resolve,
                      models=[Note, counter_model(PRODUCT), unique_model(PRODUCT), revocation_model(PRODUCT),
                              login_attempts_model(PRODUCT)])

    def title_guard(title: str) -> Guard:
        return Guard("note", "title", title, "A note with this title already exists.")

    def render(note: Note) -> dict[str, Any]:
        return {"id": note.id, "title": note.title, "amount": note.amount, "version": note.version}

    def load(note_id: int) -> Note:
        try:
            return Note.get(note_id)
        except Note.DoesNotExist as exc:
            raise NotFound() from exc

    @api.route("/api/reports/", ["GET"], permission="reports.view")
    def reports(call: Call) -> dict[str, Any]:
        return {"reports": []}

    @api.route("/api/ping/", ["GET"], public=True)
    def ping(call: Call) -> dict[str, Any]:
        return {"ok": True}

    @api.route("/api/boom/", ["GET"], public=True)
    def boom(call: Call) -> None:
        raise RuntimeError("secret internals: db password is hunter2")

    @api.route("/api/me/", ["GET"])
    def me(call: Call) -> dict[str, Any]:
        return {"sub": call.user.subject, "username": call.user.username, "roles": sorted(call.user.roles),
                "iss": call.user.issuer}

    @api.route("/api/admin-only/", ["GET"], roles={"admin", "manager"})
    def admin_only(call: Call) -> dict[str, Any]:
        return {"ok": True}

    @api.route("/api/notes/", ["POST"], request=NoteIn, status=201, roles={"calling_agent", "admin"})
    def create_note(call: Call) -> Reply:
        body: NoteIn = call.body
        note = Note(ids.next(), title=body.title, amount=None if body.amount is None else str(body.amount))
        txn.run(guards, [txn.put(note, condition=Note.id.does_not_exist()),
                         txn.claim(guards, title_guard(body.title), f"note#{note.id}")])
        files = {name: {"filename": f.filename, "content_type": f.content_type, "size": len(f.data),
                        "text": f.data.decode("utf-8", "replace")}
                 for name, f in call.parsed.files.items()}
        return Reply({**render(note), "pages": body.pages, "files": files}, headers={"X-Note": str(note.id)})

    @api.route("/api/forms/", ["POST"], request=FormTypesIn, roles={"calling_agent", "admin"})
    def echo_form(call: Call) -> dict[str, Any]:
        return call.body.model_dump(mode="json")

    @api.route("/api/forms/lines/", ["POST"], request=FormLinesIn, roles={"calling_agent", "admin"})
    def echo_lines(call: Call) -> dict[str, Any]:
        return call.body.model_dump(mode="json")

    @api.route("/api/notes/{id:int}/", ["GET"])
    def get_note(call: Call) -> dict[str, Any]:
        return render(load(call.path["id"]))

    @api.route("/api/notes/{id:int}/", ["PUT"], request=NoteUpdate)
    def update_note(call: Call) -> dict[str, Any]:
        body: NoteUpdate = call.body
        note = load(call.path["id"])
        old_title = note.title
        note.version = body.version  # the version the client read: a stale one loses with 409
        note.title = body.title
        txn.run(guards, [txn.put(note), *txn.swap(guards, title_guard(old_title), title_guard(body.title),
                                                  f"note#{note.id}")])
        return render(note)

    @api.route("/api/notes/{id:int}/", ["DELETE"], status=204)
    def delete_note(call: Call) -> None:
        note = load(call.path["id"])
        txn.run(guards, [txn.delete(note), txn.release(guards, title_guard(note.title))])

    @api.route("/api/token/", ["POST"], public=True, request=LoginIn)
    def login(call: Call) -> dict[str, str]:
        pair = flows.login(call.body.username, call.body.password, call.request)
        return {"access": pair.access, "refresh": pair.refresh}

    @api.route("/api/token/refresh/", ["POST"], public=True, request=RefreshIn)
    def refresh(call: Call) -> dict[str, str]:
        pair = flows.refresh(call.body.refresh)
        return {"access": pair.access, "refresh": pair.refresh}

    @api.route("/api/logout/", ["POST"], public=True, request=RefreshIn, status=204)
    def logout(call: Call) -> None:
        flows.logout(call.body.refresh)

    @api.route("/api/auth/me/", ["GET"])
    def whoami(call: Call) -> dict[str, Any]:
        user = flows.me(call.user)
        return {"sub": user.sub, "username": user.username, "email": user.email, "roles": sorted(user.roles)}

    @api.route("/api/auth/password/", ["POST"], request=PasswordChangeIn, errors=(429,))
    def change_password(call: Call) -> dict[str, str]:
        pair = flows.change_password(call.user, call.body.old_password, call.body.new_password, call.request)
        return {"access": pair.access, "refresh": pair.refresh}

    @api.route("/api/hello/", ["GET"], auth="optional")
    def hello(call: Call) -> dict[str, Any]:
        return {"caller": call.principal.username if call.principal else None}

    return api, product


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Settings are cached per process: forget them around each test (tests change the environment)."""
    from chalicelib.core.config import reset_settings

    reset_settings()
    yield
    reset_settings()


@cache
def spare_key(index: int) -> Any:
    """RSA keys made once per run (generating one costs up to half a second); 0 is the stage's."""
    return _generate_key()


def session_signing_key() -> Any:
    return spare_key(0)


@pytest.fixture()
def fast_keys(monkeypatch) -> None:
    """keyring.rotate() and other key makers take the run's spare keys in turn instead of new ones."""
    import itertools

    counter = itertools.count(1)
    monkeypatch.setattr("chalicelib.core.auth.keys.generate_key", lambda: spare_key(next(counter)))


@pytest.fixture()
def cheap_passwords(monkeypatch) -> str:
    """argon2 costs ~50 ms a check: tests about tokens and counting use a plain comparison."""
    import sys

    monkeypatch.setattr("chalicelib.core.auth.passwords.verify_password",
                        lambda stored, password: bool(stored) and password == GOOD_PASSWORD)
    monkeypatch.setattr(sys.modules[__name__], "password_hash", lambda: "not-an-argon2-hash")
    return GOOD_PASSWORD


def install_signing_key() -> None:
    """Store the session key as the stage's signing secret, as a deployed stage would have it."""
    from chalicelib.core import aws
    from chalicelib.core.auth.keys import secret_string
    from chalicelib.core.config import get_settings

    key = session_signing_key()
    aws.secrets().create_secret(Name=get_settings().signing_key_secret, SecretString=secret_string([key]))


@pytest.fixture()
def core_app(aws_mock, monkeypatch) -> Any:
    from chalice import Chalice
    from chalice.test import Client

    from chalicelib.core.app_factory import BINARY_TYPES
    from chalicelib.core.auth import authorizer as authorizer_module
    from chalicelib.core.auth.authorizer import product_tokens, register_authorizer
    from chalicelib.core.auth.jwks import register_jwks_route
    from chalicelib.core.auth.keys import keyring
    from chalicelib.core.config import get_settings
    from chalicelib.core.db.tables import ensure_tables
    from local.gateway import install
    from tests.kit.stage import restore

    install()
    # product_tokens() keeps one TokenService per slug: let this product's resolve_user be the one used
    monkeypatch.delitem(authorizer_module._services, PRODUCT, raising=False)

    users = {"alice": User("1", "alice", frozenset({"calling_agent"}), email="alice@example.com"),
             "boss": User("2", "boss", frozenset({"admin"}), email="boss@example.com")}
    api, product = build_product(users)

    def deploy() -> None:
        install_signing_key()
        ensure_tables(product.models)

    stage = get_settings().model_dump_json()  # a test that changed the settings gets its own snapshot
    restore(aws_mock, ("core_app", stage, tuple(model.Meta.table_name for model in product.models)), deploy)
    if keyring._loaded != [session_signing_key()]:  # parsing a PEM costs ~60 ms: keep it when unchanged
        keyring.forget()
    app = Chalice(app_name="crm-coretest")
    app.api.binary_types.extend(t for t in BINARY_TYPES if t not in app.api.binary_types)
    authorizer = register_authorizer(app, product)
    register_jwks_route(product)
    api.attach(app, authorizer)
    with Client(app) as client:
        yield CoreApp(app=app, client=client, product=product, tokens=product_tokens(product), users=users)
