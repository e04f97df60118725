"""`ec-console check graph` end to end against a loopback fake of the identity platform and Microsoft Graph
(tests/graph_fake.py, https with the sandbox CA): every diagnosis of the Graph table through `--json`,
secrets and certificates, the tenant-wide grant, throttling, and nothing secret or private in any output."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from graph_fake import TENANT, App, GraphFake, make_app_certificate, sha256_x5t

from ec_console import cli
from ec_console.providers.graph import GraphSettings, load_certificate
from ec_console.providers.graph.errors import graph_code, token_code
from ec_console.sandbox.tls import generate_tls_material

CLIENT = "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01"
SECRET = "gR4~Canary.Secret_Value-8Qz1Xw7Vb2"
PFX_PASSWORD = "pfx-Canary-Passphrase-5521"
IN_SCOPE = "alice@contoso.com"
OUTSIDE = "ceo@contoso.com"


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("graph-tls"))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """An app certificate (RSA, self-signed) as a PEM file with key and certificate, and as a PFX file."""
    folder = tmp_path_factory.mktemp("graph-cert")
    pem, cert, key_pem = make_app_certificate(folder)
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    pfx = folder / "app.pfx"
    pfx.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"app", key, cert, None, serialization.BestAvailableEncryption(PFX_PASSWORD.encode())
        )
    )
    return {"pem": pem, "pfx": pfx, "cert": cert, "key_pem": key_pem}


@pytest.fixture
def fake(tls, certificate, monkeypatch):
    monkeypatch.delenv("EC_CERT_PASSWORD", raising=False)
    monkeypatch.setenv("EC_CLIENT_SECRET", SECRET)
    with GraphFake(tls.server.server_context()) as box:
        box.apps[CLIENT] = App(
            CLIENT,
            secret=SECRET,
            thumbprint_sha256=sha256_x5t(certificate["cert"]),
            certificate=certificate["cert"],
        )
        box.mailboxes.update(
            {
                IN_SCOPE: "ok",
                OUTSIDE: "outside",
                "policy@contoso.com": "policy",
                "onprem@contoso.com": "not_enabled",
                "busy@contoso.com": "throttled",
                "once@contoso.com": "throttle_once",
            }
        )
        yield box


def run(
    capsys, fake, tls, *extra: str, mailbox: str = IN_SCOPE, client: str = CLIENT, tenant: str = TENANT
) -> tuple[int, dict, str]:
    code = cli.main(
        [
            "check",
            "graph",
            "--mailbox",
            mailbox,
            "--tenant-id",
            tenant,
            "--client-id",
            client,
            "--authority",
            fake.url,
            "--graph-url",
            fake.url,
            "--ca-file",
            str(tls.ca_file),
            "--timeout",
            "5",
            "--json",
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    return code, json.loads(out), out + err


def step(report: dict, step_id: str) -> dict:
    return next(s for s in report["steps"] if s["id"] == step_id)


def failure(report: dict) -> dict:
    return next(s for s in report["steps"] if s["status"] == "fail")


def assert_private_nothing(fake: GraphFake, *texts: str, extra: tuple[str, ...] = ()) -> None:
    logs = [p.read_text(errors="replace") for p in Path(os.environ["EC_CONSOLE_HOME"]).rglob("*.log*")]
    for text in (*texts, *logs):
        for secret in (SECRET, PFX_PASSWORD, "Secret merger talks", "Confidential body", "Boardroom", *extra):
            assert secret not in text
        for token in fake.issued:  # no access token, nor its claims part
            assert token not in text and token.split(".")[1] not in text


# --- passing checks ---------------------------------------------------------------------------------------


def test_an_rbac_scoped_app_passes_and_proves_the_restriction(capsys, fake, tls):
    code, report, text = run(
        capsys, fake, tls, "--expect-denied", OUTSIDE, "--scope-group", "EC Calendar Users"
    )
    assert code == 0 and report["result"] == "pass", text
    assert report["provider"] == "graph"
    assert [s["id"] for s in report["steps"]] == [
        "dns",
        "tcp",
        "tls",
        "authenticate",
        "mailbox",
        "read_calendar",
        "restriction",
    ]
    auth = step(report, "authenticate")
    assert auth["data"]["roles"] == [] and auth["data"]["credential"] == "secret"
    assert "ErrorAccessDenied" in step(report, "restriction")["detail"]
    assert report["header"]["platform"] == "Exchange Online (Microsoft Graph)"
    assert_private_nothing(fake, text)


def test_the_directory_refusal_is_a_detail_not_a_failure(capsys, fake, tls):
    code, report, _ = run(capsys, fake, tls)
    mailbox = step(report, "mailbox")
    assert code == 0 and mailbox["status"] == "pass"
    assert "directory could not be read (HTTP 403, Authorization_RequestDenied)" in mailbox["detail"]


def test_read_calendar_asks_only_for_times_and_keeps_nothing_else(capsys, fake, tls):
    code, report, text = run(capsys, fake, tls)
    assert code == 0
    views = [r for r in fake.records if r.path.endswith("/calendarView")]
    assert len(views) == 2  # the next page was followed
    assert views[0].query["$select"] == ["start,end,showAs,isAllDay"]
    assert "startDateTime" in views[0].query and "endDateTime" in views[0].query
    read = step(report, "read_calendar")
    assert read["data"]["count"] == 2
    assert set(read["data"]["blocks"][0]) == {"start", "end", "busy_type", "all_day"}
    for record in fake.records:
        assert "subject" not in json.dumps(record.query)
    assert_private_nothing(fake, text)


def test_a_certificate_in_a_pem_file_signs_in(capsys, fake, tls, certificate):
    code, report, text = run(capsys, fake, tls, "--certificate", str(certificate["pem"]))
    auth = step(report, "authenticate")
    assert code == 0 and auth["status"] == "pass", text
    assert auth["data"]["credential"] == "certificate"
    token_posts = [r for r in fake.records if r.path.endswith("/token")]
    assert (
        "client_assertion" in token_posts[-1].form_keys and "client_secret" not in token_posts[-1].form_keys
    )
    assert_private_nothing(fake, text, extra=tuple(certificate["key_pem"].splitlines()[1:-1]))


def test_a_certificate_in_a_pfx_file_signs_in_with_its_passphrase(
    capsys, fake, tls, certificate, monkeypatch
):
    monkeypatch.setenv("EC_CERT_PASSWORD", PFX_PASSWORD)
    code, report, text = run(capsys, fake, tls, "--certificate", str(certificate["pfx"]))
    assert code == 0 and step(report, "authenticate")["data"]["credential"] == "certificate", text
    assert_private_nothing(fake, text)


def test_the_certificate_is_sent_as_a_sha256_ps256_assertion(certificate):
    loaded = load_certificate(certificate["pem"])
    expected = certificate["cert"].fingerprint(hashes.SHA256()).hex().upper()
    assert loaded.thumbprint_sha256 == expected
    assert "thumbprint" not in loaded.msal_credential()  # a thumbprint key would make MSAL send SHA-1 x5t


def test_a_wrong_pfx_passphrase_is_refused_before_any_work(capsys, fake, tls, certificate, monkeypatch):
    monkeypatch.setenv("EC_CERT_PASSWORD", "not-the-passphrase")
    code = cli.main(
        [
            "check",
            "graph",
            "--mailbox",
            IN_SCOPE,
            "--tenant-id",
            TENANT,
            "--client-id",
            CLIENT,
            "--certificate",
            str(certificate["pfx"]),
            "--authority",
            fake.url,
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 2 and json.loads(out)["error"]["code"] == "bad_input"
    assert "--certificate" in err and "EC_CERT_PASSWORD" in err
    assert fake.records == []


def test_a_certificate_that_is_not_registered_is_oauth_certificate_unknown(capsys, fake, tls, certificate):
    fake.apps[CLIENT].thumbprint_sha256 = "someOtherThumbprint"
    code, report, _ = run(capsys, fake, tls, "--certificate", str(certificate["pem"]))
    assert code == 1 and failure(report)["diagnosis"]["code"] == "oauth_certificate_unknown"
    thumbprint = certificate["cert"].fingerprint(hashes.SHA256()).hex().upper()
    assert (
        failure(report)["data"]["thumbprint_sha256"] == thumbprint and thumbprint in failure(report)["detail"]
    )


# --- the tenant-wide grant --------------------------------------------------------------------------------


def test_a_tenant_wide_grant_warns(capsys, fake, tls):
    fake.apps[CLIENT].roles = ["Calendars.Read"]
    code, report, _ = run(capsys, fake, tls)
    auth = step(report, "authenticate")
    assert code == 0 and auth["status"] == "warn"
    assert auth["diagnosis"]["code"] == "tenant_wide_grant"
    assert "Calendars.Read" in auth["diagnosis"]["cause"]


@pytest.mark.parametrize("extra", [("--scope-group", "EC Calendar Users"), ("--expect-denied", OUTSIDE)])
def test_a_tenant_wide_grant_fails_when_a_scope_is_meant(capsys, fake, tls, extra):
    fake.apps[CLIENT].roles = ["Calendars.ReadWrite", "User.Read.All"]
    code, report, _ = run(capsys, fake, tls, *extra)
    assert code == 1 and failure(report)["id"] == "authenticate"
    diagnosis = failure(report)["diagnosis"]
    assert diagnosis["code"] == "tenant_wide_grant"
    assert (
        f"Test-ServicePrincipalAuthorization -Identity {CLIENT} -Resource {IN_SCOPE} | Format-Table"
        in diagnosis["commands"]
    )


def test_a_reachable_mailbox_outside_the_scope_is_scope_not_enforced(capsys, fake, tls):
    fake.mailboxes[OUTSIDE] = "ok"
    code, report, _ = run(capsys, fake, tls, "--expect-denied", OUTSIDE)
    bad = failure(report)
    assert code == 1 and bad["id"] == "restriction" and bad["diagnosis"]["code"] == "scope_not_enforced"
    assert f"Test-ApplicationAccessPolicy -Identity {OUTSIDE} -AppId {CLIENT}" in bad["diagnosis"]["commands"]


# --- token refusals, by AADSTS number ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aadsts", "code"),
    [
        (7000215, "oauth_invalid_client"),
        (7000222, "oauth_secret_expired"),
        (700016, "oauth_app_not_found"),
        (7000112, "oauth_app_disabled"),
        (7000229, "oauth_no_service_principal"),
        (700027, "oauth_certificate_unknown"),
        (53003, "oauth_conditional_access"),
    ],
)
def test_token_refusals_have_their_codes(capsys, fake, tls, aadsts, code):
    fake.apps[CLIENT].error = aadsts
    status, report, text = run(capsys, fake, tls)
    bad = failure(report)
    assert status == 1 and bad["id"] == "authenticate"
    assert bad["diagnosis"]["code"] == code
    assert f"AADSTS{aadsts}" in bad["detail"]
    assert_private_nothing(fake, text)


def test_a_wrong_secret_is_oauth_invalid_client(capsys, fake, tls, monkeypatch):
    monkeypatch.setenv("EC_CLIENT_SECRET", "a-wrong-secret-value-123456")
    code, report, _ = run(capsys, fake, tls)
    assert code == 1 and failure(report)["diagnosis"]["code"] == "oauth_invalid_client"


def test_an_unknown_tenant_is_oauth_tenant_not_found(capsys, fake, tls):
    code, report, _ = run(capsys, fake, tls, tenant="nosuch.onmicrosoft.com")
    bad = failure(report)
    assert code == 1 and bad["id"] == "authenticate"
    assert bad["diagnosis"]["code"] == "oauth_tenant_not_found" and "AADSTS90002" in bad["detail"]


# --- Graph refusals, by error.code ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mailbox", "code"),
    [
        (OUTSIDE, "mailbox_access_denied"),
        ("policy@contoso.com", "access_policy_denied"),
        ("onprem@contoso.com", "mailbox_not_enabled"),
        ("nobody@contoso.com", "mailbox_not_found"),
        ("busy@contoso.com", "throttled"),
    ],
)
def test_mailbox_refusals_have_their_codes(capsys, fake, tls, mailbox, code):
    status, report, _ = run(capsys, fake, tls, "--scope-group", "EC Calendar Users", mailbox=mailbox)
    bad = failure(report)
    assert status == 1 and bad["id"] == "mailbox"
    assert bad["diagnosis"]["code"] == code


def test_mailbox_access_denied_names_the_app_its_service_principal_scope_and_group(capsys, fake, tls):
    group_dn = "CN=EC Calendar Users,OU=Groups,DC=contoso,DC=com"
    _, report, _ = run(capsys, fake, tls, "--scope-group", group_dn, mailbox=OUTSIDE)
    assert failure(report)["diagnosis"]["code"] == "mailbox_access_denied"
    commands = failure(report)["diagnosis"]["commands"]
    oid = fake.apps[CLIENT].oid
    assert (
        f"New-ServicePrincipal -AppId {CLIENT} -ObjectId {oid} -DisplayName 'Enterprise Connect'" in commands
    )
    assert any(
        c.startswith("New-ManagementScope -Name 'Enterprise Connect EC Calendar Users' ")
        and f"\"MemberOfGroup -eq '{group_dn}'\"" in c
        for c in commands
    )
    assert any(
        c.startswith(f'New-ManagementRoleAssignment -App {CLIENT} -Role "Application Calendars.Read"')
        for c in commands
    )
    assert "30 minutes to 2 hours" in failure(report)["diagnosis"]["remediation"]


def test_a_throttled_answer_that_fits_the_timeout_is_waited_out(capsys, fake, tls):
    code, report, _ = run(capsys, fake, tls, mailbox="once@contoso.com")
    assert code == 0 and step(report, "mailbox")["status"] == "pass"
    calls = [r for r in fake.records if r.path == "/v1.0/users/once@contoso.com/calendar"]
    assert len(calls) == 2


def test_a_throttled_answer_beyond_the_timeout_is_not_waited(capsys, fake, tls):
    code, report, _ = run(capsys, fake, tls, mailbox="busy@contoso.com")
    bad = failure(report)
    assert code == 1 and bad["diagnosis"]["code"] == "throttled" and bad["data"]["back_off"] == 1000
    assert len([r for r in fake.records if r.path == "/v1.0/users/busy@contoso.com/calendar"]) == 1


# --- write probe ------------------------------------------------------------------------------------------


def test_the_write_probe_creates_an_event_without_attendees_and_deletes_it(capsys, fake, tls):
    code, report, _ = run(capsys, fake, tls, "--write-probe")
    assert code == 0 and step(report, "write_probe")["status"] == "pass"
    posted = next(r for r in fake.records if r.method == "POST" and r.path.endswith("/calendar/events"))
    assert posted.body["attendees"] == []
    assert fake.events == {}
    assert any(r.method == "DELETE" for r in fake.records)


def test_a_write_probe_leftover_is_reported(capsys, fake, tls):
    fake.keep_deleted = True
    code, report, _ = run(capsys, fake, tls, "--write-probe")
    assert code == 1 and failure(report)["diagnosis"]["code"] == "write_leftover"


# --- input refused before any work ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--tenant-id", "not a tenant"], "--tenant-id"),
        (["--client-id", "abc"], "--client-id"),
        (["--authority", "http://127.0.0.1:1"], "--authority"),
        (["--graph-url", "http://graph.example.com"], "--graph-url"),
        (["--graph-url", "https://graph.microsoft.com/v1.0"], "--graph-url"),
        (["--expect-denied", IN_SCOPE], "--expect-denied"),
    ],
)
def test_bad_input_is_refused_with_exit_2(capsys, monkeypatch, args, fragment):
    monkeypatch.setenv("EC_CLIENT_SECRET", SECRET)
    base = {"--mailbox": IN_SCOPE, "--tenant-id": TENANT, "--client-id": CLIENT}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["check", "graph", *[x for pair in base.items() for x in pair], "--json"]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and json.loads(out)["error"]["code"] == "bad_input"
    assert fragment in err
    assert "Traceback" not in err


def test_no_secret_and_no_terminal_is_exit_2(capsys, monkeypatch):
    monkeypatch.delenv("EC_CLIENT_SECRET", raising=False)
    monkeypatch.setattr("sys.stdin", open(os.devnull))  # noqa: SIM115 - closed with the test
    code = cli.main(["check", "graph", "--mailbox", IN_SCOPE, "--tenant-id", TENANT, "--client-id", CLIENT])
    assert code == 2 and "EC_CLIENT_SECRET" in capsys.readouterr().err


def test_the_cloud_sets_the_authority_and_graph_root():
    settings = GraphSettings(mailbox=IN_SCOPE, tenant_id=TENANT, client_id=CLIENT, cloud="usgovdod")
    assert settings.authority_root == "https://login.microsoftonline.us"
    assert settings.scope == "https://dod-graph.microsoft.us/.default"
    china = GraphSettings(mailbox=IN_SCOPE, tenant_id=TENANT, client_id=CLIENT, cloud="china")
    assert (china.authority_root, china.graph_root) == (
        "https://login.chinacloudapi.cn",
        "https://microsoftgraph.chinacloudapi.cn",
    )


# --- classification units ---------------------------------------------------------------------------------


def test_token_codes_come_from_error_codes_not_from_the_text():
    body = {"error": "invalid_client", "error_description": "AADSTS7000222: expired", "error_codes": [700016]}
    assert token_code(body) == ("oauth_app_not_found", 700016)
    assert (
        token_code({"error": "invalid_client", "error_description": "AADSTS7000215: x"})[0]
        == "oauth_request_refused"
    )


def test_graph_codes_come_from_error_code():
    assert graph_code(403, "ErrorAccessDenied", "Access is denied.") == "mailbox_access_denied"
    assert graph_code(403, "ErrorAccessDenied", "Access to OData is disabled.") == "access_policy_denied"
    assert (
        graph_code(404, "MailboxNotEnabledForRESTAPI", "REST API is not yet supported")
        == "mailbox_not_enabled"
    )
    assert graph_code(404, "ErrorInvalidUser", "") == "mailbox_not_found"
    assert graph_code(429, "ApplicationThrottled", "") == "throttled"
