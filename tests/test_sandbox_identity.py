"""The identity platform token endpoint: tokens saying what the app may do, AADSTS bodies as Entra sends."""

from __future__ import annotations

import re

import pytest
import requests

from ec_console.sandbox import Sandbox, fixtures
from ec_console.sandbox.identity import InvalidToken, decode_claims

SCOPE = "https://outlook.office365.com/.default"


@pytest.fixture
def sandbox():
    with Sandbox() as sb:
        yield sb


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
        ("bad_scope", 400, "invalid_scope", 1002012),
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
        "bad_scope": {"scope": "https://graph.microsoft.com/Calendars.Read"},
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
