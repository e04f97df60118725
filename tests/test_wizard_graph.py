"""Exchange Online through Microsoft Graph in the setup wizard's flow, and moving an EWS application to
Graph (core and CLI), without a display, against the sandbox's Graph side."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ec_console.application_move import MoveRefused, check_and_move, move_to_graph
from ec_console.audit_labels import action_label
from ec_console.checks import StepStatus
from ec_console.errors import BadInput
from ec_console.graph_application import create_self_signed_certificate
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.secrets import default_store, secret_key
from ec_console.wizard import PLATFORM_CHOICES, Page, Platform, SetupFlow

# The keys `ec-console check graph`'s flags map to (the brief's contract for the stored settings), plus the
# scope page's names that only fill the commands.
CHECK_GRAPH_KEYS = {"test_mailbox", "tenant_id", "client_id", "certificate", "cloud", "authority",
                    "graph_url", "scope_group", "scope_group_address", "expect_denied", "ca_file", "group_dn",
                    "sp_object_id", "certificate_thumbprint"}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(graph=True) as box:
        yield box


@pytest.fixture
def registry():
    with Registry.for_region("us") as reg:
        yield reg


def graph_flow(sandbox: Sandbox, **changes: object) -> SetupFlow:
    flow = SetupFlow("us")
    flow.choose_platform(Platform.GRAPH)
    assert flow.fill_from_sandbox(sandbox.info(), None, sandbox.graph.info()) == []
    for key, value in changes.items():
        assert flow.set_value(key, value) is None, (key, flow.errors.get(key))
    return flow


def keys(flow: SetupFlow) -> list[str]:
    return [f.key for f in flow.fields(Page.CONNECTION_GRAPH)]


# --- the platform choice ------------------------------------------------------------------------------------


def test_exchange_online_leads_to_graph_and_ews_is_the_dated_legacy_choice():
    titles = {c.platform: c.title for c in PLATFORM_CHOICES}
    assert titles[Platform.GRAPH] == "Exchange Online (Office 365)"
    assert "legacy EWS" in titles[Platform.ONLINE] and "1 April 2027" in titles[Platform.ONLINE]
    order = [c.platform for c in PLATFORM_CHOICES]
    assert order.index(Platform.GRAPH) < order.index(Platform.ONLINE)
    flow = SetupFlow("us")
    flow.choose_platform(Platform.GRAPH)
    assert flow.next_page(Page.PLATFORM) is Page.CONNECTION_GRAPH and flow.provider == "graph"


def test_every_legacy_ews_page_names_the_switch_off_date():
    with Sandbox() as box:
        flow = SetupFlow("us")
        flow.choose_platform(Platform.ONLINE)
        assert flow.fill_from_sandbox(box.info()) == []
        assert "1 April 2027" in flow.scope_guide().text
        assert "1 April 2027" in dict(flow.summary())["Platform"]
        flow.set_value("scope_mode", "all")
        assert "1 April 2027" in flow.scope_guide().text


# --- the credential -----------------------------------------------------------------------------------------


def test_a_certificate_comes_first_and_a_secret_is_said_to_be_unfit_for_production():
    flow = SetupFlow("us")
    flow.choose_platform(Platform.GRAPH)
    assert flow.value("credential") == "certificate"
    assert "certificate" in keys(flow) and "client_secret" not in keys(flow)
    spec = next(f for f in flow.all_fields(Page.CONNECTION_GRAPH) if f.key == "credential")
    assert spec.choices[0][0] == "certificate" and "not for production" in spec.choices[1][1]
    flow.set_value("credential", "secret")
    assert "client_secret" in keys(flow) and "certificate" not in keys(flow)
    secret = next(f for f in flow.fields(Page.CONNECTION_GRAPH) if f.key == "client_secret")
    assert "certificates instead of client secrets" in secret.help


def test_the_created_certificate_is_private_and_its_thumbprints_are_shown(tmp_path):
    made = create_self_signed_certificate(tmp_path / "contoso-calendar", common_name="Contoso calendar")
    assert made.key_file == tmp_path / "contoso-calendar.pem" and made.cer_file.suffix == ".cer"
    if os.name == "posix":
        assert stat.S_IMODE(made.key_file.stat().st_mode) == 0o600
    public = x509.load_der_x509_certificate(made.cer_file.read_bytes())
    assert b"PRIVATE KEY" not in made.cer_file.read_bytes()
    assert made.thumbprint_sha256 == public.fingerprint(hashes.SHA256()).hex().upper()
    assert made.thumbprint_sha1 == public.fingerprint(hashes.SHA1()).hex().upper()
    assert "Contoso calendar" in made.subject
    with pytest.raises(BadInput, match="already exists"):
        create_self_signed_certificate(made.key_file, common_name="again")
    with pytest.raises(BadInput, match="does not exist"):
        create_self_signed_certificate(tmp_path / "no" / "such.pem", common_name="x")

    flow = SetupFlow("us")
    flow.choose_platform(Platform.GRAPH)
    assert flow.set_value("certificate", str(made.key_file)) is None
    assert made.thumbprint_sha256 in flow.notes["certificate"]


def test_a_pfx_file_asks_for_its_password_in_the_fields_words(sandbox):
    info = sandbox.graph.info()
    flow = SetupFlow("us")
    flow.choose_platform(Platform.GRAPH)
    message = flow.set_value("certificate", info.certificate_pfx)
    assert message and "“Certificate password” field" in message and "EC_CERT_PASSWORD" not in message
    assert flow.set_value("certificate_password", info.certificate_password) is None
    assert "certificate" not in flow.errors and flow.notes["certificate"]
    assert flow.secret_kind == "certificate_password" and flow.new_secret() == info.certificate_password


# --- the scope page -----------------------------------------------------------------------------------------


def test_the_scope_page_fills_in_the_rbac_for_applications_commands(sandbox):
    info = sandbox.graph.info()
    flow = graph_flow(sandbox)
    guide = flow.scope_guide()
    commands = "\n".join(guide.commands)
    scope = "'Enterprise Connect Sandbox Microsoft 365'"
    assert (f"New-ServicePrincipal -AppId {info.client_id} -ObjectId {info.service_principal_id}"
            in commands)
    assert (f"New-ManagementScope -Name {scope} -RecipientRestrictionFilter "
            f"\"MemberOfGroup -eq '{info.scope_group_dn}'\"") in commands
    assert (f"New-ManagementRoleAssignment -App {info.client_id} -Role \"Application Calendars.Read\" "
            f"-CustomResourceScope {scope}") in commands
    assert (f"Test-ServicePrincipalAuthorization -Identity {info.client_id} -Resource "
            f"{info.mailbox_in_scope}") in commands
    assert "Add-DistributionGroupMember" not in commands
    assert "30 minutes to 2 hours" in guide.text
    assert all(c in guide.text.splitlines() for c in guide.commands)   # each shown after its instruction
    flow.set_value("scope_mode", "all")
    assert "30 minutes to 2 hours" in flow.scope_guide().text


# --- test and save ------------------------------------------------------------------------------------------


def test_a_client_secret_passes_and_is_kept_in_the_keychain_only(sandbox, registry):
    info = sandbox.graph.info()
    flow = graph_flow(sandbox, credential="secret", client_secret=info.client_secret, name="Graph secret")
    report = flow.run_test(secret=flow.resolve_secret())
    assert report.provider == "graph" and report.result is not StepStatus.FAIL, report.to_dict()
    assert report.step("restriction").status is StepStatus.PASS
    flow.record_test(report)
    app = flow.save(registry)
    assert app.provider == "graph" and set(app.settings) <= CHECK_GRAPH_KEYS
    assert "certificate" not in app.settings and app.settings["cloud"] == "global"
    assert default_store().get(secret_key("us", "Graph secret", "client_secret")) == info.client_secret
    assert info.client_secret not in Path(Registry.path_for_region("us")).read_bytes().decode("latin-1")
    edit = SetupFlow.edit(registry.get_application(app.id), "us")
    assert edit.platform is Platform.GRAPH and edit.value("credential") == "secret"
    assert edit.first_incomplete_page() is None


def test_a_created_certificate_is_refused_until_uploaded_then_used(sandbox, registry, tmp_path):
    made = create_self_signed_certificate(tmp_path / "wizard-made", common_name="EC wizard test")
    flow = graph_flow(sandbox, certificate=str(made.key_file), name="Graph certificate")
    report = flow.run_test(secret=flow.resolve_secret())
    assert report.result is StepStatus.FAIL and report.diagnosis.code == "oauth_certificate_unknown"
    sandbox.graph.register_certificate(made.key_file)          # the administrator uploads the .cer
    report = flow.run_test(secret=flow.resolve_secret())
    assert report.result is not StepStatus.FAIL, report.to_dict()
    flow.record_test(report)
    app = flow.save(registry)
    assert app.settings["certificate"] == str(made.key_file)
    # its SHA-256 thumbprint is recorded, so that a desktop importing the certificate is told if it is another
    pem = made.key_file.read_bytes()
    cert = x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE-----"):])
    assert app.settings["certificate_thumbprint"] == cert.fingerprint(hashes.SHA256()).hex().upper()
    edited = SetupFlow.edit(registry.get_application(app.id), "us")
    assert edited.settings()["certificate_thumbprint"] == app.settings["certificate_thumbprint"]
    assert default_store().get(secret_key("us", "Graph certificate", "certificate_password")) is None
    rows = dict(flow.summary())
    assert str(made.key_file) in rows["Certificate"] and "nothing goes to" in rows["Certificate"]


# --- moving an Exchange Online EWS application to Graph -----------------------------------------------------


def ews_application(registry: Registry, name: str = "Contoso EWS", **settings: object):
    base = {"test_mailbox": "alice@contoso.example", "impersonation": True, "auth": "oauth",
            "tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
            "scope_group": "EC Calendar Scope", "expect_denied": "ceo@contoso.example"}
    app = registry.add_application(name, "exchange", "contoso.example", {**base, **settings})
    registry.add_profile(app.id, "bob@contoso.example", "Bob")
    registry.add_profile(app.id, "carol@contoso.example", "Carol", status="needs_relink")
    default_store().set(secret_key("us", name, "client_secret"), "old-ews-secret")
    return registry.get_application(app.id)


def test_the_move_flow_starts_from_what_the_application_knows(registry):
    app = ews_application(registry)
    flow = SetupFlow.move_to_graph(app, "us")
    assert flow.platform is Platform.GRAPH and flow.fixed_name
    assert (flow.value("name"), flow.value("test_mailbox"), flow.value("tenant_id"),
            flow.value("scope_group"), flow.value("outside_mailbox")) == (
        "Contoso EWS", "alice@contoso.example", "contoso.onmicrosoft.com", "EC Calendar Scope",
        "ceo@contoso.example")
    assert flow.value("client_id") == ""                       # the Graph app registration's, entered anew
    with pytest.raises(BadInput):
        flow.choose_platform(Platform.ONLINE)
    onprem = registry.add_application("On-prem", "exchange", "contoso.example",
                                      {"test_mailbox": "a@contoso.example", "username": "svc",
                                       "ews_url": "https://mail.contoso.example/EWS/Exchange.asmx"})
    with pytest.raises(MoveRefused, match="not an Exchange Online EWS application"):
        SetupFlow.move_to_graph(onprem, "us")


def _sandbox_ews_app(registry: Registry, sandbox: Sandbox):
    info = sandbox.graph.info()
    return ews_application(registry, tenant_id=info.tenant_id, test_mailbox=info.mailbox_in_scope,
                           expect_denied=info.mailbox_out_of_scope, scope_group=info.scope_group,
                           ca_file=info.ca_file)


def test_the_wizard_moves_the_application_keeping_its_profiles(sandbox, registry):
    info = sandbox.graph.info()
    app = _sandbox_ews_app(registry, sandbox)
    flow = SetupFlow.move_to_graph(app, "us")
    for key, value in {"client_id": info.client_id, "certificate": info.certificate_pem,
                       "authority": info.authority, "graph_url": info.graph_url}.items():
        assert flow.set_value(key, value) is None
    assert flow.first_incomplete_page() is None
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    with pytest.raises(BadInput):
        flow.accept_failure(True)
    assert "keeps its 2 profiles" in dict(flow.summary())["Move"]
    moved = flow.save(registry)
    assert (moved.id, moved.provider, moved.name, moved.domain) == (app.id, "graph", app.name, app.domain)
    assert (moved.linked_count, moved.needs_relink_count) == (1, 1)
    assert moved.settings["test_mailbox"] == info.mailbox_in_scope
    assert moved.settings["certificate"] == info.certificate_pem and "auth" not in moved.settings
    entry = registry.audit_entries(subject=app.name)[0]
    assert entry.action == "application_moved_to_graph" and "2 profiles kept" in entry.detail
    assert action_label(entry.action) == "Moved to Microsoft Graph"
    assert default_store().get(secret_key("us", app.name, "client_secret")) is None   # the EWS secret
    assert registry.checks_for_application(app.id)[0].report["provider"] == "graph"


def test_a_failing_graph_check_moves_nothing(sandbox, registry):
    info = sandbox.graph.info()
    app = _sandbox_ews_app(registry, sandbox)
    outcome = check_and_move(registry, default_store(), app.name, region_id="us", client_id=info.client_id,
                             secret="wrong", authority=info.authority, graph_url=info.graph_url)
    assert not outcome.moved and outcome.report.diagnosis.code == "oauth_invalid_client"
    same = registry.get_application(app.id)
    assert (same.provider, same.settings) == ("exchange", app.settings)
    assert default_store().get(secret_key("us", app.name, "client_secret")) == "old-ews-secret"
    assert [e.action for e in registry.audit_entries(subject=app.name)] == []
    with pytest.raises(MoveRefused, match="did not pass"):
        move_to_graph(registry, default_store(), app.id, settings={"tenant_id": "t", "client_id": "c"},
                      secret="x", report=outcome.report, region_id="us")


def test_a_move_whose_transaction_fails_puts_the_keychain_back(sandbox, registry, monkeypatch):
    info = sandbox.graph.info()
    app = _sandbox_ews_app(registry, sandbox)
    original = registry.record_check

    def broken(**kwargs):
        original(**kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(registry, "record_check", broken)
    with pytest.raises(RuntimeError):
        check_and_move(registry, default_store(), app.name, region_id="us", client_id=info.client_id,
                       secret=info.client_secret, authority=info.authority, graph_url=info.graph_url)
    assert registry.get_application(app.id).provider == "exchange"
    assert default_store().get(secret_key("us", app.name, "client_secret")) == "old-ews-secret"


def test_cli_moves_an_application_and_refuses_a_failing_check(sandbox, registry, monkeypatch, capsys):
    from ec_console.cli import main

    info = sandbox.graph.info()
    app = _sandbox_ews_app(registry, sandbox)
    base = ["applications", "move-to-graph", app.name, "--client-id", info.client_id,
            "--authority", info.authority, "--graph-url", info.graph_url, "--json"]
    monkeypatch.setenv("EC_CLIENT_SECRET", "wrong")
    assert main(base) == 1
    out = json.loads(capsys.readouterr().out)
    failed = [s for s in out["report"]["steps"] if s["status"] == "fail"]
    assert out["moved"] is False and failed[0]["diagnosis"]["code"] == "oauth_invalid_client"
    assert registry.get_application(app.id).provider == "exchange"
    monkeypatch.delenv("EC_CLIENT_SECRET")
    assert main([*base, "--certificate", info.certificate_pem]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["moved"] is True and out["application"]["provider"] == "graph"
    assert registry.get_application(app.id).linked_count == 1
    assert main([*base, "--certificate", info.certificate_pem]) == 2          # already on Graph
    assert "already uses Microsoft Graph" in capsys.readouterr().err
    assert main(["applications", "move-to-graph", app.name, "--client-id", "not-a-guid"]) == 2


def test_editing_a_graph_application_from_secret_to_certificate_drops_the_old_secret(sandbox, registry):
    info = sandbox.graph.info()
    flow = graph_flow(sandbox, credential="secret", client_secret=info.client_secret, name="Graph switch")
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    app = flow.save(registry)
    assert default_store().get(secret_key("us", app.name, "client_secret")) == info.client_secret
    edit = SetupFlow.edit(registry.get_application(app.id), "us")
    assert edit.set_value("credential", "certificate") is None
    assert edit.set_value("certificate", info.certificate_pem) is None
    assert edit.resolve_secret() == ""                       # the new PEM's key has no password
    report = edit.run_test(secret=edit.resolve_secret())
    assert report.result is not StepStatus.FAIL, report.to_dict()
    edit.record_test(report)
    saved = edit.save(registry)
    assert saved.settings["certificate"] == info.certificate_pem
    assert default_store().get(secret_key("us", app.name, "client_secret")) is None
    assert default_store().get(secret_key("us", app.name, "certificate_password")) is None
