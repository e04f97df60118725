"""The Graph sandbox's error answers, one fixture file each in `fixtures/`, and the JSON response helpers.

Each fixture is `{"source": [documented sources], "when": situation, "status": HTTP status, "body": ...}`.
String values may hold `$name` placeholders (`string.Template`), filled into the parsed strings.

- `aadsts_*`: the Microsoft identity platform's refusals. `aad_error()` appends the Trace ID / Correlation
  ID / Timestamp lines to `error_description` and adds `timestamp`, `trace_id`, `correlation_id` and
  `error_uri`, as Entra sends them.
- `graph_*`: Graph's envelope `{"error": {"code", "message", "innerError": {"date", "request-id",
  "client-request-id"}}}`; `graph_error()` fills `innerError` and sends `request-id` / `client-request-id`
  headers.
"""

from __future__ import annotations

import datetime as dt
import json
import string
import uuid
from functools import cache
from importlib import resources
from typing import Any

from ec_console.sandbox.server import Response

_PACKAGE = "ec_console.sandbox.graph.fixtures"
GRAPH_CONTENT_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)


@cache
def fixture(name: str) -> dict[str, Any]:
    """The parsed fixture `name` (file name without `.json`)."""
    text = resources.files(_PACKAGE).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


def fixture_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(_PACKAGE).iterdir() if p.name.endswith(".json"))


def _fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return string.Template(value).substitute(values)
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    return value


def json_response(status: int, body: Any, headers: list[tuple[str, str]] | None = None,
                  content_type: str = "application/json; charset=utf-8") -> Response:
    return Response(status, json.dumps(body).encode(), [("Content-Type", content_type), *(headers or [])])


def aad_error(name: str, now: dt.datetime, /, **values: str) -> tuple[Response, str]:
    """The identity platform's answer for fixture `name`, and its `AADSTS<n>` code (for the request log)."""
    data = fixture(name)
    body = _fill(data["body"], values)
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    code = body["error_codes"][0]
    body["error_description"] += (
        f"\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}"
    )
    body.update(timestamp=stamp, trace_id=trace, correlation_id=correlation,
                error_uri=f"https://login.microsoftonline.com/error?code={code}")
    headers = [
        ("Cache-Control", "no-store, no-cache"),
        ("Pragma", "no-cache"),
        ("x-ms-request-id", trace),
    ]
    return json_response(int(data["status"]), body, headers), f"AADSTS{code}"


def request_ids(client_request_id: str) -> tuple[str, str]:
    """A fresh `request-id`, and the `client-request-id` to echo (the client's, or a new one)."""
    return str(uuid.uuid4()), client_request_id or str(uuid.uuid4())


def graph_headers(request_id: str, client_request_id: str) -> list[tuple[str, str]]:
    return [
        ("request-id", request_id),
        ("client-request-id", client_request_id),
        ("x-ms-ags-diagnostic", json.dumps({"ServerInfo": {"DataCenter": "Sandbox", "Slice": "E",
                                                           "Ring": "0", "ScaleUnit": "000"}})),
        ("Strict-Transport-Security", "max-age=31536000"),
        ("Cache-Control", "no-cache"),
    ]


def graph_error_body(name: str, now: dt.datetime, request_id: str, client_request_id: str, /,
                     **values: str) -> tuple[int, dict[str, Any]]:
    """The status and envelope of Graph fixture `name`, with its `innerError` filled."""
    data = fixture(name)
    body = _fill(data["body"], values)
    body["error"]["innerError"] = {
        "date": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": request_id,
        "client-request-id": client_request_id,
    }
    return int(data["status"]), body


def graph_code(name: str) -> str:
    """The Graph `error.code` fixture `name` sends."""
    return str(fixture(name)["body"]["error"]["code"])
