"""The Graph sandbox: the identity platform as MSAL meets it, Microsoft Graph v1.0 and $batch, as real clients
(MSAL, msgraph-sdk, plain requests) see them."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import os
import ssl
import stat
import time
import uuid

import httpx
import msal
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from ec_console.sandbox import Sandbox
from ec_console.sandbox.graph import GraphSandbox
from ec_console.sandbox.graph.errors import fixture, fixture_names
from ec_console.sandbox.identity import decode_claims

GRAPH_SCOPE = ["https://graph.microsoft.com/.default"]
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def sb():
    with GraphSandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def info(sb):
    return sb.info()


_SESSIONS: list[requests.Session] = []


@pytest.fixture(autouse=True)
def _close_sessions():
    """Close every client connection a test opened, so the sandbox's connection threads end with it."""
    yield
    while _SESSIONS:
        _SESSIONS.pop().close()


def _session(info) -> requests.Session:
    s = requests.Session()
    _SESSIONS.append(s)
    s.trust_env = False  # REQUESTS_CA_BUNDLE would override verify (GRAPH_NOTES section 5)
    s.verify = info.ca_file
    return s


def _msal(info, credential, client_id=None, tenant=None) -> msal.ConfidentialClientApplication:
    authority = f"{info.authority}/{tenant}" if tenant else info.authority_url
    return msal.ConfidentialClientApplication(
        client_id or info.client_id, authority=authority, client_credential=credential,
        instance_discovery=False, azure_region=False, http_client=_session(info))


def _token(info, case="rbac") -> str:
    result = _msal(info, info.client_secret, info.apps[case]).acquire_token_for_client(scopes=GRAPH_SCOPE)
    return result["access_token"]


def _pem_parts(path):
    text = open(path).read()
    cut = text.index("-----BEGIN CERTIFICATE")
    return text, text[cut:]


def _get(info, path, token, **kwargs):
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return _session(info).get(f"{info.graph_url}/v1.0{path}", headers=headers, **kwargs)


def _assert_aadsts(response, status, error, code):
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert "\r\nTrace ID: " in body["error_description"]
    for key in ("timestamp", "trace_id", "correlation_id"):
        assert body[key]
    assert body["error_uri"] == f"https://login.microsoftonline.com/error?code={code}"


def _assert_graph_error(response, status, code):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    inner = error["innerError"]
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["client-request-id"] == response.headers["client-request-id"]
    dt.datetime.fromisoformat(inner["date"])
    return error


# -- discovery -----------------------------------------------------------------------------------------------
def test_discovery_names_this_tenants_token_endpoint_for_its_id_and_its_domain(info):
    for name in (info.tenant_id, info.tenant_domain):
        r = _session(info).get(f"{info.authority}/{name}/v2.0/.well-known/openid-configuration")
        assert r.status_code == 200
        doc = r.json()
        assert doc["token_endpoint"] == f"{info.authority}/{info.tenant_id}/oauth2/v2.0/token"
        assert doc["authorization_endpoint"].startswith(f"{info.authority}/{info.tenant_id}/")
        assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]


def test_discovery_of_an_unknown_tenant_is_aadsts90002_invalid_tenant(info):
    r = _session(info).get(f"{info.authority}/no-such-tenant.example/v2.0/.well-known/openid-configuration")
    _assert_aadsts(r, 400, "invalid_tenant", 90002)
    assert "'no-such-tenant.example'" in r.json()["error_description"]


def test_msal_fails_in_its_constructor_for_an_unknown_tenant_with_the_aadsts_text_in_the_context(info):
    with pytest.raises(ValueError) as caught:
        _msal(info, info.client_secret, tenant="00000000-0000-0000-0000-000000000000")
    assert "AADSTS90002" in str(caught.value.__context__)


# -- tokens: secrets and certificates ------------------------------------------------------------------------
def test_msal_gets_a_token_with_the_secret_whose_roles_hold_no_calendar_role_for_the_rbac_app(sb, info):
    result = _msal(info, info.client_secret).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["token_type"] == "Bearer" and result["expires_in"] > 3000
    claims = decode_claims(result["access_token"])
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["tid"] == info.tenant_id and claims["appid"] == info.client_id
    assert not [r for r in claims.get("roles", []) if r.startswith("Calendars.")]
    assert {"GroupMember.Read.All", "User.ReadBasic.All"} <= set(claims["roles"])
    # The secret never reaches the request log.
    logged = sb.requests.find(server="graph-login", endpoint="token", issued=True)
    assert logged and all(info.client_secret not in r.text for r in logged)


def test_a_tenant_wide_consent_shows_in_the_roles_claim_and_no_role_means_no_roles_claim(info):
    assert "Calendars.ReadWrite" in decode_claims(_token(info, "tenant_wide"))["roles"]
    assert "Calendars.Read" in decode_claims(_token(info, "access_policy"))["roles"]
    assert "roles" not in decode_claims(_token(info, "no_role"))


def test_msal_gets_a_token_with_the_pem_certificate_sent_as_a_ps256_x5t_s256_assertion(sb, info):
    key_and_cert, cert = _pem_parts(info.certificate_pem)
    sb.requests.clear()
    result = _msal(info, {"private_key": key_and_cert, "public_certificate": cert}).acquire_token_for_client(
        scopes=GRAPH_SCOPE)
    assert "access_token" in result, result.get("error_description")
    [token_call] = sb.requests.find(server="graph-login", endpoint="token")
    assert token_call.notes["credential"] == "certificate"
    assert "client_assertion=%5Bredacted%5D" in token_call.text


def test_msal_gets_a_token_with_the_pfx_and_its_password(info):
    credential = {"private_key_pfx_path": info.certificate_pfx, "passphrase": info.certificate_password}
    result = _msal(info, credential).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert "access_token" in result, result.get("error_description")


def test_an_unregistered_certificate_is_aadsts700027_naming_its_thumbprint(info):
    key_and_cert, cert = _pem_parts(info.certificate_unregistered_pem)
    result = _msal(info, {"private_key": key_and_cert, "public_certificate": cert}).acquire_token_for_client(
        scopes=GRAPH_SCOPE)
    assert result["error"] == "invalid_client" and result["error_codes"] == [700027]
    der = x509.load_pem_x509_certificate(cert.encode()).public_bytes(serialization.Encoding.DER)
    assert hashlib.sha256(der).hexdigest().upper() in result["error_description"]


def _assertion(info, *, key_pem, cert_pem, alg="PS256", header_kind="x5t#S256", aud=None, exp_in=600,
               tamper=False):
    der = x509.load_pem_x509_certificate(cert_pem.encode()).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der) if header_kind == "x5t#S256" else hashlib.sha1(der)  # noqa: S324
    b64 = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()  # noqa: E731
    now = int(time.time())
    header = {"alg": alg, "typ": "JWT", header_kind: b64(digest.digest())}
    claims = {"aud": aud or f"{info.authority}/{info.tenant_id}/oauth2/v2.0/token", "iss": info.client_id,
              "sub": info.client_id, "jti": str(uuid.uuid4()), "nbf": now - 60, "iat": now - 60,
              "exp": now + exp_in}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}".encode()
    key = serialization.load_pem_private_key(key_pem.encode(), None)
    pad = (padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32) if alg == "PS256"
           else padding.PKCS1v15())
    signature = key.sign(signing_input, pad, hashes.SHA256())
    if tamper:
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    return f"{signing_input.decode()}.{b64(signature)}"


def _post_assertion(info, assertion):
    return _session(info).post(f"{info.authority}/{info.tenant_id}/oauth2/v2.0/token", data={
        "client_id": info.client_id, "grant_type": "client_credentials", "scope": GRAPH_SCOPE[0],
        "client_assertion_type": JWT_BEARER, "client_assertion": assertion})


def test_an_rs256_assertion_with_a_sha1_x5t_is_accepted_too(info):
    key_and_cert, cert = _pem_parts(info.certificate_pem)
    r = _post_assertion(info, _assertion(info, key_pem=key_and_cert, cert_pem=cert, alg="RS256",
                                         header_kind="x5t"))
    assert r.status_code == 200 and r.json()["access_token"]


@pytest.mark.parametrize(("change", "code"), [
    ({"exp_in": -600}, 700024),
    ({"aud": "https://login.microsoftonline.com/other/oauth2/v2.0/token"}, 700023),
    ({"tamper": True}, 700027),
])
def test_an_assertion_that_is_expired_for_another_audience_or_badly_signed_is_refused(info, change, code):
    key_and_cert, cert = _pem_parts(info.certificate_pem)
    r = _post_assertion(info, _assertion(info, key_pem=key_and_cert, cert_pem=cert, **change))
    _assert_aadsts(r, 401, "invalid_client", code)


def test_a_registered_certificate_with_the_wrong_key_does_not_verify(info):
    _, cert = _pem_parts(info.certificate_pem)
    other_key, _ = _pem_parts(info.certificate_unregistered_pem)
    r = _post_assertion(info, _assertion(info, key_pem=other_key, cert_pem=cert))
    _assert_aadsts(r, 401, "invalid_client", 700027)
    assert "invalid signature" in r.json()["error_description"]


@pytest.mark.parametrize(("case", "secret", "status", "error", "code"), [
    ("rbac", "not-the-secret", 401, "invalid_client", 7000215),
    ("expired_secret", None, 401, "invalid_client", 7000222),
    ("disabled", None, 400, "unauthorized_client", 7000112),
    ("no_service_principal", None, 401, "invalid_client", 7000229),
    ("conditional_access", None, 400, "access_denied", 53003),
    ("unknown", None, 400, "unauthorized_client", 700016),
])
def test_each_token_refusal_is_its_aadsts_body(info, case, secret, status, error, code):
    client_id = info.apps.get(case, "11111111-2222-3333-4444-555555555555")
    r = _session(info).post(f"{info.authority}/{info.tenant_id}/oauth2/v2.0/token", data={
        "client_id": client_id, "client_secret": secret or info.client_secret,
        "grant_type": "client_credentials", "scope": GRAPH_SCOPE[0]})
    _assert_aadsts(r, status, error, code)
    # MSAL hands the same body back as its result dict.
    result = _msal(info, secret or info.client_secret, client_id).acquire_token_for_client(scopes=GRAPH_SCOPE)
    assert result["error_codes"] == [code]


def test_the_token_endpoint_refuses_an_unknown_tenant_and_a_scope_without_default(info):
    session = _session(info)
    form = {"client_id": info.client_id, "client_secret": info.client_secret,
            "grant_type": "client_credentials", "scope": GRAPH_SCOPE[0]}
    _assert_aadsts(session.post(f"{info.authority}/unknown.example/oauth2/v2.0/token", data=form),
                   400, "invalid_tenant", 90002)
    _assert_aadsts(session.post(f"{info.authority}/{info.tenant_id}/oauth2/v2.0/token",
                                data={**form, "scope": "Calendars.Read"}), 400, "invalid_scope", 1002012)


def test_no_credential_or_a_malformed_assertion_is_refused(info):
    url = f"{info.authority}/{info.tenant_id}/oauth2/v2.0/token"
    form = {"client_id": info.client_id, "grant_type": "client_credentials", "scope": GRAPH_SCOPE[0]}
    _assert_aadsts(_session(info).post(url, data=form), 401, "invalid_client", 7000218)
    malformed = {**form, "client_assertion_type": JWT_BEARER, "client_assertion": "not-a-jwt"}
    _assert_aadsts(_session(info).post(url, data=malformed), 400, "invalid_request", 50027)


def test_a_token_past_its_lifetime_is_refused_by_graph(sb, info):
    token = _token(info)
    sb.shift_clock(2 * 3600)
    try:
        error = _assert_graph_error(_get(info, f"/users/{info.mailbox_in_scope}/calendar", token), 401,
                                    "InvalidAuthenticationToken")
    finally:
        sb.shift_clock(-2 * 3600)
    assert "expired" in error["message"]
    assert _get(info, f"/users/{info.mailbox_in_scope}/calendar", token).status_code == 200


def test_every_fixture_names_a_documented_source_and_the_documented_codes_all_exist():
    names = fixture_names()
    for name in names:
        data = fixture(name)
        assert any(s.startswith("https://") for s in data["source"]), name
        assert data["when"] and 200 <= data["status"] < 600
    codes = {fixture(n)["body"]["error_codes"][0] for n in names if n.startswith("aadsts_")}
    assert {7000215, 7000222, 90002, 700016, 7000112, 7000229, 700027, 53003} <= codes
    graph_codes = {fixture(n)["body"]["error"]["code"] for n in names if n.startswith("graph_")}
    assert {"ErrorAccessDenied", "ErrorInvalidUser", "Request_ResourceNotFound",
            "MailboxNotEnabledForRESTAPI",
            "ApplicationThrottled", "Authorization_RequestDenied"} <= graph_codes


# -- Graph: directory ----------------------------------------------------------------------------------------
def test_users_by_upn_and_by_id_with_select(info):
    token = _token(info)
    r = _get(info, f"/users/{info.mailbox_in_scope}", token, params={"$select": "id,mail"})
    assert r.status_code == 200
    user = r.json()
    assert user["mail"] == info.mailbox_in_scope and "displayName" not in user
    assert _get(info, f"/users/{user['id']}", token).json()["userPrincipalName"] == info.mailbox_in_scope
    assert r.headers["request-id"] and r.headers["client-request-id"]


def test_an_unknown_user_is_request_resource_not_found_and_no_directory_role_is_authorization_denied(info):
    _assert_graph_error(_get(info, f"/users/{info.mailbox_unknown}", _token(info)), 404,
                        "Request_ResourceNotFound")
    _assert_graph_error(_get(info, f"/users/{info.mailbox_in_scope}", _token(info, "rbac_read_only")), 403,
                        "Authorization_RequestDenied")


def test_the_scoping_group_is_found_by_mail_and_lists_its_direct_members(info):
    token = _token(info)
    r = _get(info, "/groups", token, params={"$filter": f"mail eq '{info.scope_group_address}'",
                                             "$select": "id,displayName,mail"})
    [group] = r.json()["value"]
    assert group["id"] == info.scope_group_id and group["displayName"] == info.scope_group
    assert _get(info, "/groups", token, params={"$filter": "mail eq 'other@x.example'"}).json()["value"] == []
    members = _get(info, f"/groups/{group['id']}/members/microsoft.graph.user", token).json()["value"]
    mails = {m["mail"] for m in members}
    assert set(info.mailboxes_in_scope) <= mails
    assert {info.mailbox_throttled, info.mailbox_not_enabled} <= mails
    assert not mails & set(info.mailboxes_out_of_scope)
    assert all(m["@odata.type"] == "#microsoft.graph.user" for m in members)
    _assert_graph_error(_get(info, "/groups", _token(info, "rbac_read_only"),
                             params={"$filter": f"mail eq '{info.scope_group_address}'"}),
                        403, "Authorization_RequestDenied")


def test_a_large_group_pages_its_members_with_next_links():
    with GraphSandbox(bulk_members=230) as big:
        info = big.info()
        token = _token(info)
        url = f"{info.graph_url}/v1.0/groups/{info.scope_group_id}/members?$select=mail"
        seen, pages = [], 0
        while url:
            body = _session(info).get(url, headers={"Authorization": f"Bearer {token}"}).json()
            seen += [m["mail"] for m in body["value"]]
            url = body.get("@odata.nextLink")
            pages += 1
        assert pages == 3 and len(seen) == len(set(seen)) == len(big.tenant.group.members)
        assert len(info.mailboxes_in_scope) > 230


# -- Graph: mailboxes ----------------------------------------------------------------------------------------
def test_each_mailbox_case_answers_as_graph_does(info):
    token = _token(info)
    ok = _get(info, f"/users/{info.mailbox_in_scope}/calendar", token,
              headers={"client-request-id": "abc-123"})
    assert ok.status_code == 200 and ok.json()["isDefaultCalendar"] is True
    assert ok.headers["client-request-id"] == "abc-123"
    error = _assert_graph_error(_get(info, f"/users/{info.mailbox_out_of_scope}/calendar", token), 403,
                                "ErrorAccessDenied")
    assert not error["message"].startswith("Access to OData")
    _assert_graph_error(_get(info, f"/users/{info.mailbox_unknown}/calendar", token), 404, "ErrorInvalidUser")
    _assert_graph_error(_get(info, f"/users/{info.mailbox_not_enabled}/calendar", token), 404,
                        "MailboxNotEnabledForRESTAPI")
    throttled = _get(info, f"/users/{info.mailbox_throttled}/calendar", token)
    _assert_graph_error(throttled, 429, "ApplicationThrottled")
    assert int(throttled.headers["Retry-After"]) == info.retry_after


def test_the_three_ways_of_granting(info):
    tenant_wide, policy, nothing = (_token(info, k) for k in ("tenant_wide", "access_policy", "no_role"))
    # A tenant-wide Entra grant reaches every mailbox, the scoping group notwithstanding.
    assert _get(info, f"/users/{info.mailbox_out_of_scope}/calendar", tenant_wide).status_code == 200
    # An Application Access Policy lets the group through and blocks the rest with its own message.
    assert _get(info, f"/users/{info.mailbox_in_scope}/calendar", policy).status_code == 200
    error = _assert_graph_error(_get(info, f"/users/{info.mailbox_out_of_scope}/calendar", policy), 403,
                                "ErrorAccessDenied")
    assert error["message"].startswith("Access to OData is disabled")
    # No grant at all: refused even inside the group.
    _assert_graph_error(_get(info, f"/users/{info.mailbox_in_scope}/calendar", nothing), 403,
                        "ErrorAccessDenied")


def test_a_mailbox_throttled_a_number_of_times_answers_normally_afterwards(sb, info):
    token = _token(info)
    address = info.mailboxes_in_scope[1]
    sb.throttle(address, times=2, retry_after=7)
    first, second, third = (_get(info, f"/users/{address}/calendar", token) for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["Retry-After"] == "7"


def test_calendar_view_needs_its_window_honours_select_and_pages(info):
    token = _token(info)
    path = f"/users/{info.mailbox_in_scope}/calendarView"
    _assert_graph_error(_get(info, path, token), 400, "ErrorInvalidParameter")
    now = dt.datetime.now(dt.UTC)
    window = {"startDateTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "endDateTime": (now + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    full = _get(info, path, token, params=window).json()["value"]
    assert full and all(e["subject"].startswith("PRIVATE-SUBJECT") for e in full)  # the sandbox holds them
    selected = _get(info, path, token,
                    params={**window, "$select": "start,end,showAs,isAllDay"}).json()["value"]
    assert [e["id"] for e in selected] == [e["id"] for e in full]
    for event in selected:
        assert set(event) <= {"@odata.etag", "id", "start", "end", "showAs", "isAllDay"}
        start = dt.datetime.fromisoformat(event["start"]["dateTime"][:19]).replace(tzinfo=dt.UTC)
        end = dt.datetime.fromisoformat(event["end"]["dateTime"][:19]).replace(tzinfo=dt.UTC)
        assert start < now + dt.timedelta(days=7) and end > now
    first = _get(info, path, token, params={**window, "$top": "2", "$select": "start"}).json()
    assert len(first["value"]) == 2 and first["@odata.nextLink"].startswith(info.graph_url)
    rest = _session(info).get(first["@odata.nextLink"], headers={"Authorization": f"Bearer {token}"}).json()
    assert [e["id"] for e in first["value"] + rest["value"]][:4] == [e["id"] for e in full][:4]


def test_the_write_probe_creates_and_deletes_an_event_and_the_log_keeps_no_subject(sb, info):
    token = _token(info)
    session = _session(info)
    url = f"{info.graph_url}/v1.0/users/{info.mailbox_in_scope}/events"
    auth = {"Authorization": f"Bearer {token}"}
    event = {"subject": "Probe SECRET-SUBJECT", "body": {"contentType": "text", "content": "SECRET-BODY"},
             "start": {"dateTime": "2030-01-01T10:00:00", "timeZone": "UTC"},
             "end": {"dateTime": "2030-01-01T10:05:00", "timeZone": "UTC"}}
    created = session.post(url, json=event, headers=auth)
    assert created.status_code == 201
    event_id = created.json()["id"]
    assert event_id in sb.tenant.user(info.mailbox_in_scope).events
    assert session.delete(f"{url}/{event_id}", headers=auth).status_code == 204
    _assert_graph_error(session.delete(f"{url}/{event_id}", headers=auth), 404, "ErrorItemNotFound")
    assert event_id not in sb.tenant.user(info.mailbox_in_scope).events
    read_only = {"Authorization": f"Bearer {_token(info, 'rbac_read_only')}"}
    refused = session.post(url, json=event, headers=read_only)
    _assert_graph_error(refused, 403, "ErrorAccessDenied")
    logged = [r for r in sb.requests.all() if r.server == "graph"]
    assert logged and not any("SECRET-" in r.text for r in logged)


def test_a_missing_or_foreign_token_is_invalid_authentication_token(sb, info):
    r = _session(info).get(f"{info.graph_url}/v1.0/users/{info.mailbox_in_scope}/calendar")
    _assert_graph_error(r, 401, "InvalidAuthenticationToken")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    foreign = sb.issuer.issue(sb.tenant.apps["rbac"], "https://outlook.office365.com")
    error = _assert_graph_error(_get(info, f"/users/{info.mailbox_in_scope}/calendar", foreign), 401,
                                "InvalidAuthenticationToken")
    assert "audience" in error["message"]


def test_an_unknown_path_is_a_bad_request_naming_the_segment(info):
    error = _assert_graph_error(_get(info, f"/users/{info.mailbox_in_scope}/mailFolders", _token(info)), 400,
                                "BadRequest")
    assert "'mailFolders'" in error["message"]


# -- $batch --------------------------------------------------------------------------------------------------
def _batch(info, token, requests_):
    return _session(info).post(f"{info.graph_url}/v1.0/$batch", json={"requests": requests_},
                               headers={"Authorization": f"Bearer {token}"})


def test_a_batch_answers_each_request_with_its_own_status_headers_and_body_in_one_round_trip(sb, info):
    token = _token(info)
    addresses = [info.mailbox_in_scope, info.mailbox_out_of_scope, info.mailbox_throttled,
                 info.mailbox_not_enabled, info.mailbox_unknown]
    sb.requests.clear()
    r = _batch(info, token, [{"id": str(n), "method": "GET", "url": f"/users/{a}/calendar"}
                             for n, a in enumerate(addresses, 1)])
    assert r.status_code == 200
    by_id = {item["id"]: item for item in r.json()["responses"]}
    assert [by_id[str(n)]["status"] for n in range(1, 6)] == [200, 403, 429, 404, 404]
    assert by_id["1"]["body"]["owner"]["address"] == info.mailbox_in_scope
    assert by_id["2"]["body"]["error"]["code"] == "ErrorAccessDenied"
    assert by_id["3"]["headers"]["Retry-After"] == str(info.retry_after)
    assert by_id["3"]["body"]["error"]["code"] == "ApplicationThrottled"
    assert by_id["4"]["body"]["error"]["code"] == "MailboxNotEnabledForRESTAPI"
    assert by_id["5"]["body"]["error"]["code"] == "ErrorInvalidUser"
    [record] = sb.requests.find(server="graph")
    assert [item["status"] for item in record.notes["items"]] == [200, 403, 429, 404, 404]


def test_a_throttled_batch_item_answers_on_its_retry_while_the_others_are_unaffected(sb, info):
    token = _token(info)
    first, second = info.mailboxes_in_scope[2], info.mailboxes_in_scope[3]
    sb.throttle(second, times=1, retry_after=3)
    view = (f"/users/{first}/calendarView?startDateTime=2026-01-01T00:00:00Z"
            "&endDateTime=2026-01-08T00:00:00Z&$select=start,end,showAs,isAllDay")
    items = [{"id": "1", "method": "GET", "url": view},
             {"id": "2", "method": "GET", "url": f"/users/{second}/calendar"}]
    answers = {item["id"]: item for item in _batch(info, token, items).json()["responses"]}
    assert (answers["1"]["status"], answers["2"]["status"]) == (200, 429)
    assert answers["2"]["headers"]["Retry-After"] == "3"
    retried = _batch(info, token, items[1:]).json()["responses"]
    assert [item["status"] for item in retried] == [200]


def test_a_batch_of_more_than_20_or_with_repeated_ids_is_refused_whole(info):
    token = _token(info)
    twenty_one = [{"id": str(n), "method": "GET", "url": f"/users/{info.mailbox_in_scope}/calendar"}
                  for n in range(21)]
    _assert_graph_error(_batch(info, token, twenty_one), 400, "BadRequest")
    assert _batch(info, token, twenty_one[:20]).status_code == 200
    repeated = [{"id": "1", "method": "GET", "url": "/users/x/calendar"}] * 2
    _assert_graph_error(_batch(info, token, repeated), 400, "BadRequest")


def test_a_batch_item_depending_on_a_failed_one_is_424(info):
    r = _batch(info, _token(info), [
        {"id": "a", "method": "GET", "url": f"/users/{info.mailbox_out_of_scope}/calendar"},
        {"id": "b", "method": "GET", "url": f"/users/{info.mailbox_in_scope}/calendar", "dependsOn": ["a"]},
    ])
    assert [item["status"] for item in r.json()["responses"]] == [403, 424]


# -- the real msgraph-sdk ------------------------------------------------------------------------------------
def test_msgraph_sdk_reads_the_calendar_and_calendar_view_and_raises_odata_errors_with_graph_codes():
    # A sandbox of its own: kiota's transport leaves a keep-alive connection to the server open after
    # aclose(), and stopping the sandbox is what ends the server's side of it.
    with GraphSandbox() as own_sandbox:
        _sdk_round_trip(own_sandbox.info())


def _sdk_round_trip(info):
    from kiota_abstractions.authentication import (
        AccessTokenProvider,
        AllowedHostsValidator,
        BaseBearerTokenAuthenticationProvider,
    )
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.users.item.calendar_view.calendar_view_request_builder import (
        CalendarViewRequestBuilder,
    )
    from msgraph_core import GraphClientFactory

    token = _msal(info, info.client_secret).acquire_token_for_client(scopes=GRAPH_SCOPE)["access_token"]

    class Tokens(AccessTokenProvider):
        async def get_authorization_token(self, uri, additional_authentication_context=None):
            return token

        def get_allowed_hosts_validator(self):
            return AllowedHostsValidator([])

    async def run():
        own = httpx.AsyncClient(verify=ssl.create_default_context(cafile=info.ca_file), trust_env=False)
        http = GraphClientFactory.create_with_default_middleware(client=own)
        adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(Tokens()), http)
        adapter.base_url = f"{info.graph_url}/v1.0"
        client = GraphServiceClient(request_adapter=adapter)
        try:
            calendar = await client.users.by_user_id(info.mailbox_in_scope).calendar.get()
            now = dt.datetime.now(dt.UTC)
            query = CalendarViewRequestBuilder.CalendarViewRequestBuilderGetQueryParameters(
                start_date_time=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                end_date_time=(now + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                select=["start", "end", "showAs", "isAllDay"])
            view = await client.users.by_user_id(info.mailbox_in_scope).calendar_view.get(
                RequestConfiguration(query_parameters=query))
            errors = {}
            for address in (info.mailbox_out_of_scope, info.mailbox_not_enabled, info.mailbox_unknown):
                try:
                    await client.users.by_user_id(address).calendar.get()
                except ODataError as exc:
                    errors[address] = (exc.response_status_code, exc.error.code, exc.error.inner_error)
            return calendar, view, errors
        finally:
            await http.aclose()
            await own.aclose()

    calendar, view, errors = asyncio.run(run())
    assert calendar.owner.address == info.mailbox_in_scope and calendar.is_default_calendar
    assert view.value and all(e.start.date_time and e.show_as is not None for e in view.value)
    assert all(e.subject is None for e in view.value)
    status, code, inner = errors[info.mailbox_out_of_scope]
    assert (status, code) == (403, "ErrorAccessDenied") and inner.request_id
    assert errors[info.mailbox_not_enabled][:2] == (404, "MailboxNotEnabledForRESTAPI")
    assert errors[info.mailbox_unknown][:2] == (404, "ErrorInvalidUser")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_certificate_files_are_private_to_the_user(info):
    for path in (info.certificate_pem, info.certificate_pfx, info.certificate_unregistered_pem):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


# -- with the rest of the sandbox ----------------------------------------------------------------------------
def test_sandbox_graph_true_shares_the_ca_and_the_request_log():
    with Sandbox(graph=True) as sandbox:
        assert sandbox.graph is not None
        graph = sandbox.graph.info()
        assert graph.ca_file == sandbox.info().ca_file
        token = _token(graph)
        assert _get(graph, f"/users/{graph.mailbox_in_scope}/calendar", token).status_code == 200
        assert sandbox.requests.find(server="graph", endpoint="calendar")
        folder = sandbox.folder
    assert not (folder / "graph" / "graph-app.pem").exists()
