"""List pagination, one style per product, declared once: `Api(paging=LINK_PAGING)` (or another `Paging`).

A list handler gives `call.listing(fetch, render)` a function that reads one window of the list
(`Window(limit, after)` -> `Slice(items, last)`, a DynamoDB Query with `Limit` and
`ExclusiveStartKey`); the style decides the query parameters, the body and the headers:

- `Style.LINK` (RepaySync): the body is the plain JSON array; when there may be more, the response
  carries `Link: <absolute url>; rel="next"` (RFC 8288) and the bare cursor in `X-Next-Cursor`.
  Parameters `page_size` and `cursor`. One Query per request.
- `Style.PAGE` (DRF's PageNumberPagination, RevisBali): the body is `{count, next, previous,
  results}` with absolute `next`/`previous` URLs; parameters `page` (from 1) and `pageSize`. DynamoDB
  cannot jump to an offset, so page N read directly costs N window reads (the N-1 before it are read
  and dropped) plus the `count` function (a Select=COUNT Query, which itself reads the whole
  partition in 1 MB steps). The `next` URL carries a signed cursor as well, so a client that follows
  `next` pays one window read per page plus the count. A page past the end is 404 "Invalid page."
  (as DRF), except page 1 of an empty list; a `page` that is no positive integer is a 400 on `page`
  (DRF answers 404 there too; here malformed input is a 400, as everywhere). Following `next` walks
  by key: other records added or removed meanwhile never make an item repeat or go missing (one
  added behind the walk is not shown); `count` is the total at the time of each request.

Cursors are signed and bound to their list (core/cursors.py): a cursor the server did not issue for
this path, these filters and this caller is a 400 on `cursor`.

Absolute URLs are built from where the client sent the request: API Gateway's `domainName` and the
request path as the client wrote it (stage prefix or custom-domain base path included), `https`;
without API Gateway (chalice local, the test client) the `Host` header, `http`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from chalicelib.core import cursors
from chalicelib.core.errors import NotFound, ValidationFailed
from chalicelib.core.records import Record

Key = cursors.Key
_DIGITS = re.compile(r"-?[0-9]{1,9}")  # int() would also take " 5", "+5", "5_0" and Arabic-Indic digits
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")  # a Host header that is safe to echo in a URL


class Style(Enum):
    LINK = "link"
    PAGE = "page"


PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 100, 500  # every product's lists unless its spec says otherwise


class Paging(Record, frozen=True):
    """A product's one pagination rule: the style and the page size's default and maximum (the
    validator and the OpenAPI document both read these)."""

    style: Style = Style.LINK
    default: int = PAGE_SIZE_DEFAULT
    maximum: int = PAGE_SIZE_MAX

    @property
    def size_param(self) -> str:
        return "pageSize" if self.style is Style.PAGE else "page_size"

    cursor_param: ClassVar[str] = "cursor"
    page_param: ClassVar[str] = "page"

    @property
    def params(self) -> frozenset[str]:
        """The query parameters pagination owns; every other one is a filter the cursor is bound to."""
        names = {self.size_param, self.cursor_param}
        return frozenset(names | {self.page_param}) if self.style is Style.PAGE else frozenset(names)


LINK_PAGING = Paging(Style.LINK)  # a plain array with `Link`/`X-Next-Cursor`, `page_size` 1-500 (100)


class Window(Record, frozen=True):
    """What a list function reads: at most `limit` items after the key `after` (None: from the start)."""

    limit: int
    after: Key | None = None


class Slice(Record):
    """What a list function read: the items, and the key to continue after (None: nothing follows)."""

    items: list[Any]
    last: Key | None


Fetch = Callable[[Window], Slice]


# -- the request ---------------------------------------------------------------------------------
def _positive(query: dict[str, str], name: str, default: int, maximum: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw):
        raise ValidationFailed({name: ["A valid integer is required."]})
    value = int(raw)
    if not 1 <= value <= maximum:
        raise ValidationFailed({name: [f"Must be between 1 and {maximum}."]})
    return value


class ListContext(Record, frozen=True):
    """One list request: which list (for the binding), its filters, the caller, where it was sent."""

    product: str
    path: str  # the route's path with its values filled in, e.g. /api/loans/customer/7/
    query: dict[str, str]
    caller: str
    base_url: str  # scheme, host and path as the client sent them, without the query

    def filters(self, paging: Paging) -> dict[str, str]:
        return {name: value for name, value in self.query.items() if name not in paging.params}

    def bound(self, paging: Paging, *extra: Any) -> bytes:
        return cursors.binding(self.product, self.path, self.filters(paging), self.caller, paging.style.value, *extra)

    def url(self, paging: Paging, **params: Any) -> str:
        """This list's URL with the same filters and page size, and `params` (None drops one)."""
        query = self.filters(paging)
        if paging.size_param in self.query:
            query[paging.size_param] = self.query[paging.size_param]
        for name, value in params.items():
            if value is None:
                query.pop(name, None)
            else:
                query[name] = str(value)
        return f"{self.base_url}?{urlencode(sorted(query.items()))}" if query else self.base_url


def _cursor(context: ListContext, paging: Paging, *extra: Any) -> Key | None:
    raw = context.query.get(paging.cursor_param)
    if not raw:
        return None
    try:
        return cursors.verify(raw, context.product, context.bound(paging, *extra))
    except cursors.InvalidCursor as exc:
        raise ValidationFailed({paging.cursor_param: ["Invalid cursor."]}) from exc


# -- the answer ----------------------------------------------------------------------------------
class Listing(Record):
    """What the Api sends: the body and the paging headers."""

    body: Any
    headers: dict[str, str]


def paginate(context: ListContext, paging: Paging, fetch: Fetch, render: Callable[[Any], Any],
             count: Callable[[], int] | None = None) -> Listing:
    if paging.style is Style.PAGE:
        if count is None:
            raise TypeError("a PAGE-style list needs a count function")
        return _page_object(context, paging, fetch, render, count)
    return _link_array(context, paging, fetch, render)


def _link_array(context: ListContext, paging: Paging, fetch: Fetch, render: Callable[[Any], Any]) -> Listing:
    limit = _positive(context.query, paging.size_param, paging.default, paging.maximum)
    after = _cursor(context, paging)
    part = fetch(Window(limit, after))
    headers: dict[str, str] = {}
    if part.last is not None:
        cursor = cursors.sign(part.last, context.product, context.bound(paging))
        headers["X-Next-Cursor"] = cursor
        headers["Link"] = f'<{context.url(paging, cursor=cursor)}>; rel="next"'
    return Listing([render(item) for item in part.items], headers)


def _page_object(context: ListContext, paging: Paging, fetch: Fetch, render: Callable[[Any], Any],
                 count: Callable[[], int]) -> Listing:
    size = _positive(context.query, paging.size_param, paging.default, paging.maximum)
    number = _page_number(context.query.get(paging.page_param))
    after = _cursor(context, paging, number, size)  # a `next` URL's shortcut to this page
    if after is None and number > 1:
        after = _skip(fetch, size, number - 1)
    part = fetch(Window(size, after))
    total = count()
    if not part.items and number > 1:
        raise NotFound("Invalid page.")
    more = part.last is not None and number * size < total
    following = None
    if more:
        cursor = cursors.sign(part.last, context.product, context.bound(paging, number + 1, size))  # type: ignore[arg-type]
        following = context.url(paging, page=number + 1, cursor=cursor)
    previous = None
    if number > 1:  # DRF leaves `page` out of the first page's URL
        previous = context.url(paging, page=None if number == 2 else number - 1, cursor=None)
    return Listing({"count": total, "next": following, "previous": previous,
                    "results": [render(item) for item in part.items]}, {})


def _page_number(raw: str | None) -> int:
    if raw is None:
        return 1
    if not _DIGITS.fullmatch(raw) or int(raw) < 1:
        raise ValidationFailed({"page": ["A valid integer is required."]})
    return int(raw)


def _skip(fetch: Fetch, size: int, pages: int) -> Key:
    """The key after the first `pages` pages (404 when the list ends before)."""
    after: Key | None = None
    for _ in range(pages):
        after = fetch(Window(size, after)).last
        if after is None:
            raise NotFound("Invalid page.")
    return after  # type: ignore[return-value]


# -- where the request was sent --------------------------------------------------------------------
def base_url(request: Any) -> str:
    """The request's URL without its query, as the client wrote it."""
    context = request.context or {}
    headers = request.headers or {}
    path = quote(str(context.get("path") or "/"), safe="/-._~!$&'()*+,;=:@%")
    domain = context.get("domainName")
    if domain:  # API Gateway: its own record of the host, not a header the client wrote
        return f"https://{domain}{path}"
    host = headers.get("host") or ""
    if not _HOST.fullmatch(host):
        host = "localhost"
    scheme = "https" if (headers.get("x-forwarded-proto") or "").lower() == "https" else "http"
    return f"{scheme}://{host}{path}"
