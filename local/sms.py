"""Writes every SMS published to moto's SNS to the log, so a person can read an OTP locally.

moto keeps published SMS in each SNS backend (`sms_messages`, the same data `/moto-api/data.json`
shows); this watcher runs in the process that hosts moto and prints the new ones.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def _all_sms() -> dict[str, tuple[str, str]]:
    from moto.backends import get_backend

    found: dict[str, tuple[str, str]] = {}
    for account in list(get_backend("sns").values()):
        for backend in list(account.values()):
            found.update(dict(getattr(backend, "sms_messages", {})))
    return found


class SmsLog(threading.Thread):
    def __init__(self, say: Callable[[str], None], interval: float = 1.0) -> None:
        super().__init__(name="sms-log", daemon=True)
        self._say = say
        self._interval = interval
        self._halt = threading.Event()
        self._seen: set[str] = set(_all_sms())  # restored messages were shown in an earlier run

    def run(self) -> None:
        while not self._halt.wait(self._interval):
            self.flush()

    def flush(self) -> None:
        for message_id, (phone, text) in _all_sms().items():
            if message_id not in self._seen:
                self._seen.add(message_id)
                self._say(f"SMS to {phone}: {text}")

    def stop(self) -> None:
        self._halt.set()
