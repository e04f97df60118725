"""The identity platform token endpoint: tokens saying what the app may do, AADSTS bodies as Entra sends."""

from __future__ import annotations

import re

import pytest
import requests
from sandbox_setup import sandbox_fixture

from ec_console.sandbox import fixtures
from ec_console.sandbox.identity import InvalidToken, decode_claims

SCOPE = "https://outlook.office365.com/.default"


sandbox = sandbox_fixture("function")


def _token(info, *, tenant=None, client_id=None, secret=None, scope=SCOPE, grant="client_credentials"):
    url = f"{info.authority}/{tenant or info.tenant_id}/oauth2/v2.0/token"
    with requests.Session() as session:
        return session.post(
            url,
            data={
                "grant_type": grant,
                "client_id": client_id or info.client_id,
                "client_secret": secret or info.client_secret,
                "scope": scope,
            },
            verify=info.ca_file,
            timeout=10,
        )


def test_issues_a_verifiable_token_whose_roles_follow_the_consent(sandbox):
    info = sandbox.info()
    scoped = _token(info).json()
    assert scoped["token_type"] == "Bearer" and scoped["expires_in"] > 0
    claims = sandbox.issuer.verify(scoped["access_token"])
    assert claims["aud"] == "https://outlook.office365.com"
    assert claims["tid"] == info.tenant_id and claims["appid"] == info.client_id
    assert "roles" not in claims
    wide = _token(info, client_id=info.tenant_wide_client_id, secret=info.tenant_wide_client_secret).json()
    assert decode_claims(wide["access_token"])["roles"] == ["full_access_as_app"]


def test_tampered_or_expired_tokens_are_refused(sandbox):
    info = sandbox.info()
    token = _token(info).json()["access_token"]
    header, payload, signature = token.split(".")
    with pytest.raises(InvalidToken, match="signature"):
        sandbox.issuer.verify(f"{header}.{payload}x.{signature}")
    sandbox.issuer.clock_offset = 7200
    with pytest.raises(InvalidToken, match="expired"):
        sandbox.issuer.verify(token)


@pytest.mark.parametrize(
    ("case", "status", "error", "code"),
    [
        ("bad_secret", 401, "invalid_client", 7000215),
        ("expired_secret", 401, "invalid_client", 7000222),
        ("unknown_tenant", 400, "invalid_tenant", 90002),
        ("unknown_app", 400, "unauthorized_client", 700016),
        ("disabled_app", 400, "unauthorized_client", 7000112),
        ("bad_scope", 400, "invalid_scope", 1002012),
        ("unknown_resource", 400, "invalid_resource", 500011),
        ("bad_grant", 400, "unsupported_grant_type", 70003),
    ],
)
def test_errors_have_the_identity_platform_shape(sandbox, case, status, error, code):
    info = sandbox.info()
    kwargs = {
        "bad_secret": {"secret": "wrong"},
        "expired_secret": {
            "client_id": info.expired_secret_client_id,
            "secret": info.expired_secret_client_secret,
        },
        "unknown_tenant": {"tenant": "11111111-2222-3333-4444-555555555555"},
        "unknown_app": {"client_id": "99999999-2222-3333-4444-555555555555"},
        "disabled_app": {"client_id": info.disabled_client_id, "secret": info.disabled_client_secret},
        "bad_scope": {"scope": "https://graph.microsoft.com/Calendars.Read"},
        # GCC High's EWS host: a resource this (worldwide) tenant does not know
        "unknown_resource": {"scope": "https://outlook.office365.us/.default"},
        "bad_grant": {"grant": "password"},
    }[case]
    response = _token(info, **kwargs)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    }
    assert body["error"] == error and body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert re.search(
        r"\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: ",
        body["error_description"],
    )
    assert body["error_uri"] == f"https://login.microsoftonline.com/error?code={code}"


def test_refusal_texts_follow_the_documented_forms(sandbox):
    # entra-docs reference-error-codes.md: AADSTS700016 "Application with identifier '{appId}' was not found
    # in the directory '{tenant}'", AADSTS7000112 "Application '{appId}'({name}) is disabled.", AADSTS500011
    # "The resource principal named {name} was not found in the tenant named {tenant}."
    info = sandbox.info()
    unknown = "99999999-2222-3333-4444-555555555555"
    text = _token(info, client_id=unknown).json()["error_description"]
    assert text.startswith(f"AADSTS700016: Application with identifier '{unknown}' was not found in the "
                           f"directory '{info.domain}'.")
    text = _token(info, client_id=info.disabled_client_id, secret=info.disabled_client_secret).json()[
        "error_description"]
    assert re.match(rf"AADSTS7000112: Application '{info.disabled_client_id}'\(.+\) is disabled\.", text)
    text = _token(info, scope="https://outlook.office365.us/.default").json()["error_description"]
    assert text.startswith("AADSTS500011: The resource principal named https://outlook.office365.us was not "
                           f"found in the tenant named {info.domain}.")


def test_a_token_for_the_ews_host_is_accepted_there_and_another_audience_is_not(sandbox):
    info = sandbox.info()
    own = info.ews_url.split("/EWS/")[0]  # https://127.0.0.1:<port>, the EWS server's resource
    response = _token(info, scope=f"{own}/.default")
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert decode_claims(token)["aud"] == own
    assert sandbox.requests.find(server="identity")[-1].notes["scope"] == f"{own}/.default"
    with requests.Session() as session:
        answer = session.post(info.ews_url, headers={"Authorization": f"Bearer {token}"}, data=b"",
                              verify=info.ca_file, timeout=10)
    assert answer.status_code != 401
    sandbox.ews.accepted_audiences = {"https://outlook.office365.com"}
    with requests.Session() as session:
        answer = session.post(info.ews_url, headers={"Authorization": f"Bearer {token}"}, data=b"",
                              verify=info.ca_file, timeout=10)
    # Exchange Online's answer to another audience (observed): 2000003, invalid_resource
    assert answer.status_code == 401
    assert answer.headers["x-ms-diagnostics"] == (
        "2000003;reason=\"The audience claim value is invalid 'aud'.\";error_category=\"invalid_resource\""
    )


def test_the_request_log_never_keeps_the_client_secret(sandbox):
    info = sandbox.info()
    _token(info)
    record = sandbox.requests.find(server="identity")[0]
    assert info.client_secret not in record.text
    assert record.notes["issued"] is True


def test_every_fixture_names_its_documented_source():
    described = fixtures.sources()
    for name in fixtures.names():
        assert name in described, f"{name} has no entry in fixtures/sources.json"
        assert described[name]["sources"], name
    for name in described:
        if not name.startswith("_") and "(" not in name:
            assert name in fixtures.names(), f"sources.json describes a missing fixture {name}"
