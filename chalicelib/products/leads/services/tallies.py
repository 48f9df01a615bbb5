"""Lead counts kept as the leads change, so a dashboard or a report never reads every lead.

Items of the counters table (services/common.Counters, `value` changed only by atomic ADD), each
changed in the same transaction as the lead change it counts:
- `leads#<STATUS>`: every lead in that status (the total is their sum);
- `held#<user id>#<STATUS>`: the leads a user holds in that status (`held#0#...`: nobody's);
- `day#<YYYY-MM-DD>#<what>[#<user id>]`: what happened on one business day (the zone of
  `clock()`): `created` leads, `assigned` to a user, status `changes` and `converted` leads of the
  user who held the lead when it changed (0: nobody).

Who calls what: creating leads (an import) `created(...)` through txn.run_rows' shared steps; a
status change `status_changed(...)`; an assignment `reassigned(...)`. A status written to itself
changes no count but is a change of the day (a note on a follow-up call). Nothing recounts: a
recount racing live ADDs would lose them, and every write of a lead goes through these steps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from chalicelib.core.db import txn
from chalicelib.core.db.read import batch_get
from chalicelib.products.leads import clock
from chalicelib.products.leads.services.common import Counters
from chalicelib.products.leads.vocabulary import STATUS_DISPLAY

STATUSES = tuple(STATUS_DISPLAY)
NOBODY = 0
CONVERTED = "CONVERTED"
CREATED, ASSIGNED, CHANGES = "created", "assigned", "changes"
# the most items `created` adds to one transaction: two a status, and the day's count
CREATED_ITEMS = 2 * len(STATUSES) + 1


def status_key(status: str) -> str:
    return f"leads#{status}"


def held_key(user_id: int | None, status: str) -> str:
    return f"held#{user_id or NOBODY}#{status}"


def day_key(day: date, what: str, user_id: int | None = None) -> str:
    return f"day#{day.isoformat()}#{what}" + ("" if user_id is None else f"#{user_id or NOBODY}")


def _add(key: str, amount: int) -> txn.Step:
    return txn.update(Counters(key), [Counters.value.add(amount)])


def today() -> date:
    """The business day now (clock.clock() is read each time: tests set the time there)."""
    return clock.clock().today()


# -- the steps a change adds to its transaction ------------------------------------------------
def created(statuses: Iterable[str], day: date | None = None) -> list[txn.Step]:
    """New unassigned leads in these statuses (one per element)."""
    counts = Counter(statuses)
    if not counts:
        return []
    steps = [_add(day_key(day or today(), CREATED), sum(counts.values()))]
    for status, count in sorted(counts.items()):
        steps += [_add(status_key(status), count), _add(held_key(NOBODY, status), count)]
    return steps


def status_changed(holder: int | None, before: str, after: str, day: date | None = None) -> list[txn.Step]:
    """A lead held by `holder` went from `before` to `after` (the same status: a change, no move)."""
    day, holder = day or today(), holder or NOBODY
    steps = [_add(day_key(day, CHANGES, holder), 1)]
    if after == CONVERTED and before != CONVERTED:
        steps.append(_add(day_key(day, CONVERTED, holder), 1))
    if before != after:
        steps += [_add(status_key(before), -1), _add(status_key(after), 1),
                  _add(held_key(holder, before), -1), _add(held_key(holder, after), 1)]
    return steps


def reassigned(status: str, previous: int | None, new: int | None, day: date | None = None) -> list[txn.Step]:
    """A lead in `status` moved from `previous` to `new` (None: nobody)."""
    if (previous or NOBODY) == (new or NOBODY):
        return []
    steps = [_add(held_key(previous, status), -1), _add(held_key(new, status), 1)]
    if new:
        steps.append(_add(day_key(day or today(), ASSIGNED, new), 1))
    return steps


# -- reading -----------------------------------------------------------------------------------
def _values(keys: list[str]) -> dict[str, int]:
    found = batch_get(Counters, keys)
    return {key: int(found[key].value or 0) if key in found else 0 for key in keys}


def by_status() -> dict[str, int]:
    """Every lead, counted by status."""
    values = _values([status_key(status) for status in STATUSES])
    return {status: values[status_key(status)] for status in STATUSES}


def held(user_ids: Iterable[int | None]) -> dict[int, dict[str, int]]:
    """The leads each user holds (0: nobody), counted by status (one batch read)."""
    ids = list(dict.fromkeys(user_id or NOBODY for user_id in user_ids))
    values = _values([held_key(user_id, status) for user_id in ids for status in STATUSES])
    return {user_id: {status: values[held_key(user_id, status)] for status in STATUSES} for user_id in ids}


def of_day(day: date, user_ids: Iterable[int]) -> dict[str, dict[int, int] | int]:
    """What happened on `day`: leads created, and per user (0: nobody) assigned, changes, converted."""
    ids = list(dict.fromkeys([NOBODY, *user_ids]))
    per_user = [ASSIGNED, CHANGES, CONVERTED]
    values = _values([day_key(day, CREATED), *(day_key(day, what, user_id) for what in per_user for user_id in ids)])
    answer: dict[str, dict[int, int] | int] = {CREATED: values[day_key(day, CREATED)]}
    for what in per_user:
        answer[what] = {user_id: values[day_key(day, what, user_id)] for user_id in ids}
    return answer

