"""Google's error answers, served from the fixtures in `fixtures/google/`, plus the JSON response helpers.

Each fixture is one JSON file: `source` (the documented sources its shape and wording follow), `when` (the
situation it answers), `status` (HTTP status) and `body` (what is sent). String values may hold `$name`
placeholders (`string.Template`), filled in per answer; they are filled into parsed strings, so no escaping
is needed.
"""

from __future__ import annotations

import json
import string
from functools import cache
from importlib import resources
from typing import Any

from ec_console.sandbox.server import Response

_PACKAGE = "ec_console.sandbox.fixtures"
_FOLDER = "google"

# What Google's front ends send with JSON answers (token endpoint and APIs alike).
_NO_CACHE = [
    ("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"),
    ("Pragma", "no-cache"),
    ("Expires", "Mon, 01 Jan 1990 00:00:00 GMT"),
    ("Vary", "Origin, X-Origin, Referer"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("X-XSS-Protection", "0"),
]


@cache
def fixture(name: str) -> dict[str, Any]:
    """The parsed fixture `name` (file name without `.json`)."""
    text = resources.files(_PACKAGE).joinpath(_FOLDER, f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def fixture_names() -> list[str]:
    folder = resources.files(_PACKAGE).joinpath(_FOLDER)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return string.Template(value).substitute(values)
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, dict):
        return {_fill(k, values): _fill(v, values) for k, v in value.items()}
    return value


def error_body(name: str, **values: str) -> dict[str, Any]:
    """The fixture's body with every placeholder filled (a missing value raises KeyError)."""
    return _fill(fixture(name)["body"], values)


def json_response(status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    data = json.dumps(body, indent=2).encode("utf-8")
    return Response(
        status, data, [("Content-Type", "application/json; charset=UTF-8"), *_NO_CACHE, *(headers or [])]
    )


def error_response(name: str, *, status: int | None = None, **values: str) -> Response:
    """The fixture as an HTTP answer (its own status unless `status` overrides it)."""
    spec = fixture(name)
    return json_response(status or int(spec["status"]), error_body(name, **values))


def api_error(name: str, **values: str) -> Response:
    """An API error; `WWW-Authenticate` is added on 401 as Google's front end does."""
    response = error_response(name, **values)
    if response.status == 401:
        response.headers.append(("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"'))
    return response


def error_reason(response: Response) -> str | None:
    """The machine reason of an API error answer (what a client reads first)."""
    try:
        return json.loads(response.body)["error"]["errors"][0]["reason"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
