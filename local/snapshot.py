"""Save and restore moto's in-memory state (every service's backends) under the data dir.

moto keeps each service's state in module-level `BackendDict`s (account -> region -> backend).
Pickling them all in one go keeps objects shared between services shared, and takes ~0.1 s for
10k items. A few backends hold locks (SQS queues hold a `Condition`): those are pickled as fresh,
unlocked ones. A snapshot only fits the moto version that wrote it, so its version is recorded
beside it and a snapshot from another version is set aside with a message instead of loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 2
STATE_FILE = "moto-state.pickle"
META_FILE = "moto-state.json"

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
# What every BackendDict has; anything else on one is service state (S3 keeps `bucket_accounts` there).
_BACKEND_DICT_FIELDS = frozenset({"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"})


class _Pickler(pickle.Pickler):
    """Pickles locks and conditions as new ones (they guard in-memory state only)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, threading.Condition):
            return threading.Condition, ()
        if isinstance(obj, _LOCK_TYPES):
            return (threading.RLock if "RLock" in type(obj).__name__ else threading.Lock), ()
        return NotImplemented


def _moto_version() -> str:
    import moto

    return moto.__version__


def _signature() -> dict[str, Any]:
    return {"format": FORMAT, "moto": _moto_version(), "python": f"{sys.version_info[0]}.{sys.version_info[1]}"}


def capture() -> dict[str, dict[str, Any]]:
    """service -> {"accounts": account -> region -> backend, "attributes": the BackendDict's own state},
    for every service moto has created a backend for so far."""
    from moto.core.base_backend import BackendDict

    state: dict[str, dict[str, Any]] = {}
    for backend_dict in list(BackendDict._instances):
        entry = state.setdefault(backend_dict.service_name, {"accounts": {}, "attributes": {}})
        for account_id, regions in list(backend_dict.items()):
            entry["accounts"][account_id] = dict(regions.items())
        entry["attributes"].update({name: value for name, value in vars(backend_dict).items()
                                    if name not in _BACKEND_DICT_FIELDS})
    return state


def dumps(state: Any, attempts: int = 5) -> bytes:
    """Pickle `state`; retries when a concurrent request changes a collection mid-way."""
    for attempt in range(attempts):
        buffer = io.BytesIO()
        try:
            _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
            return buffer.getvalue()
        except RuntimeError:  # "dictionary changed size during iteration" and the like
            if attempt == attempts - 1:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def install(state: dict[str, dict[str, Any]]) -> list[str]:
    """Put restored backends in place; returns the services that could not be restored."""
    from moto.backends import get_backend

    skipped: list[str] = []
    for service, entry in state.items():
        try:
            backend_dict = get_backend(service)  # type: ignore[call-overload]
        except Exception:
            skipped.append(service)
            continue
        for name, value in entry["attributes"].items():
            current = getattr(backend_dict, name, None)
            if isinstance(current, dict) and isinstance(value, dict):
                current.clear()
                current.update(value)  # keep the object other modules may hold
            else:
                setattr(backend_dict, name, value)
        for account_id, regions in entry["accounts"].items():
            account_backends = backend_dict[account_id]  # creates (and registers) the account's dict
            for region, backend in regions.items():
                dict.__setitem__(account_backends, region, backend)
    return skipped


@dataclass
class Store:
    """The snapshot files in one data dir."""

    directory: Path

    @property
    def state_path(self) -> Path:
        return self.directory / STATE_FILE

    @property
    def meta_path(self) -> Path:
        return self.directory / META_FILE

    def _write(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def save(self, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = {**_signature(), "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        self._write(self.state_path, data)
        self._write(self.meta_path, json.dumps(meta, indent=2).encode("utf-8"))

    def load(self) -> tuple[Any | None, str]:
        """(state or None, a sentence saying what happened)."""
        if not self.state_path.exists():
            return None, f"no saved state in {self.directory}: starting empty"
        try:
            meta = json.loads(self.meta_path.read_text("utf-8"))
        except (OSError, ValueError):
            meta = {}
        expected = _signature()
        if {k: meta.get(k) for k in expected} != expected:
            aside = self._set_aside(meta.get("moto", "unknown"))
            return None, (f"saved state was written by moto {meta.get('moto', '?')} "
                          f"(format {meta.get('format', '?')}), this is moto {expected['moto']} "
                          f"(format {FORMAT}): ignored it (moved to {aside.name}); starting empty")
        data = self.state_path.read_bytes()
        if meta.get("sha256") not in (None, hashlib.sha256(data).hexdigest()):
            aside = self._set_aside("corrupt")
            return None, f"saved state is damaged (checksum mismatch): moved to {aside.name}; starting empty"
        try:
            return pickle.loads(data), f"restored state from {self.state_path} (saved {meta.get('saved_at', '?')})"
        except Exception as exc:
            aside = self._set_aside("unreadable")
            return None, (f"saved state could not be read ({exc.__class__.__name__}): "
                          f"moved to {aside.name}; starting empty")

    def _set_aside(self, tag: str) -> Path:
        aside = self.state_path.with_name(f"{STATE_FILE}.{tag}.bak")
        os.replace(self.state_path, aside)
        if self.meta_path.exists():
            os.replace(self.meta_path, aside.with_suffix(".json"))
        return aside
