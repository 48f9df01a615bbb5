"""Settings, validated once at start-up, per product: a pydantic model read from the environment.

Each Chalice stage sets the environment in `.chalice/config.json`; the embedded stack and the tests
set it before the app is built. `AWS_ENDPOINT_URL` (read by botocore itself) is the only switch
between AWS and the local emulation. Variables are `CRM_<FIELD>` (the Cognito ones and the region
keep their own names: a field's `validation_alias` choices, first found wins), matched without
regard to case; an empty variable means "the default". Values reach the model as the strings they
are (pydantic's lax mode reads numbers and booleans); a field of several values splits its string
in a `mode="before"` validator, as `cors_origins` does.

This was pydantic-settings' `BaseSettings` with the same rules. Its import (~45 ms: every source
provider, argparse, asyncio, dotenv) was the biggest single cost of a cold `import app`, and the
one source used here, the environment, is the twenty lines of `environment_values` below.

A product extends `Settings` with its own fields (RepaySync: `RepaySyncSettings`, its registration
limits) and names the class in its package (`settings_class()`); the app is built with one instance,
validated before anything else, so a bad value stops the build with a message that names the
variable (`SettingsError`).

Several products can live in one process (tests build them side by side): the instance a product was
built with is made current around everything that runs for it (its routes, authorizer, consumers,
schedules: `using_settings`), and `get_settings()` answers the current one, else the process's
(read from the environment once).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, Literal, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

ENV_PREFIX = "CRM_"


class SettingsError(ValueError):
    """A setting the environment (or the caller) got wrong; the message names the variable."""


class Settings(BaseModel):
    """What every product reads. Derived names (bucket, queues, issuer, secret) follow the stage and
    product unless the stage sets them."""

    # defer_build: a product validates its own subclass (at start-up); this base's validator is built
    # only if something reads the base settings themselves
    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True, defer_build=True)

    product: str = Field("repaysync", pattern=r"^[a-z][a-z0-9-]*$")
    stage: str = Field("dev", pattern=r"^[A-Za-z0-9-]+$")
    region: str = Field("us-east-1", validation_alias=AliasChoices("AWS_DEFAULT_REGION", "AWS_REGION", "region"))
    table_prefix: str | None = None  # default "<stage>-"
    bucket: str = ""  # default crm-<stage>-<product>
    uploads_queue: str = ""  # default <prefix><product>-uploads (also otp, assignment)
    otp_queue: str = ""
    assignment_queue: str = ""
    cors_origins: tuple[str, ...] = ()  # comma-separated
    jwt_issuer: str = ""  # default https://auth.crm.local/<stage>/<product>
    jwt_client_id: str = ""  # default <product>-web
    signing_key_secret: str = ""  # default <prefix><product>-jwt-signing-key
    access_ttl_minutes: PositiveInt | None = None  # None: the product's own lifetime
    refresh_ttl_minutes: PositiveInt | None = None
    cognito_issuer: str = Field("", validation_alias=AliasChoices("COGNITO_ISSUER", "cognito_issuer"))
    cognito_jwks_url: str = Field("", validation_alias=AliasChoices("COGNITO_JWKS_URL", "cognito_jwks_url"))
    cognito_client_id: str = Field("", validation_alias=AliasChoices("COGNITO_CLIENT_ID", "cognito_client_id"))
    lockout_max_failures: PositiveInt = 5
    lockout_minutes: PositiveInt = 15
    lockout_user_ceiling: PositiveInt = 50  # failures per username (all addresses) before attempts are spaced out
    lockout_user_window_minutes: PositiveInt = 24 * 60
    lockout_backoff_seconds: PositiveInt = 2  # first delay past the ceiling; doubles with every further attempt
    lockout_backoff_max_seconds: PositiveInt = 300
    max_body_bytes: PositiveInt = 6 * 1024 * 1024
    sync_import_max_rows: PositiveInt = 5000  # rows an API upload imports synchronously; bigger ones via presign
    xlsx_max_uncompressed_bytes: PositiveInt = 100 * 1024 * 1024  # an uploaded workbook's inflated size (413)
    xlsx_max_ratio: PositiveInt = 200  # compression ratio past which a large member is a zip bomb
    audit_retention_days: PositiveInt = 90
    # which engine reads uploaded documents (core/ocr/engines.py): Textract in AWS, offline elsewhere
    ocr_engine: Literal["textract", "rapidocr"] = Field(
        "textract", validation_alias=AliasChoices("CRM_OCR_ENGINE", "OCR_ENGINE", "ocr_engine"))
    log_payload_chars: PositiveInt = 2000

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value

    @model_validator(mode="after")
    def _derive_names(self) -> Settings:
        if self.table_prefix is None:
            self.table_prefix = f"{self.stage}-"
        base = f"{self.table_prefix}{self.product}"
        self.bucket = self.bucket or f"crm-{self.stage}-{self.product}"
        self.uploads_queue = self.uploads_queue or f"{base}-uploads"
        self.otp_queue = self.otp_queue or f"{base}-otp"
        self.assignment_queue = self.assignment_queue or f"{base}-assignment"
        self.jwt_issuer = self.jwt_issuer or f"https://auth.crm.local/{self.stage}/{self.product}"
        self.jwt_client_id = self.jwt_client_id or f"{self.product}-web"
        self.signing_key_secret = self.signing_key_secret or f"{base}-jwt-signing-key"
        return self

    def table_name(self, entity: str) -> str:
        """`<prefix><product>-<entity>`, the one naming rule for every table."""
        return f"{self.table_prefix}{self.product}-{entity}"

    def queue_name(self, queue: str) -> str:
        """The stage's name of queue `queue`: a variable `CRM_<KEY>_QUEUE` for the standard ones,
        else `<prefix><product>-<key>`."""
        named = {"uploads": self.uploads_queue, "otp": self.otp_queue, "assignment": self.assignment_queue}
        return named.get(queue) or f"{self.table_prefix}{self.product}-{queue}"


S = TypeVar("S", bound=Settings)


def variable_names(cls: type[Settings], field_name: str) -> list[str]:
    """The environment variables that may set `field_name`, in order of precedence."""
    field = cls.model_fields.get(field_name)
    alias = field.validation_alias if field is not None else None
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    if isinstance(alias, str):
        return [alias]
    return [f"{ENV_PREFIX}{field_name.upper()}"]


def variable_name(cls: type[Settings], field_name: str) -> str:
    """The environment variable that sets `field_name` (what an operator must fix)."""
    return variable_names(cls, field_name)[0]


def environment_values(cls: type[Settings]) -> dict[str, str]:
    """Each field of `cls` set by a non-empty variable, by field name (names matched without case)."""
    environ = {name.upper(): value for name, value in os.environ.items() if value != ""}
    values: dict[str, str] = {}
    for field_name in cls.model_fields:
        found = next((environ[name.upper()] for name in variable_names(cls, field_name) if name.upper() in environ),
                     None)
        if found is not None:
            values[field_name] = found
    return values


def load_settings(cls: type[S] = Settings, **overrides: Any) -> S:  # type: ignore[assignment]
    """`cls` from the environment (`overrides` win), or a SettingsError naming each bad variable."""
    try:
        return cls.model_validate({**environment_values(cls), **overrides})
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            field_name = str(error["loc"][0]) if error.get("loc") else ""
            problems.append(f"{variable_name(cls, field_name)}={error.get('input')!r}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None


# What is current: a Settings instance, or a source that reads the environment (cached until
# reset_settings(), so a test that changes the environment sees the change in an app built before it).
SettingsSource = Settings | Callable[[], Settings]
_current: ContextVar[SettingsSource | None] = ContextVar("crm_settings", default=None)


@contextmanager
def using_settings(settings: SettingsSource | None) -> Iterator[None]:
    """Make `settings` current for the block (None: leave the current ones)."""
    if settings is None:
        yield
        return
    token = _current.set(settings)
    try:
        yield
    finally:
        _current.reset(token)


def _resolve(source: SettingsSource | None) -> Settings | None:
    return source() if callable(source) else source


def get_settings() -> Settings:
    """The settings of the product running now, else the process's (from the environment)."""
    current = _resolve(_current.get())
    return current if current is not None else _process_settings(Settings, ())


def current_settings(cls: type[S]) -> S:
    """The current settings as the product's own class `cls` (read from the environment when the
    current ones are not of that class, e.g. product code called outside a request in a test)."""
    current = _resolve(_current.get())
    if isinstance(current, cls):
        return current
    return _process_settings(cls, ())


def environment_settings(cls: type[S], **overrides: Any) -> Callable[[], S]:
    """A source of `cls` read from the environment (with `overrides`), validated once per
    `reset_settings()`; calling it raises SettingsError when a value is bad."""
    key = tuple(sorted(overrides.items()))
    return lambda: _process_settings(cls, key)


@cache
def _process_settings(cls: type[S], overrides: tuple[tuple[str, Any], ...]) -> S:
    return load_settings(cls, **dict(overrides))


def reset_settings() -> None:
    """Forget the settings read from the environment (tests change it between cases)."""
    _process_settings.cache_clear()
