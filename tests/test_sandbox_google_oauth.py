"""The administrator's sign-in against the Google sandbox: google-auth-oauthlib's `Flow` with PKCE, a scripted
browser that follows the authorize redirect to a loopback receiver, a verified ID token, then Directory.

Nothing process-wide is changed: no OAUTHLIB_INSECURE_TRANSPORT (the token endpoint is https, and the code
is handed to `fetch_token(code=...)`), and every https client trusts the sandbox CA per connection.
"""

from __future__ import annotations

import base64
import hashlib
import json

import httplib2
import pytest
import requests
from google.auth.transport.requests import Request
from google.oauth2 import id_token
from google_auth_httplib2 import AuthorizedHttp
from google_auth_oauthlib.flow import Flow
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError

from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.server import Response, SandboxHTTPServer
from ec_console.sandbox.tls import generate_tls_material

SCOPES = [
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
]


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("google-oauth-tls"))


@pytest.fixture
def sandbox(tls):
    sb = GoogleSandbox(tls=tls).start()
    yield sb
    sb.stop()


@pytest.fixture
def receiver():
    """The app's loopback redirect receiver (plain http on 127.0.0.1, as installed apps use)."""
    server = SandboxHTTPServer("loopback")
    server.route(
        "GET", "/", lambda r: Response.text(200, "The sign-in is complete. You may close this window.")
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def browser(sandbox):
    s = requests.Session()
    s.verify = str(sandbox.ca_file)
    s.trust_env = False
    yield s
    s.close()


def new_flow(sandbox, receiver) -> Flow:
    return Flow.from_client_secrets_file(
        sandbox.info().client_secret_file, scopes=SCOPES, redirect_uri=f"{receiver.url}/"
    )


def sign_in(browser, receiver, auth_url: str) -> dict[str, str]:
    """What the scripted browser does: open the consent URL, follow the redirect to the loopback receiver."""
    answer = browser.get(auth_url, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(receiver.url + "/?")
    assert browser.get(location).status_code == 200
    (hit,) = receiver.requests.find(path="/")
    return {k: v[0] for k, v in hit.query.items()}


def directory(sandbox, creds):
    return build(
        "admin",
        "directory_v1",
        static_discovery=True,
        http=AuthorizedHttp(creds, http=httplib2.Http(ca_certs=str(sandbox.ca_file))),
        client_options={"api_endpoint": sandbox.api_root},
    )


def test_admin_sign_in_end_to_end(sandbox, receiver, browser):
    info = sandbox.info()
    flow = new_flow(sandbox, receiver)
    auth_url, state = flow.authorization_url(
        login_hint=info.admin_email, access_type="offline", prompt="consent"
    )
    assert "code_challenge_method=S256" in auth_url
    query = sign_in(browser, receiver, auth_url)
    assert query["state"] == state and query["hd"] == info.domain
    flow.fetch_token(code=query["code"], verify=str(sandbox.ca_file))
    creds = flow.credentials
    assert creds.refresh_token and creds.token

    claims = id_token.verify_token(
        creds.id_token, Request(browser), audience=info.oauth_client_id, certs_url=info.certs_uri
    )
    assert claims["email"] == info.admin_email and claims["email_verified"] is True
    assert claims["hd"] == info.domain and claims["iss"] == info.id_token_issuer
    assert claims["sub"].isdigit() and claims["aud"] == claims["azp"] == info.oauth_client_id

    me = directory(sandbox, creds).users().get(userKey=claims["email"], fields="isAdmin").execute()
    assert me == {"isAdmin": True}

    # The refresh token works through google-auth's own refresh.
    old = creds.token
    creds.refresh(Request(browser))
    assert creds.token != old

    # Nothing secret in the request log: no code, verifier, client secret or refresh token in a recorded body.
    client_secret = json.loads(open(info.client_secret_file, encoding="utf-8").read())["installed"][
        "client_secret"
    ]
    bodies = b"".join(r.body for r in sandbox.requests)
    for secret in (query["code"], flow.code_verifier, client_secret, creds.refresh_token):
        assert secret.encode() not in bodies


def test_id_token_with_a_wrong_audience_is_rejected(sandbox, receiver, browser):
    flow = new_flow(sandbox, receiver)
    auth_url, _ = flow.authorization_url(login_hint=sandbox.info().admin_email)
    flow.fetch_token(code=sign_in(browser, receiver, auth_url)["code"], verify=str(sandbox.ca_file))
    with pytest.raises(ValueError):
        id_token.verify_token(
            flow.credentials.id_token,
            Request(browser),
            audience="someone-else",
            certs_url=sandbox.info().certs_uri,
        )


def test_jwks_publishes_the_signing_key(sandbox, browser):
    keys = browser.get(sandbox.api_root + "/oauth2/v3/certs").json()["keys"]
    assert keys[0]["kid"] == sandbox.state.id_token_key.key_id and keys[0]["alg"] == "RS256"


def test_non_admin_signs_in_but_directory_refuses(sandbox, receiver, browser):
    info = sandbox.info()
    flow = new_flow(sandbox, receiver)
    auth_url, _ = flow.authorization_url(login_hint=info.non_admin_email)
    flow.fetch_token(code=sign_in(browser, receiver, auth_url)["code"], verify=str(sandbox.ca_file))
    with pytest.raises(HttpError) as caught:
        directory(sandbox, flow.credentials).users().get(userKey=info.non_admin_email).execute()
    assert caught.value.status_code == 403
    assert json.loads(caught.value.content)["error"]["errors"][0]["reason"] == "forbidden"


def test_reauth_policy_answers_rapt_required(sandbox, receiver, browser):
    flow = new_flow(sandbox, receiver)
    auth_url, _ = flow.authorization_url(login_hint=sandbox.info().reauth_admin_email)
    code = sign_in(browser, receiver, auth_url)["code"]
    with pytest.raises(InvalidGrantError) as caught:
        flow.fetch_token(code=code, verify=str(sandbox.ca_file))
    assert caught.value.description == "reauth related error (rapt_required)"


def test_browser_user_and_account_chooser(sandbox, receiver, browser):
    flow = new_flow(sandbox, receiver)
    auth_url, _ = flow.authorization_url()
    chooser = browser.get(auth_url, allow_redirects=False)
    assert chooser.status_code == 200 and sandbox.info().admin_email in chooser.text
    sandbox.set_browser_user(sandbox.info().delegated_admin_email)
    flow.fetch_token(code=sign_in(browser, receiver, auth_url)["code"], verify=str(sandbox.ca_file))
    claims = id_token.verify_token(
        flow.credentials.id_token,
        Request(browser),
        audience=sandbox.info().oauth_client_id,
        certs_url=sandbox.info().certs_uri,
    )
    assert claims["email"] == sandbox.info().delegated_admin_email


def test_declined_consent_redirects_with_access_denied(sandbox, receiver, browser):
    sandbox.set_browser_consent(False)
    flow = new_flow(sandbox, receiver)
    auth_url, state = flow.authorization_url(login_hint=sandbox.info().admin_email)
    assert sign_in(browser, receiver, auth_url) == {"error": "access_denied", "state": state}


@pytest.mark.parametrize("redirect", ["https://evil.example/cb", "http://attacker.example:8080/"])
def test_redirect_uri_must_be_loopback(sandbox, browser, redirect):
    flow = Flow.from_client_secrets_file(
        sandbox.info().client_secret_file, scopes=SCOPES, redirect_uri=redirect
    )
    auth_url, _ = flow.authorization_url(login_hint=sandbox.info().admin_email)
    page = browser.get(auth_url, allow_redirects=False)
    assert page.status_code == 400 and "redirect_uri_mismatch" in page.text


def _code(sandbox, receiver, browser, challenge: str) -> tuple[str, str]:
    """Run the authorize step by hand with a chosen S256 challenge; (code, redirect_uri)."""
    info = sandbox.info()
    redirect = f"{receiver.url}/"
    auth_url = (
        requests.Request(
            "GET",
            info.auth_uri,
            params={
                "client_id": info.oauth_client_id,
                "redirect_uri": redirect,
                "response_type": "code",
                "scope": " ".join(SCOPES),
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "login_hint": info.admin_email,
            },
        )
        .prepare()
        .url
    )
    return sign_in(browser, receiver, auth_url)["code"], redirect


def _secret(sandbox) -> str:
    return json.loads(open(sandbox.info().client_secret_file, encoding="utf-8").read())["installed"][
        "client_secret"
    ]


@pytest.mark.parametrize(
    ("change", "status", "error", "description"),
    [
        ({"code_verifier": "x" * 50}, 400, "invalid_grant", "Invalid code verifier."),
        ({"code_verifier": None}, 400, "invalid_grant", "Missing code verifier."),
        ({"client_secret": "GOCSPX-wrong"}, 401, "invalid_client", "Unauthorized"),
        (
            {"client_id": "0-unknown.apps.googleusercontent.com"},
            401,
            "invalid_client",
            "The OAuth client was not found.",
        ),
        ({"redirect_uri": "http://127.0.0.1:1/"}, 400, "redirect_uri_mismatch", "Bad Request"),
    ],
)
def test_token_exchange_checks_pkce_and_the_client(
    sandbox, receiver, browser, change, status, error, description
):
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code, redirect = _code(sandbox, receiver, browser, challenge)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        "code_verifier": verifier,
        "client_id": sandbox.info().oauth_client_id,
        "client_secret": _secret(sandbox),
    }
    form.update(change)
    form = {k: v for k, v in form.items() if v is not None}
    answer = browser.post(sandbox.info().token_uri, data=form)
    assert answer.status_code == status
    assert answer.json() == {"error": error, "error_description": description}


def test_a_code_is_redeemed_once(sandbox, receiver, browser):
    verifier = "w" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code, redirect = _code(sandbox, receiver, browser, challenge)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        "code_verifier": verifier,
        "client_id": sandbox.info().oauth_client_id,
        "client_secret": _secret(sandbox),
    }
    first = browser.post(sandbox.info().token_uri, data=form)
    assert first.status_code == 200 and "id_token" in first.json()
    again = browser.post(sandbox.info().token_uri, data=form)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
