"""The Google provider's parts on their own: key parsing, error classification, TLS trust, the receiver."""

from __future__ import annotations

import json
import socket
import threading
import time

import httplib2
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as google_exceptions
from googleapiclient.errors import HttpError

from ec_console import logs
from ec_console.checks import CancelToken
from ec_console.providers.google import errors as google_errors
from ec_console.providers.google import key as google_key
from ec_console.providers.google import net as google_net
from ec_console.providers.google.errors import Names
from ec_console.providers.google.signin import ClientSecretProblem, LoopbackReceiver, load_client_config
from ec_console.sandbox.server import Response, SandboxHTTPServer
from ec_console.sandbox.tls import generate_tls_material


@pytest.fixture(scope="module")
def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def key_info(pem: str, **changes: object) -> dict[str, object]:
    info: dict[str, object] = {
        "type": "service_account", "project_id": "p-1", "private_key_id": "0123456789abcdef",
        "private_key": pem, "client_email": "svc@p-1.iam.gserviceaccount.com",
        "client_id": "112233445566778899001",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    info.update(changes)
    return {k: v for k, v in info.items() if v is not None}


# --- key -----------------------------------------------------------------------------------------------


def test_good_key_loads_and_reports_no_secret(pem):
    key = google_key.load_key(key_info(pem))
    assert key.client_id == "112233445566778899001"
    assert "private_key" not in key.summary()
    assert pem.splitlines()[1] not in json.dumps(key.summary())


def test_private_key_is_registered_with_the_redactor(pem):
    google_key.load_key(key_info(pem))
    line = pem.splitlines()[3]
    assert line not in logs.redact(f"oops {pem}")


@pytest.mark.parametrize(("raw", "words"), [
    (b"", "empty"),
    (b"{not json", "not JSON"),
    (b"-----BEGIN PRIVATE KEY-----\nabc\n", "PEM file"),
    (b"\x30\x82\x09\x99rest", "PKCS#12"),
    (b"\xff\xfe\x00binary", "not a text file"),
    (b"[1, 2]", "JSON list"),
])
def test_files_that_are_not_json_keys_are_named(raw, words):
    with pytest.raises(google_key.KeyProblem, match=words):
        google_key.parse_key_bytes(raw)


@pytest.mark.parametrize(("info", "words"), [
    ({"installed": {"client_id": "x.apps.googleusercontent.com"}}, "OAuth client file"),
    ({"web": {"client_id": "x"}}, "OAuth client file"),
    ({"type": "authorized_user", "client_id": "x"}, "user's own sign-in"),
    ({"type": "external_account"}, "workload identity"),
])
def test_other_credential_files_are_named(info, words):
    with pytest.raises(google_key.KeyProblem, match=words):
        google_key.load_key(info)


def test_missing_fields_are_each_named(pem):
    with pytest.raises(google_key.KeyProblem) as err:
        google_key.load_key(key_info(pem, token_uri=None, client_email=None))
    assert "token_uri" in str(err.value) and "client_email" in str(err.value)
    assert "private_key," not in str(err.value)


@pytest.mark.parametrize("email", ["@", "@\r", "svc@", "@p-1.iam.gserviceaccount.com", "svc@localhost",
                                   "svc@p-1.iam.gserviceaccount.com\r", " svc@p-1.iam.gserviceaccount.com",
                                   "svc@@p-1.iam.gserviceaccount.com", "s vc@p-1.iam.gserviceaccount.com"])
def test_a_client_email_that_is_not_a_service_account_address_is_refused(pem, email):
    with pytest.raises(google_key.KeyProblem, match="client_email .* is not an address"):
        google_key.load_key(key_info(pem, client_email=email))


@pytest.mark.parametrize("field, value", [("private_key_id", "0\r"), ("private_key_id", " 3f2a"),
                                          ("private_key_id", "3f 2a"),
                                          ("token_uri", "https://oauth2.googleapis.com/token\n")])
def test_a_key_id_or_token_uri_with_a_space_or_line_end_is_refused(pem, field, value):
    with pytest.raises(google_key.KeyProblem, match=f"{field} .* holds a space, line end or control"):
        google_key.load_key(key_info(pem, **{field: value}))


def test_non_numeric_client_id_and_plain_http_token_uri_are_refused(pem):
    with pytest.raises(google_key.KeyProblem, match="numeric client ID"):
        google_key.load_key(key_info(pem, client_id="svc.apps.googleusercontent.com"))
    with pytest.raises(google_key.KeyProblem, match="not an https URL"):
        google_key.load_key(key_info(pem, token_uri="http://tokens.example.com/token"))
    assert google_key.load_key(key_info(pem, token_uri="http://127.0.0.1:9/token")).token_uri.startswith("http:")


def test_unreadable_private_key_is_named(pem):
    broken = pem.replace(pem.splitlines()[2], "A" * len(pem.splitlines()[2]))
    with pytest.raises(google_key.KeyProblem, match="cannot be read as an RSA private key"):
        google_key.load_key(key_info(pem, private_key=broken))


def test_assertion_audience_is_the_key_files_token_uri(pem):
    key = google_key.load_key(key_info(pem, token_uri="https://127.0.0.1:8443/token"))
    creds = key.credentials.with_scopes(["s"])
    import google.auth.jwt as jwt

    claims = jwt.decode(creds._make_authorization_grant_assertion(), verify=False)
    assert claims["aud"] == "https://127.0.0.1:8443/token"


# --- token endpoint errors ---------------------------------------------------------------------------------


def refresh_error(error: str, description: str) -> google_exceptions.RefreshError:
    body = {"error": error, "error_description": description}
    return google_exceptions.RefreshError(f"{error}: {description}", body, retryable=False)


NAMES = Names(service_account="svc@p.iam.gserviceaccount.com", client_id="1234567890123", user="u@x.example",
              scopes=("https://www.googleapis.com/auth/calendar",))


@pytest.mark.parametrize(("error", "description", "code"), [
    ("unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client "
                            "not authorized for any of the scopes requested.", "dwd_unauthorized"),
    ("invalid_grant", "Invalid email or User ID", "user_not_found"),
    ("invalid_grant", "Not a valid email.", "user_not_found"),
    ("invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                      "timeframe. Check your iat and exp values in the JWT claim.", "clock_skew"),
    ("invalid_grant", "Invalid JWT Signature.", "key_invalid_signature"),
    ("invalid_grant", "Invalid grant: account not found", "service_account_not_found"),
    ("invalid_grant", "The account has been deleted", "user_deleted"),
    ("invalid_grant", "reauth related error (rapt_required)", "reauth_required"),
    ("invalid_client", "The OAuth client was not found.", "service_account_not_found"),
])
def test_token_endpoint_answers_map_to_codes(error, description, code):
    assert google_errors.classify_refresh_error(refresh_error(error, description), NAMES).code == code


def test_token_endpoint_throttling_and_server_errors():
    exc = refresh_error("rate_limit_exceeded", "Too many requests")
    diagnosis = google_errors.classify_refresh_error(exc, NAMES, status=429, retry_after=17)
    assert diagnosis.code == "throttled" and "17" in diagnosis.cause
    plain = google_exceptions.RefreshError("<html>bad gateway</html>", retryable=True)
    assert google_errors.classify_refresh_error(plain, NAMES, status=502).code == "server_error"


def test_dwd_fix_is_the_prefilled_admin_console_link():
    diagnosis = google_errors.classify_refresh_error(refresh_error("unauthorized_client", "x"), NAMES)
    link = next(link for link in diagnosis.links if "domainwidedelegation" in link)
    assert "clientIdToAdd=1234567890123" in link
    assert "auth%2Fcalendar" in link
    assert "24 hours" in diagnosis.remediation


# --- API errors ---------------------------------------------------------------------------------------------


def http_error(status: int, body: dict[str, object] | str,
               headers: dict[str, str] | None = None) -> HttpError:
    resp = httplib2.Response({"status": str(status), **(headers or {})})
    resp.reason = "reason"
    content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return HttpError(resp, content, uri="https://x.example/api")


def error_body(status: int, reason: str, message: str,
               details: list[object] | None = None) -> dict[str, object]:
    error: dict[str, object] = {"code": status, "message": message,
                                "errors": [{"message": message, "domain": "global", "reason": reason}]}
    if details:
        error["details"] = details
    return {"error": error}


def test_disabled_api_names_the_project_and_links_its_console_page():
    info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
            "metadata": {"service": "calendar-json.googleapis.com", "consumer": "projects/482913570164"}}
    message = "Google Calendar API has not been used in project 482913570164 before or it is disabled."
    body = error_body(403, "accessNotConfigured", message, [info])
    diagnosis = google_errors.classify_http_error(http_error(403, body), NAMES,
                                                  api="calendar-json.googleapis.com")
    assert diagnosis.code == "api_disabled"
    assert any("calendar-json.googleapis.com" in link and "482913570164" in link for link in diagnosis.links)


def test_api_reasons_map_to_codes():
    def code(status: int, reason: str, **kw: object) -> str:
        return google_errors.classify_http_error(http_error(status, error_body(status, reason, "m")), NAMES,
                                                 api="admin.googleapis.com", **kw).code

    assert code(403, "notACalendarUser") == "calendar_not_enabled"
    assert code(403, "rateLimitExceeded") == "throttled"
    assert code(403, "userRateLimitExceeded") == "throttled"
    assert code(429, "rateLimitExceeded") == "throttled"
    assert code(500, "backendError") == "server_error"
    assert code(403, "forbidden") == "server_error"
    assert code(403, "forbidden", on_forbidden=lambda _p: NAMES.render("not_admin")) == "not_admin"


def test_html_error_page_is_a_server_error():
    diagnosis = google_errors.classify_http_error(http_error(502, "<html>proxy</html>"), NAMES, api="a")
    assert diagnosis.code == "server_error" and "502" in diagnosis.cause


# --- TLS trust and network failures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https_server(tls):
    server = SandboxHTTPServer("t", tls_context=tls.server.server_context())
    server.route("GET", "/ok", lambda _r: Response.text(200, "ok"))
    with server:
        yield server


@pytest.fixture
def ca_env(monkeypatch):
    """Environment CA variables pointing at a bundle that does NOT contain the sandbox CA."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("HTTPLIB2_CA_CERTS", "/etc/ssl/certs/ca-certificates.crt")


def test_ca_file_is_trusted_whatever_requests_ca_bundle_says(https_server, tls, ca_env):
    with google_net.Transport(timeout=5, ca_file=tls.ca_file) as transport:
        assert transport.session.get(https_server.url + "/ok", timeout=5).text == "ok"
        response, content = transport.new_http().request(https_server.url + "/ok")
        assert response.status == 200 and content == b"ok"


def test_without_the_ca_file_the_sandbox_certificate_is_untrusted(https_server, ca_env):
    with google_net.Transport(timeout=5) as transport:
        with pytest.raises(requests.exceptions.SSLError) as err:
            transport.session.get(https_server.url + "/ok", timeout=5)
        diagnosis = google_errors.classify_network_error(err.value, NAMES, host="127.0.0.1", port=1)
        assert diagnosis.code == "tls_untrusted"
        with pytest.raises(Exception) as err2:  # noqa: B017 - whichever ssl error httplib2 lets through
            transport.new_http().request(https_server.url + "/ok")
        diagnosis2 = google_errors.classify_network_error(err2.value, NAMES, host="h", port=1)
        assert diagnosis2.code == "tls_untrusted"


def test_refused_port_and_silent_server_are_told_apart(tls):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with google_net.Transport(timeout=1) as transport:
        with pytest.raises(requests.exceptions.ConnectionError) as err:
            transport.session.get(f"https://127.0.0.1:{port}/", timeout=1)
        diagnosis = google_errors.classify_network_error(err.value, NAMES, host="h", port=port)
        assert diagnosis.code == "tcp_unreachable"
    server = SandboxHTTPServer("silent", tls_context=tls.server.server_context())
    server.silent = True
    with server, google_net.Transport(timeout=0.5, ca_file=tls.ca_file) as transport:
        with pytest.raises(requests.exceptions.RequestException) as err:
            transport.session.get(server.url + "/x", timeout=0.5)
        assert google_errors.classify_network_error(err.value, NAMES, host="h", port=1).code == "timeout"
        with pytest.raises(OSError) as err3:
            transport.new_http().request(server.url + "/x")
        assert google_errors.classify_network_error(err3.value, NAMES, host="h", port=1).code == "timeout"


def test_token_transport_checks_cancel_and_remembers_the_answer(https_server, tls):
    cancel = CancelToken()
    with google_net.Transport(timeout=5, ca_file=tls.ca_file, cancel=cancel) as transport:
        response = transport.token_request(https_server.url + "/ok", method="GET")
        assert response.status == 200
        assert transport.token_request.last_answer.status == 200
        assert google_net.parse_http_date(transport.token_request.last_answer.date) is not None
        cancel.cancel()
        from ec_console.checks import CheckCancelled

        with pytest.raises(CheckCancelled):
            transport.token_request(https_server.url + "/ok", method="GET")


def test_retry_after_forms():
    assert google_net.retry_after_seconds("12") == 12
    assert google_net.retry_after_seconds(None) is None
    assert google_net.retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0


# --- client secret file and the loopback receiver -----------------------------------------------------------


def test_client_secret_file_problems_are_named(tmp_path, pem):
    with pytest.raises(ClientSecretProblem, match="service-account key"):
        load_client_config(key_info(pem))
    with pytest.raises(ClientSecretProblem, match="Desktop app"):
        load_client_config({"web": {"client_id": "a"}})
    with pytest.raises(ClientSecretProblem, match="client_secret"):
        load_client_config({"installed": {"client_id": "a", "auth_uri": "https://a/x", "token_uri": "https://a/t"}})
    bad = tmp_path / "c.json"
    bad.write_text("nope")
    with pytest.raises(ClientSecretProblem, match="not JSON"):
        load_client_config(bad)


def test_receiver_rejects_other_states_and_accepts_its_own():
    receiver = LoopbackReceiver("s3cret-state")
    try:
        wrong = requests.get(receiver.redirect_uri + "?code=abc&state=other", timeout=5)
        assert wrong.status_code == 400
        assert requests.get(receiver.redirect_uri + "favicon.ico", timeout=5).status_code == 404
        right = requests.get(receiver.redirect_uri + "?code=abc&state=s3cret-state", timeout=5)
        assert right.status_code == 200
        assert receiver.wait(time.monotonic() + 5, CancelToken()) == "received"
        assert receiver.params == {"code": "abc", "state": "s3cret-state"}
        assert receiver.rejected == 1
    finally:
        receiver.close()


def test_receiver_wait_ends_on_cancel_and_on_timeout():
    receiver = LoopbackReceiver("x")
    try:
        assert receiver.wait(time.monotonic() + 0.3, CancelToken()) == "timed_out"
        cancel = CancelToken()
        timer = threading.Timer(0.2, cancel.cancel)
        timer.start()
        assert receiver.wait(time.monotonic() + 30, cancel) == "cancelled"
        timer.join()
    finally:
        receiver.close()
