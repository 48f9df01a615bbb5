"""JSON calls through Chalice's test client, as a role or anonymous, asserting the status.

    http.get("/api/users/", expect=200)                   # fails with the response body in the message
    http.as_(token).post("/api/loans/", body, expect=201)
    admin = http.login("/api/auth/token/", username="admin", password="...")   # a real login
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any


class UnexpectedStatus(AssertionError):
    """A call answered another status than the test expected."""


def describe(response: Any, limit: int = 2000) -> str:
    """A response's status and body, short enough for a failure message."""
    body = response.body
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return f"{response.status_code} {text[:limit]}"


@dataclass
class Http:
    """Calls through `client.http` (Chalice's test client); `headers` go with every call."""

    client: Any
    headers: dict[str, str] = field(default_factory=dict)

    def as_(self, token: str | None) -> Http:
        """The same client calling with this bearer token (None: without one)."""
        headers = {name: value for name, value in self.headers.items() if name.lower() != "authorization"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return replace(self, headers=headers)

    def login(self, path: str, token_field: str = "access", **credentials: Any) -> Http:
        """Log in through the product's own login route and call as that user from then on."""
        response = self.as_(None).post(path, credentials, expect=200)
        return self.as_(response.json_body[token_field])

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, *,
             expect: int | None = None, data: bytes | None = None) -> Any:
        """`body` is sent as JSON; `data` as raw bytes (with a Content-Type in `headers`). With `expect`,
        any other status fails the test, showing the body."""
        sent = {**self.headers, **(headers or {})}
        if data is None:
            data = b""
            if body is not None:
                data = json.dumps(body).encode()
                sent.setdefault("Content-Type", "application/json")
        response = self.client.http.request(method, path, headers=sent, body=data)
        if expect is not None and response.status_code != expect:
            raise UnexpectedStatus(f"{method} {path}: expected {expect}, got {describe(response)}")
        return response

    def get(self, path: str, headers: dict[str, str] | None = None, *, expect: int | None = None) -> Any:
        return self.call("GET", path, headers=headers, expect=expect)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None, *,
             expect: int | None = None) -> Any:
        return self.call("POST", path, body, headers, expect=expect)

    def put(self, path: str, body: Any = None, headers: dict[str, str] | None = None, *,
            expect: int | None = None) -> Any:
        return self.call("PUT", path, body, headers, expect=expect)

    def patch(self, path: str, body: Any = None, headers: dict[str, str] | None = None, *,
              expect: int | None = None) -> Any:
        return self.call("PATCH", path, body, headers, expect=expect)

    def delete(self, path: str, headers: dict[str, str] | None = None, *, expect: int | None = None) -> Any:
        return self.call("DELETE", path, headers=headers, expect=expect)
