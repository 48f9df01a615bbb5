"""Reading the product specs (tests/contract/specs/<product>.md, copies of the agreed contracts): the
endpoints each one documents and the JSON examples it shows, so tests can hold the route table and the
answers to them.

Each spec writes its endpoints its own way, and every way is read:
- a method and a path on one line: `### POST /api/token/`, `GET/POST `/api/auth/roles/``,
  `### PUT/PATCH `/api/crm/cards/{id}/``, `POST /api/crm/attendance/mark_present/`;
- a `**URL:**` line followed by a `**Method(s):**` line (RepaySync, Leads);
- a summary table row: `| Auth | `/api/auth/token/` | POST | ... |` (RepaySync);
- an OpenAPI snippet in a yaml block: `paths: /api/customers/: get: ...` (RevisBali).
A query string is not part of the path; path parameters in any notation (`<int:id>`, `{id}`, `:id`,
`{id:int}`) compare equal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

SPECS_DIR = Path(__file__).resolve().parent / "specs"
PRODUCTS = ("repaysync", "leads", "vst", "revisbali", "isp")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

_METHOD_LIST = r"(?:GET|POST|PUT|PATCH|DELETE)(?:\s*/\s*(?:GET|POST|PUT|PATCH|DELETE))*"
_INLINE = re.compile(rf"(?:^|[#\s*])({_METHOD_LIST})\s+`?(/[^\s`]*)")
_URL = re.compile(r"\*\*URL:?\*\*:?\s*`(/[^`]*)`")
_METHOD_LINE = re.compile(r"\*\*Methods?:?\*\*:?\s*(.+)")
_TABLE_ROW = re.compile(r"^\|[^|]*\|\s*`(/[^`]*)`\s*\|\s*([A-Z/, ]+?)\s*\|")
_INLINE_JSON = re.compile(r"`(\{[^`]*\})`")
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)(?::\w+)?\}|(?<=/):(\w+)")


@dataclass(frozen=True, order=True)
class Endpoint:
    method: str
    path: str  # as the spec writes it, without its query string

    @property
    def key(self) -> tuple[str, str]:
        return self.method, normalise(self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def normalise(path: str) -> str:
    """`/api/loans/<int:id>/`, `/api/loans/{id:int}/`, `/api/loans/:id/` -> `/api/loans/{}/`."""
    return _PARAM.sub("{}", path.split("?", 1)[0])


def _methods(text: str) -> list[str]:
    return [word for word in re.split(r"[\s,/`]+", text) if word in METHODS]


def _path(raw: str) -> str:
    return raw.split("?", 1)[0]


def _yaml_endpoints(block: str) -> list[Endpoint]:
    document = yaml.safe_load(block)
    paths = document.get("paths", {}) if isinstance(document, dict) else {}
    return [Endpoint(method.upper(), path) for path, item in paths.items() for method in item
            if method.upper() in METHODS]


def _blocks(text: str) -> list[tuple[str, str]]:
    """The fenced code blocks of a markdown text: (language, body)."""
    return re.findall(r"```(\w*)\n(.*?)```", text, flags=re.DOTALL)


@cache
def spec_text(product: str) -> str:
    return (SPECS_DIR / f"{product}.md").read_text()


@cache
def endpoints(product: str) -> tuple[Endpoint, ...]:
    """Every (method, path) the product's spec documents, in any of its notations, once each."""
    return read_endpoints(spec_text(product))


def read_endpoints(text: str) -> tuple[Endpoint, ...]:
    """Every (method, path) a markdown spec documents, in any of the notations above, once each."""
    found: set[Endpoint] = set()
    url: str | None = None
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:  # request examples (curl) name hosts and ids, not endpoints
            continue
        if match := _URL.search(line):
            url = _path(match.group(1))
            continue
        if url and (match := _METHOD_LINE.search(line)):
            found.update(Endpoint(method, url) for method in _methods(match.group(1)))
            url = None
            continue
        if match := _TABLE_ROW.search(line):
            found.update(Endpoint(method, _path(match.group(1))) for method in _methods(match.group(2)))
            continue
        for match in _INLINE.finditer(line):
            found.update(Endpoint(method, _path(match.group(2))) for method in _methods(match.group(1)))
    for language, body in _blocks(text):
        if language == "yaml" and "paths:" in body:
            found.update(_yaml_endpoints(body))
    return tuple(sorted(found))


@dataclass(frozen=True)
class Example:
    label: str  # the line that introduces it: "- **Response (example):**", "Response 201:", "Body"...
    body: object

    @property
    def is_response(self) -> bool:
        return "response" in self.label.lower() or "returns" in self.label.lower()


def section(product: str, *headings: str) -> str:
    """The text under the first heading containing headings[0], then within it the first containing
    headings[1], and so on (down to the next heading of the same or a higher level)."""
    text = spec_text(product)
    for heading in headings:
        lines = text.splitlines(keepends=True)
        start = next(i for i, line in enumerate(lines) if line.startswith("#") and heading in line)
        level = len(lines[start]) - len(lines[start].lstrip("#"))
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("#")
                    and len(lines[i]) - len(lines[i].lstrip("#")) <= level), len(lines))
        text = "".join(lines[start:end])
    return text


def examples(product: str, *headings: str) -> list[Example]:
    """The JSON examples of a spec section, fenced, bare (VST's attendance) or inline in backticks, each
    with the line introducing it. Text that is not valid JSON (`[{...}]`, `"uuid1", ...`) is skipped."""
    text = section(product, *headings)
    decoder = json.JSONDecoder()
    found: list[Example] = []
    label = ""
    offset = 0
    for line in text.splitlines(keepends=True):
        start, offset = offset, offset + len(line)
        stripped = line.strip()
        if stripped.startswith(("{", "[")) and start >= (found[-1].end if found else 0):
            try:
                body, end = decoder.raw_decode(text, start + line.index(stripped[0]))
            except json.JSONDecodeError:
                continue
            found.append(_Found(label, body, end))
        elif stripped and not stripped.startswith("```") and not (found and start < found[-1].end):
            label = stripped
            for inline in _INLINE_JSON.finditer(line):  # "- **Response:** `{"access": "..."}`"
                try:
                    found.append(_Found(line[:inline.start()].strip(), json.loads(inline.group(1)), offset))
                except json.JSONDecodeError:
                    continue
    return [Example(item.label, item.body) for item in found]


def responses(product: str, *headings: str) -> list[object]:
    """The response examples of a spec section, in order."""
    return [example.body for example in examples(product, *headings) if example.is_response]


@dataclass(frozen=True)
class _Found:
    label: str
    body: object
    end: int
