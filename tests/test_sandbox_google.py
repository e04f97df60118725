"""The Google sandbox against the real client libraries, used as the product uses them.

google-auth's service-account credentials refresh through a `requests.Session` that trusts the sandbox CA
per connection (`trust_env = False`: this machine sets REQUESTS_CA_BUNDLE); googleapiclient services are
built offline (`static_discovery=True`) with `client_options={"api_endpoint": ...}` and an
`AuthorizedHttp` over `httplib2.Http(ca_certs=...)`.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import stat

import httplib2
import pytest
import requests
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from google.oauth2 import service_account
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from ec_console.sandbox.google.org import NESTED_GROUP, SCOPE_GROUP
from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.google.state import (
    SCOPE_CALENDAR,
    SCOPE_CALENDAR_READONLY,
    SCOPE_DIRECTORY_GROUP_MEMBER_READONLY,
    SCOPE_DIRECTORY_USER_READONLY,
)
from ec_console.sandbox.tls import generate_tls_material

DIRECTORY = SCOPE_DIRECTORY_USER_READONLY


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("google-tls"))


@pytest.fixture
def sandbox(tls):
    sb = GoogleSandbox(tls=tls).start()
    yield sb
    sb.stop()


@pytest.fixture
def session(sandbox):
    s = requests.Session()
    s.verify = str(sandbox.ca_file)
    s.trust_env = False
    yield s
    s.close()


def credentials(sandbox, scope, subject=None, key_file=None):
    return service_account.Credentials.from_service_account_file(
        key_file or sandbox.info().key_file, scopes=[scope], subject=subject
    )


def refreshed(sandbox, session, scope, subject=None, key_file=None):
    creds = credentials(sandbox, scope, subject, key_file)
    creds.refresh(Request(session))
    return creds


def http_for(sandbox, creds):
    return AuthorizedHttp(creds, http=httplib2.Http(ca_certs=str(sandbox.ca_file)))


def directory(sandbox, creds):
    return build(
        "admin",
        "directory_v1",
        static_discovery=True,
        http=http_for(sandbox, creds),
        client_options={"api_endpoint": sandbox.api_root},
    )


def calendar(sandbox, creds):
    return build(
        "calendar",
        "v3",
        static_discovery=True,
        http=http_for(sandbox, creds),
        client_options={"api_endpoint": sandbox.api_root + "/calendar/v3/"},
    )


def reason(error: HttpError) -> str:
    return json.loads(error.content)["error"]["errors"][0]["reason"]


def refresh_error(sandbox, session, scope, subject=None, key_file=None) -> RefreshError:
    with pytest.raises(RefreshError) as caught:
        refreshed(sandbox, session, scope, subject, key_file)
    return caught.value


# -- the key file ------------------------------------------------------------------------------------------
def test_key_file_is_a_real_private_service_account_key(sandbox):
    info = sandbox.info()
    data = json.loads(open(info.key_file, encoding="utf-8").read())
    assert data["type"] == "service_account"
    assert data["client_email"] == info.service_account_email
    assert data["client_id"].isdigit() and data["client_id"] == info.client_id
    assert data["token_uri"] == info.token_uri and data["token_uri"].startswith("https://127.0.0.1:")
    assert data["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    for path in (info.key_file, info.client_secret_file):
        if os.name == "posix":
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    creds = service_account.Credentials.from_service_account_file(info.key_file)
    assert creds.service_account_email == info.service_account_email
    assert creds._token_uri == info.token_uri
    client = json.loads(open(info.client_secret_file, encoding="utf-8").read())["installed"]
    assert client["client_id"] == info.oauth_client_id and client["redirect_uris"] == ["http://localhost"]
    assert client["token_uri"] == info.token_uri and client["auth_uri"] == info.auth_uri


def test_info_lines_name_the_files_but_no_secret(sandbox):
    info = sandbox.info()
    text = "\n".join(info.lines()) + json.dumps(info.as_dict())
    key = json.loads(open(info.key_file, encoding="utf-8").read())
    secret = json.loads(open(info.client_secret_file, encoding="utf-8").read())["installed"]["client_secret"]
    assert info.key_file in text and info.api_root in text and info.admin_email in text
    assert key["private_key"].splitlines()[1] not in text
    assert secret not in text


# -- token endpoint ----------------------------------------------------------------------------------------
def test_delegated_token_is_issued_and_the_request_is_recorded_without_the_assertion(sandbox, session):
    creds = refreshed(sandbox, session, SCOPE_CALENDAR, subject=sandbox.info().users["ok"])
    assert creds.valid and creds.token
    (record,) = sandbox.requests.find(server="google", path="/token")
    assert record.notes["sub"] == sandbox.info().users["ok"]
    assert record.notes["scopes"] == [SCOPE_CALENDAR]
    assert record.notes["issued"] is True
    assert b"assertion=%5Bredacted%5D" in record.body
    assert creds.token.encode() not in b"".join(r.body for r in sandbox.requests)


def test_service_account_alone_gets_a_token_even_without_delegation(sandbox, session):
    sandbox.revoke_delegation()
    assert refreshed(sandbox, session, SCOPE_CALENDAR).valid


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ("nonexistent", "invalid_grant: Invalid email or User ID"),
        ("deleted", "invalid_grant: The account has been deleted"),
        ("suspended", "invalid_grant: Invalid email or User ID"),
    ],
)
def test_subjects_that_cannot_be_impersonated(sandbox, session, user, message):
    error = refresh_error(sandbox, session, SCOPE_CALENDAR, subject=sandbox.info().users[user])
    assert error.args[0] == message
    assert error.args[1]["error"] == "invalid_grant"


def test_subject_that_is_not_an_email(sandbox, session):
    error = refresh_error(sandbox, session, SCOPE_CALENDAR, subject="not-an-address")
    assert error.args[0] == "invalid_grant: Not a valid email."


def test_client_not_delegated_is_unauthorized_client(sandbox, session):
    sandbox.revoke_delegation()
    error = refresh_error(sandbox, session, SCOPE_CALENDAR, subject=sandbox.info().admin_email)
    assert error.args[0] == (
        "unauthorized_client: Client is unauthorized to retrieve access tokens using this "
        "method, or client not authorized for any of the scopes requested."
    )
    assert sandbox.requests.find(path="/token")[-1].status == 401


def test_one_scope_not_delegated_fails_only_that_scope(sandbox, session):
    admin = sandbox.info().admin_email
    sandbox.remove_delegated_scope(SCOPE_DIRECTORY_USER_READONLY)
    error = refresh_error(sandbox, session, SCOPE_DIRECTORY_USER_READONLY, subject=admin)
    assert error.args[1]["error"] == "unauthorized_client"
    assert refreshed(sandbox, session, SCOPE_CALENDAR, subject=admin).valid
    # Asking for both in one request fails as a whole, which is why checks ask one scope at a time.
    both = service_account.Credentials.from_service_account_file(
        sandbox.info().key_file, scopes=[SCOPE_CALENDAR, SCOPE_DIRECTORY_USER_READONLY], subject=admin
    )
    with pytest.raises(RefreshError, match="unauthorized_client"):
        both.refresh(Request(session))


def test_unknown_scope_is_invalid_scope(sandbox, session):
    error = refresh_error(
        sandbox, session, "https://www.googleapis.com/auth/no.such.scope", subject=sandbox.info().admin_email
    )
    assert error.args[0] == "invalid_scope: Invalid OAuth scope or ID token audience provided."


def test_deleted_key_fails_the_signature(sandbox, session):
    sandbox.delete_key()
    error = refresh_error(sandbox, session, SCOPE_CALENDAR, subject=sandbox.info().admin_email)
    assert error.args[0] == "invalid_grant: Invalid JWT Signature."


def test_rotated_key_old_file_fails_new_file_works(sandbox, session):
    old = sandbox.info().key_file
    new = sandbox.rotate_key()
    assert str(new) != old and sandbox.info().key_file == str(new)
    error = refresh_error(sandbox, session, SCOPE_CALENDAR, subject=sandbox.info().admin_email, key_file=old)
    assert error.args[0] == "invalid_grant: Invalid JWT Signature."
    assert refreshed(sandbox, session, SCOPE_CALENDAR, subject=sandbox.info().admin_email, key_file=new).valid


def test_deleted_service_account(sandbox, session):
    sandbox.delete_service_account()
    error = refresh_error(sandbox, session, SCOPE_CALENDAR, subject=sandbox.info().admin_email)
    assert error.args[0] == "invalid_grant: Invalid grant: account not found"


@pytest.mark.parametrize("shift", [600, -600, -3700])
def test_clock_off_by_minutes_is_refused(sandbox, session, shift):
    sandbox.shift_clock(shift)
    error = refresh_error(sandbox, session, SCOPE_CALENDAR, subject=sandbox.info().admin_email)
    assert error.args[0].startswith(
        "invalid_grant: Invalid JWT: Token must be a short-lived token (60 minutes) "
        "and in a reasonable timeframe."
    )
    assert sandbox.requests.find(path="/token")[-1].notes["timeframe"]


def test_small_clock_difference_is_tolerated(sandbox, session):
    sandbox.shift_clock(90)
    assert refreshed(sandbox, session, SCOPE_CALENDAR, subject=sandbox.info().admin_email).valid


def test_date_header_follows_the_sandbox_clock(sandbox, session):
    sandbox.shift_clock(-600)
    response = session.post(sandbox.info().token_uri, data={"grant_type": "nothing"})
    assert response.status_code == 400
    assert response.json() == {
        "error": "unsupported_grant_type",
        "error_description": "Invalid grant_type: nothing",
    }
    served = email.utils.parsedate_to_datetime(response.headers["Date"])
    offset = (served - dt.datetime.now(dt.UTC)).total_seconds()
    assert -660 < offset < -540


def test_scoped_credentials_are_required_by_the_token_endpoint(sandbox, session):
    creds = service_account.Credentials.from_service_account_file(
        sandbox.info().key_file, subject=sandbox.info().admin_email
    )
    with pytest.raises(RefreshError) as caught:
        creds.refresh(Request(session))
    assert caught.value.args[0] == "invalid_scope: Empty or missing scope not allowed."


# -- Directory ---------------------------------------------------------------------------------------------
def test_users_get_reports_admin_and_suspension(sandbox, session):
    info = sandbox.info()
    service = directory(sandbox, credentials(sandbox, DIRECTORY, info.admin_email))
    fields = "primaryEmail,isAdmin,isDelegatedAdmin,suspended,suspensionReason"
    admin = service.users().get(userKey=info.admin_email, fields=fields).execute()
    assert admin == {
        "primaryEmail": info.admin_email,
        "isAdmin": True,
        "isDelegatedAdmin": False,
        "suspended": False,
    }
    suspended = service.users().get(userKey=info.users["suspended"], fields=fields).execute()
    assert suspended["suspended"] is True and suspended["suspensionReason"] == "ADMIN"
    helpdesk = service.users().get(userKey=info.delegated_admin_email).execute()
    assert helpdesk["isDelegatedAdmin"] is True and helpdesk["isAdmin"] is False
    by_id = service.users().get(userKey=helpdesk["id"], fields="primaryEmail").execute()
    assert by_id == {"primaryEmail": info.delegated_admin_email}


@pytest.mark.parametrize("user", ["nonexistent", "deleted"])
def test_users_get_unknown_is_404(sandbox, user):
    info = sandbox.info()
    service = directory(sandbox, credentials(sandbox, DIRECTORY, info.admin_email))
    with pytest.raises(HttpError) as caught:
        service.users().get(userKey=info.users[user]).execute()
    assert caught.value.status_code == 404 and reason(caught.value) == "notFound"
    assert json.loads(caught.value.content)["error"]["message"] == "Resource Not Found: userKey"


@pytest.mark.parametrize("subject", ["non_admin", None])
def test_directory_refuses_a_non_admin_or_no_subject(sandbox, subject):
    info = sandbox.info()
    who = info.non_admin_email if subject else None
    service = directory(sandbox, credentials(sandbox, DIRECTORY, who))
    with pytest.raises(HttpError) as caught:
        service.users().get(userKey=info.admin_email).execute()
    assert caught.value.status_code == 403 and reason(caught.value) == "forbidden"
    assert (
        json.loads(caught.value.content)["error"]["message"] == "Not Authorized to access this resource/api"
    )


def test_token_without_a_directory_scope_is_insufficient(sandbox):
    info = sandbox.info()
    service = directory(sandbox, credentials(sandbox, SCOPE_CALENDAR, info.admin_email))
    with pytest.raises(HttpError) as caught:
        service.users().get(userKey=info.admin_email).execute()
    body = json.loads(caught.value.content)["error"]
    assert caught.value.status_code == 403 and reason(caught.value) == "insufficientPermissions"
    assert body["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"


def test_users_list_pages_through_every_active_user(sandbox):
    info = sandbox.info()
    service = directory(sandbox, credentials(sandbox, DIRECTORY, info.admin_email))
    request = service.users().list(
        customer="my_customer", maxResults=7, fields="nextPageToken,users(primaryEmail)"
    )
    seen, pages = [], 0
    while request is not None:
        page = request.execute()
        pages += 1
        assert set(page) <= {"users", "nextPageToken"}
        seen += [u["primaryEmail"] for u in page.get("users", [])]
        request = service.users().list_next(request, page)
    expected = sorted(u.primary_email for u in sandbox.org.users.values() if not u.deleted)
    assert sorted(seen) == expected and len(seen) == len(set(seen))
    assert info.users["deleted"] not in seen and info.users["suspended"] in seen
    assert pages == -(-len(expected) // 7)
    assert len(sandbox.org.users) >= 50


def test_users_list_by_domain_and_org_unit(sandbox):
    info = sandbox.info()
    service = directory(sandbox, credentials(sandbox, DIRECTORY, info.admin_email))
    engineering = (
        service.users()
        .list(
            domain=info.domain,
            query="orgUnitPath='/Engineering'",
            maxResults=500,
            fields="users(primaryEmail,orgUnitPath)",
        )
        .execute()["users"]
    )
    paths = {u["orgUnitPath"] for u in engineering}
    assert paths == {"/Engineering", "/Engineering/Platform"}
    expected = {
        u.primary_email
        for u in sandbox.org.users.values()
        if not u.deleted and u.org_unit_path.startswith("/Engineering")
    }
    assert {u["primaryEmail"] for u in engineering} == expected


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"customer": "my_customer", "maxResults": 501}, 400),
        ({}, 400),
        ({"domain": "elsewhere.example"}, 403),
        ({"customer": "my_customer", "query": "favouriteColour=blue"}, 400),
        ({"customer": "my_customer", "fields": "users(primaryEmail"}, 400),
    ],
)
def test_users_list_bad_input(sandbox, kwargs, status):
    service = directory(sandbox, credentials(sandbox, DIRECTORY, sandbox.info().admin_email))
    with pytest.raises(HttpError) as caught:
        service.users().list(**kwargs).execute()
    assert caught.value.status_code == status


def test_group_members_direct_and_derived(sandbox):
    info = sandbox.info()
    service = directory(
        sandbox, credentials(sandbox, SCOPE_DIRECTORY_GROUP_MEMBER_READONLY, info.admin_email)
    )

    def all_members(**kwargs):
        out, request = [], service.members().list(groupKey=info.scope_group, maxResults=10, **kwargs)
        while request is not None:
            page = request.execute()
            out += page.get("members", [])
            request = service.members().list_next(request, page)
        return out

    direct = all_members()
    derived = all_members(includeDerivedMembership=True)
    assert {m["email"] for m in direct if m["type"] == "GROUP"} == {NESTED_GROUP}
    assert all(m["type"] == "USER" for m in derived)
    nested = {m.email for m in sandbox.org.groups[NESTED_GROUP].members}
    assert nested <= {m["email"] for m in derived}
    assert not nested <= {m["email"] for m in direct}
    assert len({m["email"] for m in derived}) == len(derived)
    statuses = {m["email"]: m["status"] for m in derived}
    assert statuses[info.users["suspended"]] == "SUSPENDED"
    assert info.users["outside_group"] not in statuses
    with pytest.raises(HttpError) as caught:
        service.members().list(groupKey=f"nothing@{info.domain}").execute()
    assert caught.value.status_code == 404
    assert SCOPE_GROUP == info.scope_group


def test_api_disabled_answers_service_disabled(sandbox):
    info = sandbox.info()
    sandbox.disable_api("directory")
    service = directory(sandbox, credentials(sandbox, DIRECTORY, info.admin_email))
    with pytest.raises(HttpError) as caught:
        service.users().get(userKey=info.admin_email).execute()
    error = json.loads(caught.value.content)["error"]
    assert caught.value.status_code == 403 and reason(caught.value) == "accessNotConfigured"
    assert error["status"] == "PERMISSION_DENIED"
    detail = error["details"][0]
    assert detail["reason"] == "SERVICE_DISABLED"
    assert detail["metadata"]["service"] == "admin.googleapis.com"
    assert detail["metadata"]["consumer"] == f"projects/{info.project_number}"
    assert detail["metadata"]["activationUrl"] == (
        f"https://console.developers.google.com/apis/api/admin.googleapis.com/overview?project={info.project_number}"
    )
    assert f"project {info.project_number}" in error["message"]
    # Calendar is still enabled.
    cal = calendar(sandbox, credentials(sandbox, SCOPE_CALENDAR, info.users["ok"]))
    assert cal.calendars().get(calendarId="primary").execute()["id"] == info.users["ok"]
    sandbox.disable_api("calendar")
    with pytest.raises(HttpError) as caught:
        cal.calendars().get(calendarId="primary").execute()
    assert "Google Calendar API has not been used" in json.loads(caught.value.content)["error"]["message"]
    with pytest.raises(ValueError, match="unknown API"):
        sandbox.disable_api("gmail")


# -- Calendar ----------------------------------------------------------------------------------------------
def _week(sandbox):
    now = sandbox.clock.now()
    return now.isoformat(), (now + dt.timedelta(days=7)).isoformat()


def test_events_list_honours_fields_and_records_them(sandbox):
    info = sandbox.info()
    service = calendar(sandbox, credentials(sandbox, SCOPE_CALENDAR_READONLY, info.users["ok"]))
    time_min, time_max = _week(sandbox)
    page = (
        service.events()
        .list(
            calendarId="primary",
            timeMin=time_min,
            timeMax=time_max,
            singleEvents=True,
            fields="items(start,end,transparency)",
        )
        .execute()
    )
    assert page["items"] and all(set(item) <= {"start", "end", "transparency"} for item in page["items"])
    (record,) = sandbox.requests.find(path="/calendar/v3/calendars/primary/events")
    assert record.notes["fields"] == "items(start,end,transparency)"
    assert record.notes["subject"] == info.users["ok"]
    full = (
        service.events()
        .list(calendarId="primary", timeMin=time_min, timeMax=time_max, singleEvents=True)
        .execute()
    )
    assert all("summary" in item for item in full["items"])
    events = sandbox.org.user(info.users["ok"]).events
    in_range = [
        e
        for e in events
        if e.end > sandbox.clock.now() and e.start < sandbox.clock.now() + dt.timedelta(days=7)
    ]
    assert len(full["items"]) == len(in_range) < len(events)


def test_events_of_another_users_calendar_are_not_found(sandbox):
    info = sandbox.info()
    service = calendar(sandbox, credentials(sandbox, SCOPE_CALENDAR, info.users["ok"]))
    with pytest.raises(HttpError) as caught:
        service.events().list(calendarId=info.users["outside_group"]).execute()
    assert caught.value.status_code == 404 and reason(caught.value) == "notFound"


def test_freebusy_gives_busy_blocks_and_per_calendar_errors(sandbox):
    info = sandbox.info()
    service = calendar(sandbox, credentials(sandbox, SCOPE_CALENDAR, info.users["ok"]))
    time_min, time_max = _week(sandbox)
    ids = ["primary", info.users["outside_group"], info.users["nonexistent"], info.users["not_calendar_user"]]
    answer = (
        service.freebusy()
        .query(body={"timeMin": time_min, "timeMax": time_max, "items": [{"id": i} for i in ids]})
        .execute()
    )
    calendars = answer["calendars"]
    user = sandbox.org.user(info.users["ok"])
    opaque = [
        e
        for e in user.events
        if not e.transparent
        and e.start > sandbox.clock.now()
        and e.start < sandbox.clock.now() + dt.timedelta(days=7)
    ]
    assert len(calendars["primary"]["busy"]) == len(opaque) > 0
    assert calendars[info.users["outside_group"]]["busy"]
    for missing in ids[2:]:
        assert calendars[missing] == {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
    assert sandbox.requests.find(path="/calendar/v3/freeBusy")[0].notes["items"] == ids


def test_not_a_calendar_user(sandbox):
    info = sandbox.info()
    service = calendar(sandbox, credentials(sandbox, SCOPE_CALENDAR, info.users["not_calendar_user"]))
    with pytest.raises(HttpError) as caught:
        service.calendars().get(calendarId="primary").execute()
    assert caught.value.status_code == 403 and reason(caught.value) == "notACalendarUser"
    assert caught.value.reason == "The user must be signed up for Google Calendar."


@pytest.mark.parametrize(
    ("mode", "status", "expected"),
    [
        ("rate", 403, "rateLimitExceeded"),
        ("user", 403, "userRateLimitExceeded"),
        ("429", 429, "rateLimitExceeded"),
    ],
)
def test_rate_limited_user(sandbox, mode, status, expected):
    info = sandbox.info()
    sandbox.set_rate_limit_mode(mode)
    service = calendar(sandbox, credentials(sandbox, SCOPE_CALENDAR, info.users["rate_limited"]))
    with pytest.raises(HttpError) as caught:
        service.calendars().get(calendarId="primary").execute()
    assert caught.value.status_code == status and reason(caught.value) == expected


def test_calendar_list_and_calendar_get(sandbox):
    info = sandbox.info()
    service = calendar(sandbox, credentials(sandbox, SCOPE_CALENDAR_READONLY, info.users["ok"]))
    entries = service.calendarList().list().execute()["items"]
    assert [e["id"] for e in entries if e.get("primary")] == [info.users["ok"]]
    assert service.calendars().get(calendarId=info.users["ok"]).execute()["id"] == info.users["ok"]


def test_expired_access_token_is_refreshed_by_the_client(sandbox):
    info = sandbox.info()
    service = calendar(sandbox, credentials(sandbox, SCOPE_CALENDAR, info.users["ok"]))
    service.calendars().get(calendarId="primary").execute()
    sandbox.expire_access_tokens()  # the client still thinks its token is valid
    service.calendars().get(calendarId="primary").execute()
    statuses = [r.status for r in sandbox.requests.find(path="/calendar/v3/calendars/primary")]
    assert statuses == [200, 401, 200]
    assert len(sandbox.requests.find(path="/token")) == 2


def test_requests_without_a_token_are_unauthenticated(sandbox, session):
    response = session.get(sandbox.api_root + "/calendar/v3/calendars/primary")
    assert response.status_code == 401
    assert response.json()["error"]["errors"][0]["reason"] == "required"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# -- batches -----------------------------------------------------------------------------------------------
def test_directory_batch_through_the_api_root(sandbox, session):
    info = sandbox.info()
    # googleapiclient refreshes invalid credentials of a batch through a default httplib2.Http() that does not
    # trust the sandbox CA: refresh them first through a transport that does.
    creds = refreshed(sandbox, session, DIRECTORY, info.admin_email)
    service = directory(sandbox, creds)
    results: dict[str, object] = {}

    def done(request_id, response, exception):
        results[request_id] = exception or response

    batch = BatchHttpRequest(callback=done, batch_uri=info.api_root + "/batch")
    keys = {"a": info.admin_email, "s": info.users["suspended"], "n": info.users["nonexistent"]}
    for rid, key in keys.items():
        batch.add(service.users().get(userKey=key, fields="primaryEmail,suspended"), request_id=rid)
    batch.execute(http=http_for(sandbox, creds))
    assert results["a"] == {"primaryEmail": info.admin_email, "suspended": False}
    assert results["s"] == {"primaryEmail": info.users["suspended"], "suspended": True}
    assert isinstance(results["n"], HttpError) and results["n"].status_code == 404
    inner = [r for r in sandbox.requests if r.notes.get("batch")]
    assert len(inner) == 3 and all(r.notes["method"] == "users.get" for r in inner)
    assert all(r.header("Authorization") == "Bearer [redacted]" for r in inner)


def test_calendar_batch(sandbox, session):
    info = sandbox.info()
    creds = refreshed(sandbox, session, SCOPE_CALENDAR, info.users["ok"])
    service = calendar(sandbox, creds)
    results: dict[str, object] = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, exc: results.__setitem__(rid, exc or resp),
        batch_uri=info.api_root + "/batch/calendar/v3",
    )
    batch.add(service.calendars().get(calendarId="primary"), request_id="1")
    batch.add(service.calendarList().list(), request_id="2")
    batch.execute(http=http_for(sandbox, creds))
    assert results["1"]["id"] == info.users["ok"]
    assert results["2"]["items"][0]["primary"] is True
    (outer,) = sandbox.requests.find(path="/batch/calendar/v3")
    assert outer.notes["parts"] == 2 and outer.status == 200


# -- fixtures ----------------------------------------------------------------------------------------------
def test_every_error_body_is_a_fixture_naming_its_source():
    import pathlib
    import re

    from ec_console.sandbox.google import apis as google_apis
    from ec_console.sandbox.google.errors import fixture, fixture_names

    names = fixture_names()
    for name in names:
        spec = fixture(name)
        assert spec["source"] and all(isinstance(s, str) and s for s in spec["source"]), name
        assert isinstance(spec["status"], int) and spec["when"] and "body" in spec, name
    package = pathlib.Path(google_apis.__file__).parent
    code = "".join(p.read_text(encoding="utf-8") for p in package.glob("*.py"))
    used = set(re.findall(r'(?:error_response|api_error|error_body)\(\s*"(\w+)"', code))
    used |= set(google_apis._RATE_LIMIT_FIXTURES.values())
    assert used == set(names)
