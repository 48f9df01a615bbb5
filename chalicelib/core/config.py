"""Settings read once from the environment.

Each Chalice stage sets these in `.chalice/config.json`; the embedded stack and the tests set them
before the app is imported. `AWS_ENDPOINT_URL` (read by botocore itself) is the only switch between
AWS and the local emulation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def _list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    product: str
    stage: str
    region: str
    table_prefix: str
    bucket: str
    uploads_queue: str
    otp_queue: str
    assignment_queue: str
    cors_origins: tuple[str, ...]
    jwt_issuer: str
    jwt_client_id: str
    signing_key_secret: str
    access_ttl_minutes: int | None
    refresh_ttl_minutes: int | None
    cognito_issuer: str
    cognito_jwks_url: str
    cognito_client_id: str
    lockout_max_failures: int
    lockout_minutes: int
    lockout_user_ceiling: int  # failures per username (all addresses) before attempts are spaced out
    lockout_user_window_minutes: int
    lockout_backoff_seconds: int  # first delay past the ceiling; doubles with every further attempt
    lockout_backoff_max_seconds: int
    register_per_address: int  # public registrations per source address per window
    register_window_minutes: int
    max_body_bytes: int
    sync_import_max_rows: int  # rows an API upload may import synchronously; bigger files go through presign
    xlsx_max_uncompressed_bytes: int  # an uploaded workbook's inflated size, checked before parsing (413)
    xlsx_max_ratio: int  # compression ratio past which a large member is a zip bomb, not a spreadsheet
    audit_retention_days: int
    log_payload_chars: int

    def table_name(self, entity: str) -> str:
        """`<prefix><product>-<entity>`, the one naming rule for every table."""
        return f"{self.table_prefix}{self.product}-{entity}"

    def queue_name(self, queue: str) -> str:
        return {"uploads": self.uploads_queue, "otp": self.otp_queue,
                "assignment": self.assignment_queue}[queue]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    product = os.environ.get("CRM_PRODUCT", "repaysync")
    stage = os.environ.get("CRM_STAGE", "dev")
    prefix = os.environ.get("CRM_TABLE_PREFIX", f"{stage}-")
    access = os.environ.get("CRM_ACCESS_TTL_MINUTES", "")
    refresh = os.environ.get("CRM_REFRESH_TTL_MINUTES", "")
    return Settings(
        product=product,
        stage=stage,
        region=os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1",
        table_prefix=prefix,
        bucket=os.environ.get("CRM_BUCKET", f"crm-{stage}-{product}"),
        uploads_queue=os.environ.get("CRM_UPLOADS_QUEUE", f"{prefix}{product}-uploads"),
        otp_queue=os.environ.get("CRM_OTP_QUEUE", f"{prefix}{product}-otp"),
        assignment_queue=os.environ.get("CRM_ASSIGNMENT_QUEUE", f"{prefix}{product}-assignment"),
        cors_origins=_list("CRM_CORS_ORIGINS"),
        jwt_issuer=os.environ.get("CRM_JWT_ISSUER", f"https://auth.crm.local/{stage}/{product}"),
        jwt_client_id=os.environ.get("CRM_JWT_CLIENT_ID", f"{product}-web"),
        signing_key_secret=os.environ.get("CRM_SIGNING_KEY_SECRET", f"{prefix}{product}-jwt-signing-key"),
        access_ttl_minutes=int(access) if access.strip() else None,
        refresh_ttl_minutes=int(refresh) if refresh.strip() else None,
        cognito_issuer=os.environ.get("COGNITO_ISSUER", ""),
        cognito_jwks_url=os.environ.get("COGNITO_JWKS_URL", ""),
        cognito_client_id=os.environ.get("COGNITO_CLIENT_ID", ""),
        lockout_max_failures=_int("CRM_LOCKOUT_MAX_FAILURES", 5),
        lockout_minutes=_int("CRM_LOCKOUT_MINUTES", 15),
        lockout_user_ceiling=_int("CRM_LOCKOUT_USER_CEILING", 50),
        lockout_user_window_minutes=_int("CRM_LOCKOUT_USER_WINDOW_MINUTES", 24 * 60),
        lockout_backoff_seconds=_int("CRM_LOCKOUT_BACKOFF_SECONDS", 2),
        lockout_backoff_max_seconds=_int("CRM_LOCKOUT_BACKOFF_MAX_SECONDS", 300),
        register_per_address=_int("CRM_REGISTER_PER_ADDRESS", 5),
        register_window_minutes=_int("CRM_REGISTER_WINDOW_MINUTES", 60),
        max_body_bytes=_int("CRM_MAX_BODY_BYTES", 6 * 1024 * 1024),
        sync_import_max_rows=_int("CRM_SYNC_IMPORT_MAX_ROWS", 5000),
        xlsx_max_uncompressed_bytes=_int("CRM_XLSX_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024),
        xlsx_max_ratio=_int("CRM_XLSX_MAX_RATIO", 200),
        audit_retention_days=_int("CRM_AUDIT_RETENTION_DAYS", 90),
        log_payload_chars=_int("CRM_LOG_PAYLOAD_CHARS", 2000),
    )


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
