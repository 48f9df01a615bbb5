"""VST's queues and schedules (none yet: OTP SMS, auto-assign and the warranty report come next)."""

from __future__ import annotations

from chalicelib.core.product import QueueSpec, ScheduleSpec

QUEUES: tuple[QueueSpec, ...] = ()
SCHEDULES: tuple[ScheduleSpec, ...] = ()
