"""The Exchange provider's API used by the UI and the dashboard: observers, cancellation, autodiscover,
scope enumeration, mailbox lists, probes — and the pure helpers behind the diagnoses."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from exchangelib import errors as ews
from oauthlib.oauth2.rfc6749.errors import (
    CustomOAuth2Error,
    InsecureTransportError,
    OAuth2Error,
    TokenExpiredError,
)

from ec_console.checks import CancelToken, StepResult, StepStatus
from ec_console.diagnoses import diagnose
from ec_console.providers import net, transport
from ec_console.providers.exchange.check import (
    AuthenticatedOAuth2Credentials,
    ExchangeSettings,
    enumerate_scope,
    ews_resource,
    exchange_steps,
    is_exchange_online,
    offered_auth_methods,
    parse_mailbox_list,
    probe_mailbox,
    run_exchange_check,
    token_claims,
)
from ec_console.providers.exchange.errors import ErrorContext, classify
from ec_console.providers.exchange.http import HttpAnswerError
from ec_console.sandbox import Sandbox


@pytest.fixture(scope="module")
def module_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox:
        sandbox.variant_url("http")
        yield sandbox


@pytest.fixture
def sb(module_sandbox: Sandbox) -> Sandbox:
    module_sandbox.requests.clear()
    return module_sandbox


def settings_for(sb: Sandbox, **changes: object) -> ExchangeSettings:
    info = sb.info()
    values: dict[str, object] = dict(
        mailbox=info.mailbox_in_scope,
        ews_url=info.ews_url,
        username=info.username,
        ca_file=info.ca_file,
        timeout=5.0,
    )
    values.update(changes)
    return ExchangeSettings(**values)  # type: ignore[arg-type]


# --- observers, cancellation, settings --------------------------------------------------------------------


def test_observer_sees_every_step_in_order(sb: Sandbox) -> None:
    started: list[str] = []
    finished: list[StepResult] = []
    settings = settings_for(sb, write_probe=True, expect_denied=sb.info().mailbox_out_of_scope)
    report = run_exchange_check(
        settings, sb.info().password, observer=finished.append, on_step_started=started.append
    )
    planned = [s.id for s in exchange_steps(settings)]
    assert started == planned == [s.id for s in finished] == [s.id for s in report.steps]
    assert planned[-2:] == ["write_probe", "restriction"]
    assert report.result is StepStatus.PASS


def test_cancel_before_start_skips_every_step_and_sends_nothing(sb: Sandbox) -> None:
    token = CancelToken()
    token.cancel()
    report = run_exchange_check(settings_for(sb), sb.info().password, cancel=token)
    assert report.cancelled and all(s.status is StepStatus.SKIP for s in report.steps)
    assert not sb.requests.all()


def test_cancel_midway_stops_after_the_current_step(sb: Sandbox) -> None:
    token = CancelToken()

    def on_step(step: StepResult) -> None:
        if step.id == "authenticate":
            token.cancel()

    report = run_exchange_check(settings_for(sb), sb.info().password, observer=on_step, cancel=token)
    statuses = {s.id: s.status for s in report.steps}
    assert statuses["authenticate"] is StepStatus.PASS
    assert statuses["impersonate"] is StepStatus.SKIP and report.cancelled
    assert not sb.requests.find(operation="FindItem")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"auth": "oauth", "tenant_id": None, "client_id": None}, "tenant id"),
        ({"username": None}, "user name"),
        ({"ews_url": None}, "EWS URL"),
        ({"auth": "oauth", "tenant_id": "t", "client_id": "c", "impersonation": False}, "delegate"),
    ],
)
def test_inconsistent_settings_are_refused(sb: Sandbox, changes: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        run_exchange_check(settings_for(sb, **changes), "secret")


def test_plain_http_to_loopback_skips_tls(sb: Sandbox) -> None:
    url = sb.variant_url("http")
    report = run_exchange_check(settings_for(sb, ews_url=url), sb.info().password)
    tls = report.step("tls")
    assert tls is not None and tls.status is StepStatus.SKIP and tls.skip_reason == "not_applicable"
    assert report.result is StepStatus.PASS


# --- autodiscover -----------------------------------------------------------------------------------------


def test_autodiscover_walk_finds_the_ews_url(sb: Sandbox) -> None:
    info = sb.info()
    settings = settings_for(sb, ews_url=None, autodiscover=True, autodiscover_urls=(info.autodiscover_url,))
    report = run_exchange_check(settings, info.password)
    step = report.step("resolve_endpoint")
    assert step is not None and step.status is StepStatus.PASS
    assert step.data and step.data["ews_url"] == info.ews_url and step.data["source"] == "autodiscover"
    assert report.result is StepStatus.PASS


def test_autodiscover_with_no_answering_candidate_fails(sb: Sandbox) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"https://127.0.0.1:{port}/autodiscover/autodiscover.svc"
    settings = settings_for(sb, ews_url=None, autodiscover=True, autodiscover_urls=(dead,))
    report = run_exchange_check(settings, sb.info().password)
    step = report.step("resolve_endpoint")
    assert step is not None and step.diagnosis is not None
    assert step.diagnosis.code == "autodiscover_failed"
    assert dead in step.diagnosis.cause and "sandbox.example" in step.diagnosis.cause
    assert step.data and step.data["attempts"][0]["url"] == dead


def test_autodiscover_default_candidates_follow_the_domain() -> None:
    from ec_console.providers.exchange.autodiscover import candidate_urls

    assert candidate_urls("contoso.com") == [
        "https://contoso.com/autodiscover/autodiscover.svc",
        "https://autodiscover.contoso.com/autodiscover/autodiscover.svc",
    ]


# --- scope enumeration and probes -------------------------------------------------------------------------


def test_enumerate_scope_lists_direct_members_and_reports_nested_groups(sb: Sandbox) -> None:
    info = sb.info()
    for group in (info.scope_group_address, info.scope_group):
        listing = enumerate_scope(settings_for(sb), info.password, group)
        addresses = {m.address for m in listing.mailboxes}
        assert addresses == {m.address for m in sb.org.scope_members()}
        assert info.mailbox_out_of_scope not in addresses
        nested = {m.address for m in listing.nested_groups}
        assert nested == {sb.org.nested_group_address}
        assert not addresses & {m.address for m in sb.org.nested_members()}


def test_enumerate_scope_with_bad_password_raises_a_diagnosis(sb: Sandbox) -> None:
    from ec_console.providers.exchange.check import ScopeError

    with pytest.raises(ScopeError) as caught:
        enumerate_scope(settings_for(sb), "wrong-password", sb.info().scope_group_address)
    assert caught.value.diagnosis.code == "auth_failed"


def test_probe_mailbox_returns_busy_blocks_without_subjects(sb: Sandbox) -> None:
    info = sb.info()
    result = probe_mailbox(settings_for(sb), info.password, info.mailbox_in_scope)
    assert result.ok and result.diagnosis is None
    events = sb.org.mailbox(info.mailbox_in_scope).events
    assert len(result.blocks) == len(events)
    assert all(set(b) == {"start", "end", "busy_type", "all_day"} for b in result.blocks)
    assert all(e.subject not in json.dumps(result.blocks) for e in events)


def test_probe_mailbox_outside_scope_is_not_ok(sb: Sandbox) -> None:
    info = sb.info()
    result = probe_mailbox(settings_for(sb), info.password, info.mailbox_out_of_scope)
    assert not result.ok and result.diagnosis is not None
    assert result.diagnosis.code == "impersonation_denied"


def test_a_cancelled_probe_is_never_ok(sb: Sandbox) -> None:
    info = sb.info()
    cancel = CancelToken()
    cancel.cancel()
    result = probe_mailbox(settings_for(sb), info.password, info.mailbox_in_scope, cancel=cancel)
    assert not result.ok and result.blocks == []
    assert result.report is not None and result.report.cancelled


def test_a_throttled_probe_carries_the_servers_wait_as_data(sb: Sandbox) -> None:
    info = sb.info()
    result = probe_mailbox(settings_for(sb), info.password, info.mailbox_throttled)
    assert not result.ok and result.diagnosis is not None and result.diagnosis.code == "throttled"
    failure = result.report.first_failure
    assert failure.data["back_off"] == info.throttle_back_off_ms / 1000


# --- mailbox lists ----------------------------------------------------------------------------------------


def test_parse_pasted_list() -> None:
    text = ("Ada@Contoso.com, bob@contoso.com\n\n# a comment\n<carol@contoso.com>; ada@contoso.com\n"
            "not-an-address\n")
    parsed = parse_mailbox_list(text)
    assert parsed.addresses == ["ada@contoso.com", "bob@contoso.com", "carol@contoso.com"]
    assert [(p.line, p.text.strip()) for p in parsed.problems] == [(5, "not-an-address")]


def test_parse_get_mailbox_csv_export(tmp_path: Path) -> None:
    text = (
        "#TYPE Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox\n"
        '"Name","PrimarySmtpAddress","UserPrincipalName"\n'
        '"Ada","ada@contoso.com","ada@corp.contoso.com"\n'
        '"No primary","","upn.only@contoso.com"\n'
        '"Broken","bad address",""\n'
        '"Empty","",""\n'
    )
    parsed = parse_mailbox_list(text)
    assert parsed.addresses == ["ada@contoso.com", "upn.only@contoso.com"]
    assert [p.line for p in parsed.problems] == [5, 6]
    assert "line 5" in parsed.problems[0].message


def test_parse_windows_email_address_column() -> None:
    parsed = parse_mailbox_list('\ufeffWindowsEmailAddress,DisplayName\r\nx@contoso.com,X\r\n')
    assert parsed.addresses == ["x@contoso.com"] and not parsed.problems


# --- pure helpers -----------------------------------------------------------------------------------------


def test_offered_auth_methods_reads_joined_headers() -> None:
    header = ('Negotiate, NTLM, Basic realm="mail.contoso.com", '
              'Bearer authorization_uri="https://x", error="y"')
    assert offered_auth_methods(header) == ["Negotiate", "NTLM", "Basic", "Bearer"]
    assert offered_auth_methods("") == []


def test_token_claims_reads_roles_without_verification() -> None:
    import base64

    payload = base64.urlsafe_b64encode(json.dumps({"roles": ["full_access_as_app"]}).encode()).rstrip(b"=")
    assert token_claims(f"e30.{payload.decode()}.sig")["roles"] == ["full_access_as_app"]
    assert token_claims("not-a-jwt") == {}
    assert token_claims("a.%%%.c") == {}


def _cert(not_before: str, not_after: str, names: list[str]) -> dict:
    return {"not_before": not_before, "not_after": not_after, "names": names}


@pytest.mark.parametrize(
    ("code", "info", "expected"),
    [
        (10, {}, "tls_expired"),
        (62, {}, "tls_name_mismatch"),
        (None, _cert("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", ["mail.contoso.com"]), "tls_expired"),
        (None, _cert("2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z", ["other.contoso.com"]),
         "tls_name_mismatch"),
        (None, _cert("2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z", ["*.contoso.com"]), "tls_untrusted"),
        (20, _cert("2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z", ["mail.contoso.com"]), "tls_untrusted"),
    ],
)
def test_certificate_failures_are_classified(code: int | None, info: dict, expected: str) -> None:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    assert net.classify_certificate_failure(code, info, "mail.contoso.com", now) == expected


def test_wildcards_match_one_label_only() -> None:
    assert net.hostname_matches("mail.contoso.com", ["*.contoso.com"])
    assert not net.hostname_matches("a.mail.contoso.com", ["*.contoso.com"])
    assert not net.hostname_matches("contoso.com", ["*.contoso.com"])


def test_redact_proxy_drops_credentials() -> None:
    assert transport.redact_proxy("http://user:pa55@proxy.corp:3128") == "http://proxy.corp:3128"


def _ctx(**kw: object) -> ErrorContext:
    base: dict[str, object] = dict(
        service_account="CONTOSO\\svc", mailbox="a@contoso.com", ews_url="https://m/EWS/Exchange.asmx",
        host="m", timeout=15.0,
    )
    base.update(kw)
    return ErrorContext(**base)  # type: ignore[arg-type]


# Each row: the identity platform's documented answer (entra-docs reference-error-codes.md, "AADSTS error
# codes"; the bodies observed in GRAPH_NOTES.md section 1) and the diagnosis whose meaning is that AADSTS
# number's documented meaning. AADSTS700016 is "application not found in the directory" (the app id or the
# tenant is wrong): a diagnosis claiming a bad client secret would send the admin to the wrong place.
@pytest.mark.parametrize(
    ("status", "error", "description", "code", "meaning"),
    [
        (401, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being "
         "sent in the request is the client secret value, not the client secret ID, for a secret added "
         "to app 'x'.",
         "oauth_invalid_client", "client secret"),
        (401, "invalid_client", "AADSTS7000222: The provided client secret keys for app 'x' are expired.",
         "oauth_secret_expired", "expired"),
        (400, "invalid_tenant", "AADSTS90002: Tenant 'x' not found.", "oauth_tenant_not_found", "tenant"),
        (400, "unauthorized_client", "AADSTS700016: Application with identifier 'x' was not found in the "
         "directory 'contoso.com'. This can happen if the application has not been installed by the "
         "administrator of the tenant or consented to by any user in the tenant. You may have sent your "
         "authentication request to the wrong tenant.", "oauth_app_not_found", "found no application"),
        (400, "unauthorized_client", "AADSTS7000112: Application 'x'(EC Calendar) is disabled.",
         "oauth_app_disabled", "disabled"),
        (401, "invalid_client", "AADSTS7000229: The client application x is missing service principal in the "
         "tenant y.", "oauth_no_service_principal", "service principal"),
        (401, "invalid_client", "AADSTS700027: The certificate with identifier used to sign the client "
         "assertion is not registered on application.", "oauth_certificate_unknown", "certificate"),
        (400, "invalid_grant", "AADSTS53003: Access has been blocked by Conditional Access policies. The "
         "access policy does not allow token issuance.", "oauth_conditional_access", "Conditional Access"),
    ],
)
def test_identity_platform_errors_map_by_aadsts_code(
    status: int, error: str, description: str, code: str, meaning: str
) -> None:
    refusal = CustomOAuth2Error(error, description=description, status_code=status)
    found, detail, _ = classify(refusal, _ctx(oauth=True))
    assert found == code
    assert description.split(":")[0] in detail  # the AADSTS number the platform gave is shown
    assert meaning in diagnose(found).cause


def test_aadsts_numbers_come_from_error_codes_before_the_text() -> None:
    # The body's `error_codes` list is what Microsoft documents to diagnose by; the text is not read as
    # prose. Here the description names no number, the list says 7000112 (application disabled).
    body = json.dumps({"error": "unauthorized_client", "error_description": "The application is disabled.",
                       "error_codes": [7000112], "timestamp": "2026-01-01 00:00:00Z"})
    client = AuthenticatedOAuth2Credentials(client_id="c", client_secret="s", tenant_id="t").client
    with pytest.raises(OAuth2Error) as caught:
        client.parse_request_body_response(body)
    assert caught.value.error_codes == ["7000112"]
    assert classify(caught.value, _ctx(oauth=True))[0] == "oauth_app_disabled"


@pytest.mark.parametrize(
    ("error", "description"),
    [
        # prose that sounds like a bad secret but carries no AADSTS number: not told as one
        ("invalid_request", "Invalid client secret provided."),
        # a number the console does not interpret (AADSTS90023 is InvalidRequest, not a bad secret)
        ("invalid_client", "AADSTS90023: The authentication service request is not valid."),
        ("unauthorized_client", "AADSTS9999999: Something new."),
    ],
)
def test_uninterpreted_identity_refusals_say_what_came(error: str, description: str) -> None:
    found, detail, extra = classify(CustomOAuth2Error(error, description=description, status_code=400),
                                    _ctx(oauth=True))
    assert found == "oauth_request_refused"
    assert description in detail and description in extra["error"]


# Exchange Online's `x-ms-diagnostics` on a 401 to a bearer token. Observed values: 2000008 (otris/ews-cpp
# issue 148: "The token contains no permissions, or permissions can not be understood.", invalid_grant);
# 2000003 (contextsmith OAuthTest.java: "The audience claim value is invalid 'aud'.", invalid_resource);
# 2000001 (Microsoft Information Protection SDK docs: "OAuth token submitted with the request cannot be
# parsed.", invalid_token); 2000004 (Microsoft troubleshooting "Skype for Business and Exchange integration
# fails": "The tenant for tenant guid '...' does not exist.", invalid_tenant). Only 2000008 is a missing
# permission; any other value is quoted as it came, and nothing is guessed.
@pytest.mark.parametrize(
    ("diagnostics", "code", "said"),
    [
        ('2000008;reason="The token contains no permissions, or permissions can not be understood.";'
         'error_category="invalid_grant"', "oauth_permission_missing", "no permission"),
        ("2000003;reason=\"The audience claim value is invalid 'aud'.\";error_category=\"invalid_resource\"",
         "oauth_token_rejected", "audience"),
        ('2000001;reason="OAuth token submitted with the request cannot be parsed.";'
         'error_category="invalid_token"', "oauth_token_rejected", "invalid_token"),
        ("2000004;reason=\"The tenant for tenant guid 'contoso.com' does not exist.\";"
         'error_category="invalid_tenant"', "oauth_token_rejected", "invalid_tenant"),
        ('2000099;reason="Something Exchange has not said before.";error_category="new"',
         "oauth_token_rejected", ""),
    ],
)
def test_bearer_401_is_told_by_its_x_ms_diagnostics(diagnostics: str, code: str, said: str) -> None:
    answer = HttpAnswerError(401, "Unauthorized", {"x-ms-diagnostics": diagnostics}, "")
    found, detail, extra = classify(answer, _ctx(oauth=True))
    assert found == code
    assert diagnostics in detail and diagnostics in extra["error"]
    assert said in detail
    if code != "oauth_permission_missing":
        assert "permission" not in detail


def test_bearer_401_without_x_ms_diagnostics_is_not_a_missing_permission() -> None:
    found, detail, _ = classify(HttpAnswerError(401, "Unauthorized", {}, ""), _ctx(oauth=True))
    assert found == "oauth_token_rejected" and "no x-ms-diagnostics" in detail


@pytest.mark.parametrize("refusal", [InsecureTransportError(), TokenExpiredError()])
def test_oauth_client_side_refusals_are_not_told_as_a_server_answer(refusal: OAuth2Error) -> None:
    # oauthlib raises these itself (no request sent, or about a token it holds): no server said anything.
    ctx = _ctx(oauth=True, host="127.0.0.1")
    found, detail, extra = classify(refusal, ctx)
    assert found != "server_error"
    assert "answered" not in detail and "identity platform" not in detail
    assert "127.0.0.1 answered" not in diagnose(found, **ctx.names(**extra)).cause


@pytest.mark.parametrize(
    ("ews_url", "resource"),
    [
        # The token is for the EWS host's own cloud: worldwide, U.S. Government GCC High (Microsoft 365
        # endpoints, USGovGCCHigh: outlook.office365.us), China operated by 21Vianet (partner.outlook.cn).
        ("https://outlook.office365.com/EWS/Exchange.asmx", "https://outlook.office365.com"),
        ("https://outlook.office365.us/EWS/Exchange.asmx", "https://outlook.office365.us"),
        ("https://partner.outlook.cn/EWS/Exchange.asmx", "https://partner.outlook.cn"),
        ("https://127.0.0.1:8443/EWS/Exchange.asmx", "https://127.0.0.1:8443"),
    ],
)
def test_token_scope_follows_the_ews_host(ews_url: str, resource: str) -> None:
    assert ews_resource(ews_url) == resource
    credentials = AuthenticatedOAuth2Credentials(
        client_id="c", client_secret="s", tenant_id="t", resource=ews_resource(ews_url)
    )
    assert credentials.scope == [f"{resource}/.default"]


def test_exchange_online_hosts_are_the_open_clouds_only() -> None:
    # Microsoft Cloud Deutschland closed; DoD's EWS host is in the USGovDoD endpoint list.
    assert not is_exchange_online("outlook.office.de")
    for host in ("outlook.office365.com", "outlook.office365.us", "webmail.apps.mil", "partner.outlook.cn"):
        assert is_exchange_online(host)


@pytest.mark.parametrize(
    ("status", "headers", "text", "ctx", "code"),
    [
        (401, {}, "", {}, "auth_failed"),
        (401, {}, "The referenced account is currently locked out.", {}, "account_locked"),
        (401, {"x-ms-diagnostics": "2000008;reason=token lacks roles"}, "", {"oauth": True},
         "oauth_permission_missing"),
        # Microsoft, "Control access to EWS in Exchange", "Understand HTTP 403 responses in Exchange Online"
        # (https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange):
        # the two values of X-EWS-Policy-Reason, and "An HTTP 403 status alone does not establish" the cause.
        (403, {"X-EWS-Policy-Reason": "EWS is disabled for this user or tenant"}, "", {}, "ews_blocked"),
        (403, {"x-ews-policy-reason": "EWS is blocked by policy for this user or tenant"}, "",
         {"oauth": True}, "ews_blocked"),
        (403, {}, "", {}, "ews_forbidden"),
        (403, {"X-CasErrorCode": "UnauthenticatedRequest"}, "", {}, "ews_forbidden"),
        (407, {}, "", {}, "proxy_auth_required"),
        (503, {"Retry-After": "12"}, "", {}, "throttled"),
        (502, {}, "", {}, "server_error"),
        (302, {"Location": "https://m/owa/"}, "", {}, "server_error"),
    ],
)
def test_http_answers_map_to_codes(status: int, headers: dict, text: str, ctx: dict, code: str) -> None:
    found, detail, extra = classify(HttpAnswerError(status, "", headers, text), _ctx(**ctx))
    assert found == code
    if status == 503:
        assert extra["back_off"] == "12" and "12" in detail


def test_ews_blocked_on_exchange_online_names_the_shutdown() -> None:
    reason = {"X-EWS-Policy-Reason": "EWS is disabled for this user or tenant"}
    _, detail, _ = classify(HttpAnswerError(403, "Forbidden", reason, ""), _ctx(exchange_online=True))
    assert "1 April 2027" in detail


def test_ews_blocked_keeps_the_policy_reason_verbatim() -> None:
    value = "EWS is blocked by policy for this user or tenant"  # the documented value, quoted above
    code, detail, names = classify(HttpAnswerError(403, "", {"X-EWS-Policy-Reason": value}, ""), _ctx())
    assert code == "ews_blocked" and names["policy_reason"] == value and value in detail


def test_a_bare_403_is_not_called_an_ews_block() -> None:
    code, detail, names = classify(HttpAnswerError(403, "Forbidden", {}, ""), _ctx(exchange_online=True))
    assert code == "ews_forbidden"
    assert "403" in detail and "X-EWS-Policy-Reason" in detail and "EWS is blocked" not in detail
    assert "policy_reason" not in names


def _answer(status: int, headers: dict[str, str], body: bytes = b"") -> requests.Response:
    response = requests.Response()
    response.status_code, response._content, response.url = status, body, "https://m/EWS/Exchange.asmx"
    response.headers.update(headers)
    return response


def test_a_cas_error_header_is_read_and_named() -> None:
    # A real front-end refusal (a Remote Connectivity Analyzer result): HTTP 500, Content-Length 0,
    # "X-CasErrorCode: ServerNotFound"; exchangelib's RetryPolicy raises CASError from that header.
    from ec_console.providers.exchange.http import CheckRetryPolicy

    with pytest.raises(ews.CASError) as caught:
        CheckRetryPolicy().raise_response_errors(_answer(500, {"X-CasErrorCode": "ServerNotFound"}))
    code, detail, names = classify(caught.value, _ctx())
    assert code == "server_error"
    assert "X-CasErrorCode ServerNotFound" in detail and "500" in detail
    assert "ServerNotFound" in names["error"]


def test_a_cas_error_header_on_a_sign_in_refusal_stays_a_sign_in_refusal() -> None:
    # Exchange's front end also marks an ordinary 401 with X-CasErrorCode: UnauthenticatedRequest.
    from ec_console.providers.exchange.http import CheckRetryPolicy

    with pytest.raises(HttpAnswerError) as caught:
        CheckRetryPolicy().raise_response_errors(_answer(401, {"X-CasErrorCode": "UnauthenticatedRequest"}))
    assert classify(caught.value, _ctx())[0] == "auth_failed"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ews.ErrorImpersonateUserDenied("x"), "impersonation_denied"),
        (ews.ErrorImpersonationDenied("x"), "impersonation_right_missing"),
        (ews.ErrorInvalidExchangeImpersonationHeaderData("x"), "impersonation_header_required"),
        (ews.ErrorNonExistentMailbox("x"), "mailbox_not_found"),
        (ews.ErrorAccessDenied("x"), "folder_access_denied"),
        (ews.ErrorFolderNotFound("x"), "folder_access_denied"),
        (ews.ErrorCreateItemAccessDenied("x"), "write_denied"),
        (ews.ErrorServerBusy("x", back_off=30), "throttled"),
        (ews.ErrorExceededConnectionCount("x"), "throttled"),
        (ews.ErrorTimeoutExpired("Reraised from ReadTimeout(...)"), "timeout"),
        (ews.UnauthorizedError("The referenced account is currently locked out"), "account_locked"),
        (ews.MalformedResponseError("garbage"), "server_error"),
        (requests.exceptions.ReadTimeout("read timed out"), "timeout"),
        (requests.exceptions.ConnectionError("refused"), "tcp_unreachable"),
        (RuntimeError("anything else"), "server_error"),
    ],
)
def test_exchangelib_errors_map_to_codes(exc: BaseException, code: str) -> None:
    assert classify(exc, _ctx())[0] == code


def test_version_guess_wrapping_is_unwrapped() -> None:
    try:
        try:
            raise ews.ErrorImpersonateUserDenied("denied")
        except ews.ResponseMessageError as inner:
            raise ews.TransportError(f"No valid version headers found in response ({inner!r})")  # noqa: B904
    except ews.TransportError as wrapped:
        assert classify(wrapped, _ctx())[0] == "impersonation_denied"


def test_a_token_endpoint_answer_without_a_token_is_the_servers() -> None:
    # oauthlib's MissingTokenError: the answer (an error page, a proxy's) carried no access_token.
    from oauthlib.oauth2.rfc6749.errors import MissingTokenError

    assert classify(MissingTokenError(), _ctx(oauth=True))[0] == "server_error"
