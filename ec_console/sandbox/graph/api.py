"""Microsoft Graph v1.0 as far as app-only calendar access and its dashboard use it (the `graph` server).

- `GET /v1.0/users/{id or UPN}`: the user. Needs User.ReadBasic.All, User.Read.All or Directory.Read.All in
  `roles` (else 403 Authorization_RequestDenied); an unknown user is 404 Request_ResourceNotFound.
- `GET /v1.0/users/{id}/calendar`: the default calendar.
- `GET /v1.0/users/{id}/calendarView?startDateTime&endDateTime[&$select&$top]` (also under `/calendar`): the
  events overlapping the window, `$select` honoured, pages of 10 with `@odata.nextLink`.
- `GET/POST /v1.0/users/{id}/events`, `GET/DELETE /v1.0/users/{id}/events/{event id}` (also under
  `/calendar`): list, create (needs Calendars.ReadWrite), read, delete.
- `GET /v1.0/users[?$top&$select]`: the tenant's users, pages of 100 (`$top` up to 999) with
  `@odata.nextLink`. Needs a user-read role.
- `GET /v1.0/groups?$filter=mail eq '...'` (or `displayName eq '...'`): the group. Needs GroupMember.Read.All,
  Group.Read.All or Directory.Read.All.
- `GET /v1.0/groups/{id}/members[/microsoft.graph.user]`: the direct members, pages of 100 (`$top` up to 999);
  without a user-read role only `id` and `@odata.type` carry values.
- `POST /v1.0/$batch`: at most 20 requests, each answered with its own `status`, `headers` and `body`
  (an inner 429 carries `Retry-After`); `dependsOn` on a failed request gives 424.

Every mailbox call decides in this order: unknown user (404 ErrorInvalidUser), no Exchange Online mailbox (404
MailboxNotEnabledForRESTAPI), the Application Access Policy (403 "Access to OData is disabled ..."), the grant
(a `Calendars.*` role in the token, or the app's RBAC role for a mailbox in the scoping group; else 403
ErrorAccessDenied), throttling (429 ApplicationThrottled with Retry-After). Every answer carries `request-id`
and `client-request-id` headers; errors carry the envelope of errors.py.

Subjects, bodies, locations and attendees are sent only when a client asks for them (no `$select`), never
logged: request bodies that create events are redacted in the request log.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from ec_console.sandbox.graph.errors import (
    GRAPH_CONTENT_TYPE,
    graph_code,
    graph_error_body,
    graph_headers,
    json_response,
    request_ids,
)
from ec_console.sandbox.graph.tenant import (
    CALENDAR_ROLES,
    MEMBER_ROLES,
    USER_ROLES,
    WRITE_ROLES,
    Event,
    GraphApp,
    GraphTenant,
    User,
)
from ec_console.sandbox.identity import InvalidToken, TokenIssuer
from ec_console.sandbox.server import Request, Response, SandboxHTTPServer

GRAPH_PATH = re.compile(r"/v1\.0/(?P<rest>.*)")
MAX_BATCH = 20
CALENDAR_VIEW_PAGE = 10
MEMBERS_PAGE, MEMBERS_MAX = 100, 999
_PRIVATE_KEYS = {
    "subject", "body", "bodypreview", "location", "locations", "attendees", "content", "organizer",
}
_WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)
_TOKEN_REASONS = {
    "wrong audience": "Access token validation failure. Invalid audience.",
    "token expired": "Lifetime validation failed, the token is expired.",
    "malformed token": "IDX14100: JWT is not well formed, there are no dots (.).",
}


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "[redacted]" if k.lower() in _PRIVATE_KEYS else _redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def redact_json_body(body: bytes) -> bytes:
    """A JSON request body with every event subject, body, location and attendee replaced (for the log)."""
    if not body:
        return body
    try:
        return json.dumps(_redact(json.loads(body))).encode()
    except (ValueError, UnicodeDecodeError):
        return b"[unreadable body]"


class GraphRefusal(Exception):
    """An error answer: fixture name, values for its placeholders, extra headers."""

    def __init__(self, fixture: str, headers: dict[str, str] | None = None, **values: str) -> None:
        super().__init__(fixture)
        self.fixture = fixture
        self.headers = headers or {}
        self.values = values


@dataclass
class Call:
    """One Graph request, from the wire or from inside a batch."""

    method: str
    path: str  # after /v1.0/, no leading slash
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    app: GraphApp
    notes: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        for key, values in self.query.items():
            if key.lower() == name.lower() and values:
                return values[0]
        return None


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000")


def _parse_moment(text: str) -> dt.datetime:
    text = text.strip().replace(" ", "+")  # a '+' in a query string arrives as a space
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _select(item: dict[str, Any], select: str | None, always: tuple[str, ...] = ("id",)) -> dict[str, Any]:
    if not select:
        return item
    wanted = {s.strip().lower() for s in select.split(",") if s.strip()} | {a.lower() for a in always}
    return {k: v for k, v in item.items() if k.startswith("@odata") or k.lower() in wanted}


def _skip_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset={offset}".encode()).decode().rstrip("=")


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return max(0, int(text.removeprefix("offset=")))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return 0


class GraphApi:
    """The v1.0 routes, bound to a tenant and the issuer whose tokens they accept."""

    def __init__(self, tenant: GraphTenant, issuer: TokenIssuer, audiences: set[str]) -> None:
        self.tenant = tenant
        self.issuer = issuer
        self.audiences = audiences
        self.base_url = ""  # https://127.0.0.1:port, set once the server listens

    def install(self, server: SandboxHTTPServer) -> None:
        server.route(("GET", "POST", "PATCH", "DELETE"), GRAPH_PATH, self.handle,
                     redact_body=redact_json_body)

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.issuer.now(), dt.UTC)

    # -- the wire -------------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        request_id, client_request_id = request_ids(request.header("client-request-id"))
        base_headers = graph_headers(request_id, client_request_id)
        notes = request.record.notes
        try:
            app = self._authorise(request.header("Authorization"))
        except GraphRefusal as refusal:
            status, body = graph_error_body(refusal.fixture, self._now(), request_id, client_request_id,
                                            **refusal.values)
            notes["error"] = graph_code(refusal.fixture)
            return json_response(status, body, [*base_headers, ("WWW-Authenticate", _WWW_AUTHENTICATE)],
                                 GRAPH_CONTENT_TYPE)
        notes["app"] = app.key
        call = Call(
            method=request.method,
            path=request.params["rest"],
            query=request.query,
            headers={k.lower(): str(v) for k, v in request.headers.items()},
            body=request.body,
            app=app,
            notes=notes,
        )
        if call.path == "$batch" and call.method == "POST":
            answer = self._batch(call, request_id, client_request_id)
        else:
            answer = self.dispatch(call, request_id, client_request_id)
        headers = [*base_headers, *answer.headers.items()]
        if answer.body is None:
            return Response(answer.status, b"", headers)
        return json_response(answer.status, answer.body, headers, GRAPH_CONTENT_TYPE)

    def _authorise(self, authorization: str) -> GraphApp:
        if not authorization.lower().startswith("bearer ") or not authorization[7:].strip():
            raise GraphRefusal("graph_token_missing")
        try:
            claims = self.issuer.verify(authorization[7:].strip(), self.audiences)
        except InvalidToken as exc:
            reason = _TOKEN_REASONS.get(str(exc), "Access token validation failure.")
            raise GraphRefusal("graph_token_invalid", reason=reason) from None
        app = self.tenant.app_by_client_id(str(claims.get("appid", "")))
        if app is None:
            raise GraphRefusal("graph_token_invalid", reason="Access token validation failure.")
        return app

    # -- routing --------------------------------------------------------------------------------------------
    def dispatch(self, call: Call, request_id: str, client_request_id: str) -> Answer:
        """Answer one call (an error becomes its envelope); also what each batch item goes through."""
        try:
            return self._route(call)
        except GraphRefusal as refusal:
            status, body = graph_error_body(refusal.fixture, self._now(), request_id, client_request_id,
                                            **refusal.values)
            call.notes["error"] = graph_code(refusal.fixture)
            return Answer(status, body, dict(refusal.headers))

    def _route(self, call: Call) -> Answer:
        segments = [unquote(s) for s in call.path.split("/") if s]
        lowered = [s.lower() for s in segments]
        method = call.method
        if lowered[:1] == ["users"] and len(segments) >= 2:
            key, rest = segments[1], lowered[2:]
            if rest and rest[0] == "calendar":
                rest = rest[1:] if len(rest) > 1 else rest  # /calendar/events == /events
            if not rest and method == "GET":
                return self._user(call, key)
            if rest == ["calendar"] and method == "GET":
                return self._calendar(call, key)
            if rest == ["calendarview"] and method == "GET":
                return self._calendar_view(call, key)
            if rest == ["events"] and method == "GET":
                return self._events(call, key)
            if rest == ["events"] and method == "POST":
                return self._create_event(call, key)
            if len(rest) == 2 and rest[0] == "events" and method in ("GET", "DELETE"):
                event_id = segments[-1]
                return self._event(call, key, event_id, delete=method == "DELETE")
        if lowered == ["users"] and method == "GET":
            return self._users(call)
        if lowered == ["groups"] and method == "GET":
            return self._groups(call)
        if len(lowered) in (3, 4) and lowered[0] == "groups" and lowered[2] == "members" and method == "GET":
            if len(lowered) == 4 and lowered[3] != "microsoft.graph.user":
                raise GraphRefusal("graph_bad_segment", segment=segments[3])
            return self._members(call, segments[1])
        raise GraphRefusal("graph_bad_segment", segment=self._unknown_segment(segments))

    @staticmethod
    def _unknown_segment(segments: list[str]) -> str:
        """The first segment Graph would not know: after the entity and its id, and after `calendar`."""
        if not segments:
            return "v1.0"
        if segments[0].lower() not in ("users", "groups") or len(segments) < 3:
            return segments[-1] if segments[0].lower() in ("users", "groups") else segments[0]
        if segments[2].lower() in ("calendar", "events", "members") and len(segments) > 3:
            return segments[3] if segments[2].lower() == "calendar" else segments[-1]
        return segments[2]

    # -- directory ------------------------------------------------------------------------------------------
    def _user(self, call: Call, key: str) -> Answer:
        call.notes["endpoint"] = "user"
        call.notes["mailbox"] = key
        if not set(call.app.roles) & USER_ROLES:
            raise GraphRefusal("graph_directory_denied")
        user = self.tenant.user(key)
        if user is None:
            raise GraphRefusal("graph_user_not_found", user=key)
        item = {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#users/$entity",
            "businessPhones": [],
            "displayName": user.display_name,
            "givenName": user.display_name.split(" ")[0],
            "jobTitle": None,
            "mail": user.address,
            "mobilePhone": None,
            "officeLocation": None,
            "preferredLanguage": "en-GB",
            "surname": user.display_name.split(" ")[-1],
            "userPrincipalName": user.address,
            "id": user.id,
        }
        return Answer(200, _select(item, call.param("$select")))

    def _users(self, call: Call) -> Answer:
        """`GET /users`: pages of 100 by default, `$top` 1..999, `@odata.nextLink` until the last page
        (https://learn.microsoft.com/graph/api/user-list and https://learn.microsoft.com/graph/paging)."""
        call.notes["endpoint"] = "users"
        if not set(call.app.roles) & USER_ROLES:
            raise GraphRefusal("graph_directory_denied")
        top = self._top(call, MEMBERS_PAGE, MEMBERS_MAX)
        offset = _offset(call.param("$skiptoken"))
        users = list(self.tenant.users.values())
        page = [_select({"businessPhones": [], "displayName": u.display_name, "mail": u.address,
                         "userPrincipalName": u.address, "id": u.id}, call.param("$select"))
                for u in users[offset: offset + top]]
        body: dict[str, Any] = {"@odata.context": f"{self.base_url}/v1.0/$metadata#users", "value": page}
        if offset + top < len(users):
            body["@odata.nextLink"] = self._next_link(call, {"$skiptoken": _skip_token(offset + top)})
        return Answer(200, body)

    def _groups(self, call: Call) -> Answer:
        call.notes["endpoint"] = "groups"
        if not set(call.app.roles) & MEMBER_ROLES:
            raise GraphRefusal("graph_directory_denied")
        text = call.param("$filter") or ""
        match = re.fullmatch(r"\s*(mail|displayName)\s+eq\s+'((?:[^']|'')*)'\s*", text, re.IGNORECASE)
        if text and match is None:
            raise GraphRefusal("graph_unsupported_query")
        group = self.tenant.group
        found = [group]
        if match is not None:
            field_name, value = match.group(1).lower(), match.group(2).replace("''", "'")
            actual = group.mail if field_name == "mail" else group.display_name
            found = [group] if actual.lower() == value.lower() else []
        items = [_select({
            "id": g.id,
            "deletedDateTime": None,
            "description": "Mailboxes Enterprise Connect may read",
            "displayName": g.display_name,
            "groupTypes": [],
            "mail": g.mail,
            "mailEnabled": True,
            "mailNickname": g.mail.split("@")[0],
            "securityEnabled": True,
        }, call.param("$select")) for g in found]
        return Answer(200, {"@odata.context": f"{self.base_url}/v1.0/$metadata#groups", "value": items})

    def _members(self, call: Call, group_id: str) -> Answer:
        call.notes["endpoint"] = "members"
        if not set(call.app.roles) & MEMBER_ROLES:
            raise GraphRefusal("graph_directory_denied")
        group = self.tenant.group
        if group_id.lower() != group.id:
            raise GraphRefusal("graph_user_not_found", user=group_id)
        top = self._top(call, MEMBERS_PAGE, MEMBERS_MAX)
        offset = _offset(call.param("$skiptoken"))
        can_read_users = bool(set(call.app.roles) & USER_ROLES)
        page = []
        for address in group.members[offset: offset + top]:
            user = self.tenant.users[address.lower()]
            item: dict[str, Any] = {"@odata.type": "#microsoft.graph.user", "id": user.id}
            for name, value in (("businessPhones", []), ("displayName", user.display_name),
                                ("mail", user.address), ("userPrincipalName", user.address)):
                item[name] = value if can_read_users else None
            page.append(_select(item, call.param("$select")))
        body: dict[str, Any] = {"@odata.context": f"{self.base_url}/v1.0/$metadata#directoryObjects",
                                "value": page}
        if offset + top < len(group.members):
            body["@odata.nextLink"] = self._next_link(call, {"$skiptoken": _skip_token(offset + top)})
        return Answer(200, body)

    # -- mailboxes ------------------------------------------------------------------------------------------
    def _mailbox(self, call: Call, key: str, *, write: bool = False) -> User:
        call.notes["mailbox"] = key
        user = self.tenant.user(key)
        if user is None:
            raise GraphRefusal("graph_invalid_user", user=key)
        if not user.mailbox:
            raise GraphRefusal("graph_mailbox_not_enabled")
        app = call.app
        entra = set(app.roles) & CALENDAR_ROLES
        if app.access_policy and not user.in_scope:
            raise GraphRefusal("graph_access_policy_denied")
        covered = user.in_scope or user.extra_grant  # extra_grant: a second, wider RBAC scope (a leak)
        rbac = app.rbac_roles & CALENDAR_ROLES if covered else frozenset()
        if not (entra or rbac):
            raise GraphRefusal("graph_access_denied")
        if write and not ((entra | rbac) & WRITE_ROLES):
            raise GraphRefusal("graph_access_denied")
        retry_after = self.tenant.throttled_now(user)
        if retry_after is not None:
            raise GraphRefusal("graph_throttled", headers={"Retry-After": str(retry_after)})
        return user

    def _calendar(self, call: Call, key: str) -> Answer:
        call.notes["endpoint"] = "calendar"
        user = self._mailbox(call, key)
        item = {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#users('{quote(key)}')/calendar/$entity",
            "id": f"AAMk{base64.urlsafe_b64encode(user.id.encode()).decode().rstrip('=')}",
            "name": "Calendar",
            "color": "auto",
            "hexColor": "",
            "isDefaultCalendar": True,
            "changeKey": "nfZyf7VcrEKLNoU37KWlkQAAAAACFQ==",
            "canShare": True,
            "canViewPrivateItems": True,
            "canEdit": True,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "isTallyingResponses": True,
            "isRemovable": False,
            "owner": {"name": user.display_name, "address": user.address},
        }
        return Answer(200, _select(item, call.param("$select")))

    def _event_json(self, user: User, event: Event) -> dict[str, Any]:
        return {
            "@odata.etag": f'W/"{event.id[:12]}"',
            "id": event.id,
            "createdDateTime": _iso(event.start - dt.timedelta(days=3)),
            "lastModifiedDateTime": _iso(event.start - dt.timedelta(days=2)),
            "subject": event.subject,
            "bodyPreview": event.body[:255],
            "importance": "normal",
            "sensitivity": "normal",
            "isAllDay": event.is_all_day,
            "isCancelled": False,
            "showAs": event.show_as,
            "type": "singleInstance",
            "body": {"contentType": "text", "content": event.body},
            "start": {"dateTime": _iso(event.start), "timeZone": "UTC"},
            "end": {"dateTime": _iso(event.end), "timeZone": "UTC"},
            "location": {"displayName": event.location},
            "attendees": [{"type": "required", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
                           "emailAddress": {"name": a, "address": a}} for a in event.attendees],
            "organizer": {"emailAddress": {"name": user.display_name, "address": user.address}},
        }

    def _page_of_events(self, call: Call, user: User, events: list[Event], context: str) -> Answer:
        top = self._top(call, CALENDAR_VIEW_PAGE, 1000)
        try:
            skip = max(0, int(call.param("$skip") or 0))
        except ValueError:
            skip = 0
        select = call.param("$select")
        page = [_select(self._event_json(user, e), select) for e in events[skip: skip + top]]
        body: dict[str, Any] = {"@odata.context": context, "value": page}
        if skip + top < len(events):
            body["@odata.nextLink"] = self._next_link(call, {"$skip": str(skip + top)})
        call.notes["events"] = len(page)
        return Answer(200, body)

    def _calendar_view(self, call: Call, key: str) -> Answer:
        call.notes["endpoint"] = "calendarView"
        call.notes["select"] = call.param("$select")
        start_text, end_text = call.param("startDateTime"), call.param("endDateTime")
        if not start_text or not end_text:
            raise GraphRefusal("graph_calendarview_window")
        try:
            start, end = _parse_moment(start_text), _parse_moment(end_text)
        except ValueError:
            raise GraphRefusal("graph_calendarview_window") from None
        user = self._mailbox(call, key)
        with self.tenant.lock:
            events = sorted((e for e in user.events.values() if e.start < end and e.end > start),
                            key=lambda e: e.start)
        return self._page_of_events(call, user, events,
                                    f"{self.base_url}/v1.0/$metadata#users('{quote(key)}')/calendarView")

    def _events(self, call: Call, key: str) -> Answer:
        call.notes["endpoint"] = "events"
        call.notes["select"] = call.param("$select")
        user = self._mailbox(call, key)
        with self.tenant.lock:
            events = sorted(user.events.values(), key=lambda e: e.start)
        return self._page_of_events(call, user, events,
                                    f"{self.base_url}/v1.0/$metadata#users('{quote(key)}')/events")

    def _create_event(self, call: Call, key: str) -> Answer:
        call.notes["endpoint"] = "event_create"
        try:
            data = json.loads(call.body or b"null")
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise GraphRefusal("graph_unreadable_body")
        user = self._mailbox(call, key, write=True)
        now = self._now()
        try:
            start = _parse_moment(str(data["start"]["dateTime"]))
            end = _parse_moment(str(data["end"]["dateTime"]))
        except (KeyError, TypeError, ValueError):
            start, end = now, now + dt.timedelta(minutes=30)
        body = data.get("body") if isinstance(data.get("body"), dict) else {}
        event = Event(
            id=f"AAMkAGI{uuid.uuid4().hex}",
            start=start,
            end=end,
            show_as=str(data.get("showAs") or "busy"),
            is_all_day=bool(data.get("isAllDay")),
            subject=str(data.get("subject") or ""),
            body=str(body.get("content") or ""),
            location=str((data.get("location") or {}).get("displayName") or "")
            if isinstance(data.get("location"), dict) else "",
            attendees=tuple(str(((a or {}).get("emailAddress") or {}).get("address") or "")
                            for a in data.get("attendees") or [] if isinstance(a, dict)),
        )
        with self.tenant.lock:
            user.events[event.id] = event
        call.notes["event_id"] = event.id
        item = {"@odata.context": f"{self.base_url}/v1.0/$metadata#users('{quote(key)}')/events/$entity",
                **self._event_json(user, event)}
        location = f"{self.base_url}/v1.0/users/{user.id}/events/{event.id}"
        return Answer(201, item, {"Location": location})

    def _event(self, call: Call, key: str, event_id: str, *, delete: bool) -> Answer:
        call.notes["endpoint"] = "event_delete" if delete else "event"
        user = self._mailbox(call, key, write=delete)
        with self.tenant.lock:
            event = user.events.get(event_id)
            if event is not None and delete:
                del user.events[event_id]
        if event is None:
            raise GraphRefusal("graph_item_not_found")
        if delete:
            return Answer(204)
        return Answer(200, _select(self._event_json(user, event), call.param("$select")))

    # -- helpers --------------------------------------------------------------------------------------------
    @staticmethod
    def _top(call: Call, default: int, maximum: int) -> int:
        prefer = call.headers.get("prefer", "")
        match = re.search(r"odata\.maxpagesize=(\d+)", prefer)
        text = call.param("$top") or (match.group(1) if match else None)
        try:
            return min(maximum, max(1, int(text))) if text else default
        except ValueError:
            return default

    def _next_link(self, call: Call, replace: dict[str, str]) -> str:
        query = {k: v[0] for k, v in call.query.items() if k.lower() not in {r.lower() for r in replace}}
        query.update(replace)
        text = "&".join(f"{k}={quote(v, safe=':,$')}" for k, v in query.items())
        return f"{self.base_url}/v1.0/{call.path}?{text}"

    # -- $batch ---------------------------------------------------------------------------------------------
    def _batch(self, call: Call, request_id: str, client_request_id: str) -> Answer:
        call.notes["endpoint"] = "batch"
        try:
            items = self._batch_items(call.body)
        except GraphRefusal as refusal:
            status, body = graph_error_body(refusal.fixture, self._now(), request_id, client_request_id)
            call.notes["error"] = graph_code(refusal.fixture)
            return Answer(status, body)
        responses: list[dict[str, Any]] = []
        statuses: dict[str, int] = {}
        recorded: list[dict[str, Any]] = []
        for item in items:
            inner_id = str(uuid.uuid4())
            depends = item.get("dependsOn") or []
            notes: dict[str, Any] = {"id": item["id"], "method": item["method"].upper()}
            if any(statuses.get(str(d), 200) >= 400 for d in depends):
                status, body = graph_error_body("graph_failed_dependency", self._now(), inner_id,
                                                client_request_id)
                answer = Answer(status, body)
                notes["error"] = graph_code("graph_failed_dependency")
            else:
                split = urlsplit(str(item["url"]))
                inner_headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
                raw_body = item.get("body")
                inner = Call(
                    method=notes["method"],
                    path=split.path.lstrip("/"),
                    query=parse_qs(split.query),
                    headers=inner_headers,
                    body=json.dumps(raw_body).encode() if raw_body is not None else b"",
                    app=call.app,
                    notes=notes,
                )
                answer = self.dispatch(inner, inner_id, client_request_id)
            notes["status"] = answer.status
            statuses[str(item["id"])] = answer.status
            recorded.append(notes)
            headers = dict(answer.headers)
            if answer.body is not None:
                headers.setdefault("Content-Type", GRAPH_CONTENT_TYPE)
            entry: dict[str, Any] = {"id": item["id"], "status": answer.status, "headers": headers}
            if answer.body is not None:
                entry["body"] = answer.body
            responses.append(entry)
        call.notes["items"] = recorded
        return Answer(200, {"responses": responses})

    @staticmethod
    def _batch_items(body: bytes) -> list[dict[str, Any]]:
        try:
            data = json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise GraphRefusal("graph_batch_invalid") from None
        requests = data.get("requests") if isinstance(data, dict) else None
        if not isinstance(requests, list) or not requests:
            raise GraphRefusal("graph_batch_invalid")
        if len(requests) > MAX_BATCH:
            raise GraphRefusal("graph_batch_too_many")
        seen: set[str] = set()
        for item in requests:
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str) and item.get(k)
                                                     for k in ("id", "method", "url")):
                raise GraphRefusal("graph_batch_invalid")
            if item["id"] in seen or not isinstance(item.get("dependsOn", []), list):
                raise GraphRefusal("graph_batch_invalid")
            seen.add(item["id"])
        return requests
