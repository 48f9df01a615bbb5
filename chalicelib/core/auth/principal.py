"""Who is calling: built from the authorizer's context, never from the request body."""

from __future__ import annotations

from typing import Any

from chalicelib.core.records import Record


class Principal(Record, frozen=True):
    subject: str
    username: str
    roles: frozenset[str]
    issuer: str = ""

    def has_any(self, roles: frozenset[str] | set[str] | None) -> bool:
        return roles is None or bool(self.roles & set(roles))

    @property
    def user_id(self) -> int | None:
        """Integer id of our own users (`sub`); None for a foreign (Cognito) subject."""
        return int(self.subject) if self.subject.isdigit() else None

    def to_context(self) -> dict[str, str]:
        """Authorizer context: API Gateway only carries flat string values."""
        return {"sub": self.subject, "username": self.username, "groups": ",".join(sorted(self.roles)),
                "iss": self.issuer}

    @classmethod
    def from_context(cls, context: dict[str, Any] | None) -> Principal | None:
        if not context or not context.get("sub"):
            return None
        groups = str(context.get("groups") or "")
        return cls(subject=str(context["sub"]), username=str(context.get("username") or ""),
                   roles=frozenset(g for g in groups.split(",") if g), issuer=str(context.get("iss") or ""))
