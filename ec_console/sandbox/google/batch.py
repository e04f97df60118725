"""Batch endpoints of the Google sandbox: `POST <root>/batch/calendar/v3`, `<root>/batch/admin/directory_v1`
and `<root>/batch` (the generic one googleapiclient's Directory service uses).

The body is `multipart/mixed`; each part is `Content-Type: application/http` holding one HTTP request
(`GET /calendar/v3/... HTTP/1.1`, headers, optional body). Each inner request runs through the same API gate
as a direct call (its own `Authorization`, or the outer request's when it has none) and is recorded in the
request log on its own (`notes["batch"] = True`). The answer is `multipart/mixed` with one
`application/http` part per request, `Content-ID: <response-ID>` echoing the request's id, as Google does
(https://developers.google.com/workspace/calendar/api/guides/batch).
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import secrets
from email.message import Message
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from ec_console.sandbox.google.apis import GoogleApis
from ec_console.sandbox.google.errors import error_response
from ec_console.sandbox.server import RecordedRequest, Request, RequestLog, Response, redact_header

MAX_PARTS = 1000
_PREFIXES = {
    "/batch/calendar/v3": "/calendar/v3/",
    "/batch/admin/directory_v1": "/admin/directory/v1/",
    "/batch": "/",
}


def _bad(message: str) -> Response:
    return error_response("calendar_bad_request", message=message, reason="badRequest")


def _parse_inner(text: str) -> tuple[str, str, Message, bytes] | None:
    """(method, target, headers, body) of one `application/http` part, or None when malformed."""
    text = text.lstrip("\r\n")
    head, sep, body = text.partition("\r\n\r\n")
    if not sep:
        head, _, body = text.partition("\n\n")
    request_line, _, header_text = head.partition("\n")
    pieces = request_line.strip().split()
    if len(pieces) < 2:
        return None
    headers = email.parser.Parser(policy=email.policy.compat32).parsestr(
        header_text.replace("\r\n", "\n"), headersonly=True
    )
    return pieces[0].upper(), pieces[1], headers, body.encode("utf-8")


def _serialise(response: Response) -> str:
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "Unknown"
    lines = [f"HTTP/1.1 {response.status} {phrase}"]
    lines += [f"{k}: {v}" for k, v in response.headers if k.lower() not in ("content-length",)]
    return "\r\n".join(lines) + "\r\n\r\n" + response.body.decode("utf-8")


class GoogleBatch:
    def __init__(self, apis: GoogleApis, server_name: str, request_log: RequestLog) -> None:
        self.apis = apis
        self.server_name = server_name
        self.request_log = request_log

    def handle(self, request: Request) -> Response:
        content_type = request.header("Content-Type")
        if not content_type.lower().startswith("multipart/mixed"):
            return _bad("Content-Type of a batch request must be multipart/mixed.")
        message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + request.body
        )
        if not message.is_multipart():
            return _bad("Unable to parse the batch request.")
        parts = message.get_payload()
        assert isinstance(parts, list)
        if len(parts) > MAX_PARTS:
            return _bad(f"A batch request cannot contain more than {MAX_PARTS} requests.")
        request.record.notes.update(endpoint="batch", parts=len(parts))
        prefix = _PREFIXES.get(request.path.rstrip("/").lower(), "/")
        boundary = "batch_" + secrets.token_urlsafe(12)
        out: list[str] = []
        for part in parts:
            content_id = (part.get("Content-ID") or "").strip()
            payload = part.get_payload(decode=False)
            inner = _parse_inner(payload if isinstance(payload, str) else "")
            if inner is None:
                response = _bad("Unable to parse the batch request part.")
            else:
                response = self._run(request, *inner, prefix=prefix)
            header_id = f"<response-{content_id.strip('<>')}>" if content_id else ""
            out.append(
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                + (f"Content-ID: {header_id}\r\n" if header_id else "")
                + "\r\n"
                + _serialise(response)
                + "\r\n"
            )
        body = "".join(out) + f"--{boundary}--\r\n"
        return Response(
            200,
            body.encode("utf-8"),
            [
                ("Content-Type", f"multipart/mixed; boundary={boundary}"),
                ("Vary", "Origin, X-Origin, Referer"),
            ],
        )

    def _run(
        self, outer: Request, method: str, target: str, headers: Message, body: bytes, *, prefix: str
    ) -> Response:
        split = urlsplit(target)
        path = split.path
        if not (path.startswith("/calendar/v3/") or path.startswith("/admin/directory/v1/")) or (
            prefix != "/" and not path.startswith(prefix)
        ):
            return Response.text(404, "Not Found")
        if headers.get("Authorization") is None and outer.header("Authorization"):
            headers["Authorization"] = outer.header("Authorization")
        record = RecordedRequest(
            at=dt.datetime.now(dt.UTC),
            server=self.server_name,
            connection_id=outer.record.connection_id,
            method=method,
            path=path,
            query=parse_qs(split.query),
            headers=[(k, redact_header(k, v)) for k, v in headers.items()],
            body=body,
            notes={"batch": True},
        )
        outer.record.notes.setdefault("inner", []).append(path)
        inner = Request(
            method=method,
            path=path,
            query=record.query,
            headers=headers,
            body=body,
            client_address=outer.client_address,
            secure=outer.secure,
            connection=outer.connection,
            params={},
            record=record,
        )
        response = self.apis.handle(inner)
        record.status = response.status
        self.request_log.append(record)
        return response
