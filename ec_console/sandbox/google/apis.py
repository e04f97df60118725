"""Directory API (`<root>/admin/directory/v1/`), the Admin audit log of the Reports API
(`<root>/admin/reports/v1/activity/...`) and Calendar API (`<root>/calendar/v3/`) of the sandbox.

Every call goes through the same gate, in Google's order: a bearer token (401 `required` / `authError`), the
API enabled in the token's Cloud project (403 `accessNotConfigured` with the SERVICE_DISABLED ErrorInfo), the
token's scopes (403 `insufficientPermissions`), then the method's own rules (Directory: the token's user must
be an administrator, else 403 `forbidden`; Calendar: the user must have Google Calendar, else 403
`notACalendarUser`; a rate-limited user gets `rateLimitExceeded` / `userRateLimitExceeded` / 429).

`fields` (partial response, e.g. `nextPageToken,users(primaryEmail,suspended)`) is honoured; every call is
noted in the request log (`notes`: api, method, subject, fields, calendar, ...) so tests can prove what a
client did and did not ask for.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ec_console.sandbox.google.errors import api_error, error_body, error_response, json_response
from ec_console.sandbox.google.org import GoogleEvent, GoogleGroup, GoogleUser
from ec_console.sandbox.google.state import APIS, GOOGLE, AuditEvent, GoogleState, Grant
from ec_console.sandbox.server import Request, Response

_DIR_USER_SCOPES = frozenset({GOOGLE + "admin.directory.user", GOOGLE + "admin.directory.user.readonly"})
_DIR_GROUP_SCOPES = frozenset(
    {
        GOOGLE + s
        for s in (
            "admin.directory.group",
            "admin.directory.group.readonly",
            "admin.directory.group.member",
            "admin.directory.group.member.readonly",
        )
    }
)
_DIR_OU_SCOPES = frozenset({GOOGLE + "admin.directory.orgunit", GOOGLE + "admin.directory.orgunit.readonly"})
# Reports API activities.list: the one scope its discovery document names.
_REPORTS_AUDIT_SCOPES = frozenset({GOOGLE + "admin.reports.audit.readonly"})
_CAL_ALL = frozenset({GOOGLE + "calendar", GOOGLE + "calendar.readonly"})
_CAL_LIST_SCOPES = _CAL_ALL | {GOOGLE + "calendar.calendarlist", GOOGLE + "calendar.calendarlist.readonly"}
_CAL_GET_SCOPES = _CAL_ALL | {GOOGLE + "calendar.calendars", GOOGLE + "calendar.calendars.readonly"}
_CAL_EVENTS_SCOPES = _CAL_ALL | {
    GOOGLE + s
    for s in (
        "calendar.events",
        "calendar.events.readonly",
        "calendar.events.owned",
        "calendar.events.owned.readonly",
    )
}
_CAL_FREEBUSY_SCOPES = _CAL_ALL | {GOOGLE + "calendar.freebusy", GOOGLE + "calendar.events.freebusy"}

_RATE_LIMIT_FIXTURES = {
    "rate": "calendar_rate_limit_exceeded",
    "user": "calendar_user_rate_limit_exceeded",
    "429": "calendar_too_many_requests",
}


class ApiRefusal(Exception):
    """A handler's early answer (an error response)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


# -- partial response (`fields`) ----------------------------------------------------------------------------
FieldTree = dict[str, "FieldTree | None"]


def parse_fields(text: str) -> FieldTree:
    """Parse a `fields` selector (`a,b(c,d/e),f/g`) into a tree; ValueError when malformed."""
    pos = 0

    def parse_list(depth: int) -> FieldTree:
        nonlocal pos
        tree: FieldTree = {}
        while True:
            match = re.compile(r"\s*([A-Za-z_*][\w*]*(?:/[A-Za-z_*][\w*]*)*)\s*").match(text, pos)
            if match is None:
                raise ValueError(f"Invalid field selection {text}")
            pos = match.end()
            sub: FieldTree | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list(depth + 1)
                if pos >= len(text) or text[pos] != ")":
                    raise ValueError(f"Invalid field selection {text}")
                pos += 1
            _insert(tree, match.group(1).split("/"), sub)
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if depth == 0 and pos != len(text):
                raise ValueError(f"Invalid field selection {text}")
            return tree

    return parse_list(0)


def _insert(tree: FieldTree, path: list[str], sub: FieldTree | None) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        existing = tree.get(head, {}) if head in tree else None
        if head in tree and (existing is None or sub is None):
            tree[head] = None
        elif isinstance(existing, dict) and sub is not None:
            existing.update(sub)
            tree[head] = existing
        else:
            tree[head] = sub
        return
    child = tree.get(head)
    if head in tree and child is None:
        return
    child = child if isinstance(child, dict) else {}
    _insert(child, rest, sub)
    tree[head] = child


def apply_fields(value: Any, tree: FieldTree | None) -> Any:
    if tree is None:
        return value
    if isinstance(value, list):
        return [apply_fields(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    if "*" in tree:
        return {k: apply_fields(v, tree["*"]) for k, v in value.items()}
    return {k: apply_fields(value[k], sub) for k, sub in tree.items() if k in value}


# -- helpers -----------------------------------------------------------------------------------------------
def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _etag(*parts: object) -> str:
    return '"' + hashlib.sha1(json.dumps(parts, default=str).encode()).hexdigest()[:27] + '"'


def _parse_time(value: str, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise ApiRefusal(
            error_response("calendar_bad_request", message="Bad Request", reason="badRequest")
        ) from None
    if moment.tzinfo is None:
        raise ApiRefusal(error_response("calendar_bad_request", message="Bad Request", reason="badRequest"))
    return moment


def _page_token(offset: int, key: str) -> str:
    raw = json.dumps({"o": offset, "k": hashlib.sha1(key.encode()).hexdigest()[:12]}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _page_offset(token: str | None, key: str, bad: Callable[[], Response]) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if data["k"] != hashlib.sha1(key.encode()).hexdigest()[:12]:
            raise ValueError("token of another query")
        return int(data["o"])
    except (ValueError, KeyError, TypeError):
        raise ApiRefusal(bad()) from None


def _bool(value: str | None, default: bool = False) -> bool:
    return default if value is None else value.strip().lower() == "true"


def _int_param(value: str | None, default: int, low: int, high: int, name: str, fixture: str) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        message = f"Invalid value '{value}'. Values must be within the range: [{low}, {high}]"
        raise ApiRefusal(error_response(fixture, message=message, reason="invalid"))
    return number


@dataclass
class ApiCall:
    request: Request
    grant: Grant
    params: dict[str, str]  # path parameters
    query: dict[str, str]  # first value of each query parameter

    def note(self, **values: Any) -> None:
        self.request.record.notes.update(values)


@dataclass(frozen=True)
class ApiMethod:
    api: str
    name: str
    http_method: str
    pattern: re.Pattern[str]
    scopes: frozenset[str]
    handler: Callable[[ApiCall], Response]


# -- the APIs ----------------------------------------------------------------------------------------------
class GoogleApis:
    """Dispatches Directory and Calendar requests (also the parts of a batch)."""

    def __init__(self, state: GoogleState) -> None:
        self.state = state
        d, c, r = "/admin/directory/v1", "/calendar/v3", "/admin/reports/v1"
        seg = r"(?P<{}>[^/]+)"
        self.methods = [
            ApiMethod(
                "directory", "users.list", "GET", re.compile(f"{d}/users"), _DIR_USER_SCOPES, self.users_list
            ),
            ApiMethod(
                "directory",
                "users.get",
                "GET",
                re.compile(f"{d}/users/{seg.format('userKey')}"),
                _DIR_USER_SCOPES,
                self.users_get,
            ),
            ApiMethod(
                "directory",
                "groups.get",
                "GET",
                re.compile(f"{d}/groups/{seg.format('groupKey')}"),
                _DIR_GROUP_SCOPES,
                self.groups_get,
            ),
            ApiMethod(
                "directory",
                "members.list",
                "GET",
                re.compile(f"{d}/groups/{seg.format('groupKey')}/members"),
                _DIR_GROUP_SCOPES,
                self.members_list,
            ),
            ApiMethod(
                "directory",
                "orgunits.list",
                "GET",
                re.compile(f"{d}/customer/{seg.format('customerId')}/orgunits"),
                _DIR_OU_SCOPES,
                self.orgunits_list,
            ),
            ApiMethod(
                "reports",
                "activities.list",
                "GET",
                re.compile(f"{r}/activity/users/{seg.format('userKey')}/applications/"
                           f"{seg.format('applicationName')}"),
                _REPORTS_AUDIT_SCOPES,
                self.activities_list,
            ),
            ApiMethod(
                "calendar",
                "calendarList.list",
                "GET",
                re.compile(f"{c}/users/me/calendarList"),
                _CAL_LIST_SCOPES,
                self.calendar_list,
            ),
            ApiMethod(
                "calendar",
                "calendars.get",
                "GET",
                re.compile(f"{c}/calendars/{seg.format('calendarId')}"),
                _CAL_GET_SCOPES,
                self.calendars_get,
            ),
            ApiMethod(
                "calendar",
                "events.list",
                "GET",
                re.compile(f"{c}/calendars/{seg.format('calendarId')}/events"),
                _CAL_EVENTS_SCOPES,
                self.events_list,
            ),
            ApiMethod(
                "calendar",
                "freebusy.query",
                "POST",
                re.compile(f"{c}/freeBusy"),
                _CAL_FREEBUSY_SCOPES,
                self.freebusy_query,
            ),
        ]

    # -- gate ----------------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        method = next(
            (
                m
                for m in self.methods
                if m.http_method == request.method and m.pattern.fullmatch(request.path)
            ),
            None,
        )
        if method is None:
            return Response.text(404, "Not Found")
        params = {k: unquote(v) for k, v in method.pattern.fullmatch(request.path).groupdict().items()}  # type: ignore[union-attr]
        query = {k: v[0] for k, v in request.query.items()}
        request.record.notes.update(api=method.api, method=method.name, fields=query.get("fields"))
        api = APIS[method.api]
        values = {"service": api.service, "method": f"{method.api}.{method.name}"}
        auth = request.header("Authorization")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not token:
            return api_error("api_unauthenticated", **values)
        grant = self.state.tokens.access(token)
        if grant is None or grant.expires_at < self.state.clock.timestamp():
            return api_error("api_invalid_credentials", **values)
        request.record.notes["subject"] = grant.subject
        if not self.state.api_enabled(api.key):
            return api_error(
                "api_service_disabled",
                service=api.service,
                service_title=api.title,
                project_number=grant.project_number,
                activation_url=api.activation_url(grant.project_number),
            )
        if not grant.scopes & method.scopes:
            return api_error("api_insufficient_scopes", **values)
        try:
            tree = parse_fields(query["fields"]) if query.get("fields") else None
        except ValueError as exc:
            fixture = "directory_bad_request" if method.api == "directory" else "calendar_bad_request"
            return error_response(fixture, message=str(exc), reason="invalidParameter")
        try:
            with self.state.org.lock:
                response = method.handler(ApiCall(request, grant, params, query))
        except ApiRefusal as refusal:
            return refusal.response
        if tree is not None and response.status == 200:
            response = json_response(200, apply_fields(json.loads(response.body), tree))
        return response

    # -- Directory -----------------------------------------------------------------------------------------
    def _admin(self, call: ApiCall) -> GoogleUser:
        user = self.state.org.user(call.grant.subject) if call.grant.subject else None
        if user is None or user.suspended or not user.is_any_admin:
            raise ApiRefusal(api_error("directory_forbidden"))
        return user

    def _user_resource(self, user: GoogleUser) -> dict[str, Any]:
        org = self.state.org
        body: dict[str, Any] = {
            "kind": "admin#directory#user",
            "id": user.user_id,
            "etag": _etag(user.primary_email),
            "primaryEmail": user.primary_email,
            "name": {
                "givenName": user.given_name,
                "familyName": user.family_name,
                "fullName": user.full_name,
            },
            "isAdmin": user.is_admin,
            "isDelegatedAdmin": user.is_delegated_admin,
            **({"organizations": [{"title": user.title, "primary": True}]} if user.title else {}),
            "lastLoginTime": _rfc3339(self.state.clock.now() - dt.timedelta(days=1)),
            "creationTime": _rfc3339(user.creation_time),
            "agreedToTerms": True,
            "suspended": user.suspended,
            "archived": False,
            "changePasswordAtNextLogin": False,
            "ipWhitelisted": False,
            "emails": [{"address": user.primary_email, "primary": True}],
            "languages": [{"languageCode": "en", "preference": "preferred"}],
            "nonEditableAliases": [f"{user.primary_email}.test-google-a.com"],
            "customerId": org.customer_id,
            "orgUnitPath": user.org_unit_path,
            "isMailboxSetup": True,
            "isEnrolledIn2Sv": user.is_any_admin,
            "isEnforcedIn2Sv": False,
            "includeInGlobalAddressList": True,
        }
        if user.suspended:
            body["suspensionReason"] = user.suspension_reason or "ADMIN"
        return body

    def _dir_bad(self, message: str = "Bad Request", reason: str = "badRequest") -> Response:
        return error_response("directory_bad_request", message=message, reason=reason)

    def users_get(self, call: ApiCall) -> Response:
        self._admin(call)
        key = call.params["userKey"]
        call.note(user_key=key)
        org = self.state.org
        if "@" in key and not org.owns(key):
            raise ApiRefusal(api_error("directory_forbidden"))
        user = org.user(key)
        if user is None:
            return api_error("directory_not_found", key="userKey")
        return json_response(200, self._user_resource(user))

    def _user_filter(self, query: str) -> Callable[[GoogleUser], bool]:
        tests: list[Callable[[GoogleUser], bool]] = []
        for term in re.findall(r"(\w+)\s*([=:])\s*('[^']*'|\"[^\"]*\"|\S+)", query):
            name, _, raw = term
            value = raw.strip("'\"")
            lower = name.lower()
            if lower == "orgunitpath":
                path = "/" + value.strip("/")
                tests.append(
                    lambda u, p=path: p == "/" or u.org_unit_path == p or u.org_unit_path.startswith(p + "/")
                )
            elif lower == "issuspended":
                wanted = _bool(value)
                tests.append(lambda u, v=wanted: u.suspended is v)
            elif lower == "isadmin":
                wanted = _bool(value)
                tests.append(lambda u, v=wanted: u.is_admin is v)
            elif lower == "email":
                prefix = value.lower().rstrip("*")
                exact = not value.endswith("*")
                tests.append(
                    lambda u, p=prefix, e=exact: u.primary_email == p if e else u.primary_email.startswith(p)
                )
            else:
                raise ApiRefusal(self._dir_bad("Invalid Input", "invalid"))
        if query.strip() and not tests:
            raise ApiRefusal(self._dir_bad("Invalid Input", "invalid"))
        return lambda u: all(test(u) for test in tests)

    def users_list(self, call: ApiCall) -> Response:
        self._admin(call)
        q, org = call.query, self.state.org
        customer, domain = q.get("customer"), q.get("domain")
        if not customer and not domain:
            raise ApiRefusal(self._dir_bad())
        if customer and customer not in ("my_customer", org.customer_id):
            raise ApiRefusal(self._dir_bad())
        if domain and domain.lower() != org.domain:
            raise ApiRefusal(api_error("directory_forbidden"))
        limit = _int_param(q.get("maxResults"), 100, 1, 500, "maxResults", "directory_bad_request")
        match = self._user_filter(q.get("query", ""))
        show_deleted = _bool(q.get("showDeleted"))
        users = [
            u
            for u in sorted(org.users.values(), key=lambda u: u.primary_email)
            if u.deleted is show_deleted and match(u)
        ]
        order = q.get("orderBy", "email")
        if order in ("givenName", "familyName"):
            users.sort(key=lambda u: (u.given_name if order == "givenName" else u.family_name).lower())
        if q.get("sortOrder", "").upper() == "DESCENDING":
            users.reverse()
        key = json.dumps([customer, domain, q.get("query"), show_deleted, order, q.get("sortOrder")])
        offset = _page_offset(q.get("pageToken"), key, lambda: self._dir_bad("Invalid Input", "invalid"))
        page = users[offset : offset + limit]
        call.note(query=q.get("query"), returned=len(page))
        body: dict[str, Any] = {"kind": "admin#directory#users", "etag": _etag("users", key, offset)}
        if page:
            body["users"] = [self._user_resource(u) for u in page]
        if offset + limit < len(users):
            body["nextPageToken"] = _page_token(offset + limit, key)
        return json_response(200, body)

    def _group(self, call: ApiCall) -> GoogleGroup:
        self._admin(call)
        group = self.state.org.group(call.params["groupKey"])
        if group is None:
            raise ApiRefusal(api_error("directory_not_found", key="groupKey"))
        return group

    def groups_get(self, call: ApiCall) -> Response:
        group = self._group(call)
        return json_response(
            200,
            {
                "kind": "admin#directory#group",
                "id": group.group_id,
                "etag": _etag(group.email),
                "email": group.email,
                "name": group.name,
                "description": group.description,
                "directMembersCount": str(len(group.members)),
                "adminCreated": True,
            },
        )

    def members_list(self, call: ApiCall) -> Response:
        group = self._group(call)
        q, org = call.query, self.state.org
        derived = _bool(q.get("includeDerivedMembership"))
        members = org.derived_members(group) if derived else list(group.members)
        roles = {r.strip().upper() for r in q.get("roles", "").split(",") if r.strip()}
        rows: list[dict[str, Any]] = []
        for member in members:
            if roles and member.role not in roles:
                continue
            if member.member_type == "GROUP":
                inner = org.group(member.email)
                member_id, status = (inner.group_id if inner else "0"), None
            else:
                user = org.user(member.email)
                if user is None:
                    continue
                member_id, status = user.user_id, ("SUSPENDED" if user.suspended else "ACTIVE")
            row = {
                "kind": "admin#directory#member",
                "etag": _etag(group.email, member.email),
                "id": member_id,
                "email": member.email,
                "role": member.role,
                "type": member.member_type,
            }
            if status:
                row["status"] = status
            rows.append(row)
        limit = _int_param(q.get("maxResults"), 200, 1, 200, "maxResults", "directory_bad_request")
        key = json.dumps([group.email, derived, sorted(roles)])
        offset = _page_offset(q.get("pageToken"), key, lambda: self._dir_bad("Invalid Input", "invalid"))
        call.note(group=group.email, derived=derived)
        body: dict[str, Any] = {"kind": "admin#directory#members", "etag": _etag("members", key, offset)}
        if rows[offset : offset + limit]:
            body["members"] = rows[offset : offset + limit]
        if offset + limit < len(rows):
            body["nextPageToken"] = _page_token(offset + limit, key)
        return json_response(200, body)

    def orgunits_list(self, call: ApiCall) -> Response:
        self._admin(call)
        org = self.state.org
        if call.params["customerId"] not in ("my_customer", org.customer_id):
            raise ApiRefusal(self._dir_bad())
        units = []
        for path, description in org.org_units:
            if path == "/":
                continue
            parent = path.rsplit("/", 1)[0] or "/"
            units.append(
                {
                    "kind": "admin#directory#orgUnit",
                    "etag": _etag(path),
                    "name": path.rsplit("/", 1)[1],
                    "description": description,
                    "orgUnitPath": path,
                    "orgUnitId": "id:03" + hashlib.sha1(path.encode()).hexdigest()[:12],
                    "parentOrgUnitPath": parent,
                    "parentOrgUnitId": "id:03" + hashlib.sha1(parent.encode()).hexdigest()[:12],
                }
            )
        return json_response(
            200, {"kind": "admin#directory#orgUnits", "etag": _etag("ou"), "organizationUnits": units}
        )

    # -- Reports: the Admin audit log -----------------------------------------------------------------------
    def activities_list(self, call: ApiCall) -> Response:
        """`activities.list` for applicationName=admin, the shape Google documents.

        Source: https://developers.google.com/workspace/admin/reports/reference/rest/v1/activities/list
        (`{kind: "admin#reports#activities", etag, items[], nextPageToken}`; `items` absent when no event
        matches) and the Activity resource (`id{time, uniqueQualifier, applicationName, customerId}`,
        `actor{callerType, email, profileId}`, `events[{type, name, parameters[{name, value}]}]`), newest
        first. The event ADD_APPLICATION (type DOMAIN_SETTINGS; parameters APP_ID, APPLICATION_ENABLED,
        APPLICATION_NAME) is documented at
        https://developers.google.com/admin-sdk/reports/v1/reference/activity-ref-appendix-a/admin-domain-events
        ("Application {APPLICATION_NAME} with id {APP_ID} has been added to the domain"). Reading the audit
        log takes an administrator: anyone else gets Directory's 403 `forbidden` answer.
        """
        self._admin(call)
        app = call.params["applicationName"]
        user_key = call.params["userKey"]
        event_name = call.query.get("eventName")
        call.note(application_name=app, user_key=user_key, event_name=event_name)
        if app != "admin":
            return self._dir_bad(f"Invalid value for applicationName: {app}", "invalid")
        org = self.state.org
        with self.state.lock:
            events: list[AuditEvent] = list(self.state.audit_events)
        chosen = [e for e in reversed(events)
                  if (event_name is None or e.name == event_name)
                  and (user_key == "all" or e.actor == user_key.lower())]
        body: dict[str, Any] = {"kind": "admin#reports#activities", "etag": _etag("activities", len(chosen))}
        if chosen:
            body["items"] = [
                {
                    "kind": "admin#reports#activity",
                    "id": {
                        "time": _rfc3339(e.time),
                        "uniqueQualifier": str(int(_etag(e.time, e.name).strip('"')[:15], 16)),
                        "applicationName": "admin",
                        "customerId": org.customer_id,
                    },
                    "etag": _etag(e.time, e.name),
                    "actor": {"callerType": "USER", "email": e.actor,
                              "profileId": org.user(e.actor).user_id if org.user(e.actor) else "0"},
                    "ipAddress": "203.0.113.7",
                    "events": [{"type": e.type, "name": e.name,
                                "parameters": [{"name": k, "value": v} for k, v in e.parameters]}],
                }
                for e in chosen
            ]
        return json_response(200, body)

    # -- Calendar ------------------------------------------------------------------------------------------
    def _caller(self, call: ApiCall) -> GoogleUser | None:
        """The user the token acts as (None: the service account itself); refusals per Calendar's rules."""
        if call.grant.subject is None:
            return None
        user = self.state.org.user(call.grant.subject)
        if user is None or user.suspended:
            raise ApiRefusal(
                api_error("api_invalid_credentials", service=APIS["calendar"].service, method="calendar")
            )
        if not user.calendar_enabled:
            raise ApiRefusal(api_error("calendar_not_a_calendar_user"))
        if user.rate_limited:
            raise ApiRefusal(
                api_error(
                    _RATE_LIMIT_FIXTURES.get(self.state.org.rate_limit_mode, "calendar_rate_limit_exceeded")
                )
            )
        return user

    def _own_calendar(self, call: ApiCall, caller: GoogleUser | None) -> str:
        calendar_id = call.params["calendarId"]
        own = caller.primary_email if caller else call.grant.principal
        call.note(calendar_id=calendar_id)
        if calendar_id.lower() not in ("primary", own.lower()):
            raise ApiRefusal(api_error("calendar_not_found"))
        return own

    def calendar_list(self, call: ApiCall) -> Response:
        caller = self._caller(call)
        own = caller.primary_email if caller else call.grant.principal
        entry = {
            "kind": "calendar#calendarListEntry",
            "etag": _etag("cl", own),
            "id": own,
            "summary": own,
            "timeZone": "UTC",
            "colorId": "14",
            "backgroundColor": "#9fe1e7",
            "foregroundColor": "#000000",
            "selected": True,
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
            "primary": True,
        }
        return json_response(
            200,
            {
                "kind": "calendar#calendarList",
                "etag": _etag("cl"),
                "nextSyncToken": "CPjsbx" + hashlib.sha1(own.encode()).hexdigest()[:16],
                "items": [entry],
            },
        )

    def calendars_get(self, call: ApiCall) -> Response:
        own = self._own_calendar(call, self._caller(call))
        return json_response(
            200,
            {
                "kind": "calendar#calendar",
                "etag": _etag("cal", own),
                "id": own,
                "summary": own,
                "timeZone": "UTC",
                "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
            },
        )

    @staticmethod
    def _event_resource(owner: str, event: GoogleEvent) -> dict[str, Any]:
        def when(moment: dt.datetime) -> dict[str, str]:
            if event.all_day:
                return {"date": moment.date().isoformat()}
            return {"dateTime": moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "timeZone": "UTC"}

        body: dict[str, Any] = {
            "kind": "calendar#event",
            "etag": _etag(event.event_id),
            "id": event.event_id,
            "status": "confirmed",
            "htmlLink": "https://www.google.com/calendar/event?eid="
            + base64.urlsafe_b64encode(f"{event.event_id} {owner}".encode()).decode().rstrip("="),
            "created": "2025-01-06T09:00:00.000Z",
            "updated": "2025-01-06T09:00:00.000Z",
            "summary": event.summary,
            "description": event.description,
            "location": event.location,
            "creator": {"email": owner, "self": True},
            "organizer": {"email": owner, "self": True},
            "start": when(event.start),
            "end": when(event.end),
            "iCalUID": f"{event.event_id}@google.com",
            "sequence": 0,
            "reminders": {"useDefault": True},
            "eventType": "default",
        }
        if not event.location:
            del body["location"]
        if event.transparent:
            body["transparency"] = "transparent"
        return body

    def events_list(self, call: ApiCall) -> Response:
        caller = self._caller(call)
        own = self._own_calendar(call, caller)
        q = call.query
        time_min = _parse_time(q["timeMin"], "timeMin") if "timeMin" in q else None
        time_max = _parse_time(q["timeMax"], "timeMax") if "timeMax" in q else None
        single = _bool(q.get("singleEvents"))
        if q.get("orderBy") == "startTime" and not single:
            raise ApiRefusal(
                error_response(
                    "calendar_bad_request",
                    message="The requested ordering is not available for the particular query.",
                    reason="badRequest",
                )
            )
        limit = _int_param(q.get("maxResults"), 250, 1, 2500, "maxResults", "calendar_bad_request")
        events = [
            e
            for e in (caller.events if caller else [])
            if (time_min is None or e.end > time_min) and (time_max is None or e.start < time_max)
        ]
        events.sort(key=lambda e: (e.start, e.event_id))
        key = json.dumps([own, q.get("timeMin"), q.get("timeMax"), single, q.get("orderBy")])
        offset = _page_offset(
            q.get("pageToken"),
            key,
            lambda: error_response("calendar_bad_request", message="Invalid page token.", reason="invalid"),
        )
        page = events[offset : offset + limit]
        call.note(
            time_min=q.get("timeMin"), time_max=q.get("timeMax"), single_events=single, returned=len(page)
        )
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": _etag("ev", key, offset),
            "summary": own,
            "description": "",
            "updated": _rfc3339(self.state.clock.now()),
            "timeZone": "UTC",
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "items": [self._event_resource(own, e) for e in page],
        }
        if offset + limit < len(events):
            body["nextPageToken"] = _page_token(offset + limit, key)
        else:
            body["nextSyncToken"] = "CKjsbx" + hashlib.sha1(key.encode()).hexdigest()[:16]
        return json_response(200, body)

    def freebusy_query(self, call: ApiCall) -> Response:
        caller = self._caller(call)
        try:
            body = json.loads(call.request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiRefusal(
                error_response("calendar_bad_request", message="Parse Error", reason="parseError")
            )
        for name in ("timeMin", "timeMax"):
            if not body.get(name):
                raise ApiRefusal(
                    error_response(
                        "calendar_bad_request", message=f"Missing {name} parameter.", reason="required"
                    )
                )
        time_min, time_max = (
            _parse_time(str(body["timeMin"]), "timeMin"),
            _parse_time(str(body["timeMax"]), "timeMax"),
        )
        if time_max <= time_min:
            raise ApiRefusal(
                error_response(
                    "calendar_bad_request",
                    message="The specified time range is empty.",
                    reason="timeRangeEmpty",
                )
            )
        items = [str(i.get("id", "")) for i in body.get("items", []) if isinstance(i, dict)]
        if len(items) > 50:
            raise ApiRefusal(
                error_response(
                    "calendar_bad_request",
                    message="Too many calendars requested.",
                    reason="tooManyCalendarsRequested",
                )
            )
        call.note(items=items, time_min=body["timeMin"], time_max=body["timeMax"])
        calendars: dict[str, Any] = {}
        for calendar_id in items:
            target = caller if calendar_id.lower() == "primary" else self.state.org.user(calendar_id)
            if calendar_id.lower() == "primary" and caller is None:
                calendars[calendar_id] = {"busy": []}
            elif target is None or not target.calendar_enabled or target.suspended:
                calendars[calendar_id] = error_body("freebusy_calendar_not_found")
            else:
                calendars[calendar_id] = {"busy": _busy(target.events, time_min, time_max)}
        return json_response(
            200,
            {
                "kind": "calendar#freeBusy",
                "timeMin": _rfc3339(time_min),
                "timeMax": _rfc3339(time_max),
                "calendars": calendars,
            },
        )


def _busy(events: list[GoogleEvent], start: dt.datetime, end: dt.datetime) -> list[dict[str, str]]:
    """Busy blocks within [start, end): opaque events clipped to the range, overlapping ones merged."""
    spans = sorted(
        (max(e.start, start), min(e.end, end))
        for e in events
        if not e.transparent and e.end > start and e.start < end
    )
    merged: list[list[dt.datetime]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [
        {
            "start": s.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": e.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for s, e in merged
    ]
