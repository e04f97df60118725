"""The dashboard for Microsoft 365 (Graph) applications, end to end against the Graph sandbox through the
real `GraphAdapter`: link, discover the scoping group, relink, revoke a profile, revoke the application
(verified by a probe that must now be denied), check all through JSON batches, and the CLI's `profiles
link/check`."""

from __future__ import annotations

import json

import pytest

from ec_console import checkall, cli, dashboard
from ec_console.checks import StepStatus
from ec_console.providers.base import EnumerationError, GraphAdapter, ProbeKind, adapter_for
from ec_console.registry import Registry
from ec_console.sandbox.graph import GraphSandbox
from ec_console.secrets import MemoryStore, secret_key


@pytest.fixture(scope="module")
def sandbox():
    with GraphSandbox(bulk_members=30) as box:
        yield box


@pytest.fixture
def info(sandbox):
    sandbox.requests.clear()
    return sandbox.info()


@pytest.fixture
def registry():
    with Registry.for_region("us") as reg:
        yield reg


@pytest.fixture
def store():
    return MemoryStore()


def settings(info, **extra):
    return {"tenant_id": info.tenant_id, "client_id": info.client_id, "authority": info.authority,
            "graph_url": info.graph_url, "ca_file": info.ca_file, "scope_group": info.scope_group_address,
            "scope_group_address": info.scope_group_address, "timeout": 5, **extra}


def add(registry, store, info, name="M365", secret=None, **extra):
    spec = dashboard.ApplicationSpec(name, "graph", info.tenant_domain, settings(info, **extra),
                                     info.mailbox_in_scope, expect_denied=info.mailbox_out_of_scope)
    outcome = dashboard.add_application(registry, spec, info.client_secret if secret is None else secret,
                                        store=store)
    assert outcome.report.result is StepStatus.PASS, outcome.report.to_dict()
    return outcome.application


@pytest.fixture
def app(registry, store, info):
    return add(registry, store, info)


def test_the_adapter_is_registered():
    assert isinstance(adapter_for("graph"), GraphAdapter)


def test_link_records_the_reachable_mailboxes_and_gives_the_others_their_reasons(registry, store, info, app):
    emails = [*info.mailboxes_in_scope[:3], info.mailbox_out_of_scope, info.mailbox_unknown,
              info.mailbox_not_enabled]
    summary = dashboard.link_profiles(registry, app, emails, store=store)
    assert {p.email: p.status for p in registry.list_profiles()} == {
        e: "linked" for e in info.mailboxes_in_scope[:3]}
    by_email = {r.email: (r.action, r.code) for r in summary.results}
    assert by_email[info.mailbox_out_of_scope] == ("not_linked", "mailbox_access_denied")
    assert by_email[info.mailbox_unknown] == ("not_linked", "mailbox_not_found")
    assert by_email[info.mailbox_not_enabled] == ("not_linked", "mailbox_not_enabled")
    check = registry.checks_for_profile(registry.find_profile(app.id, info.mailboxes_in_scope[0]).id)[0]
    assert "PRIVATE-" not in json.dumps(check.report)
    assert check.report["steps"][0]["data"]["count"] == 7


def test_discover_lists_the_scoping_groups_direct_members(registry, store, info, app):
    found = dashboard.discover_accounts(registry, app, store=store)
    emails = {a.email for a in found.accounts}
    assert set(info.mailboxes_in_scope) <= emails and info.mailbox_out_of_scope not in emails
    assert "member0030@m365.sandbox.example" in emails
    assert any("direct members" in note for note in found.notes)


def test_discover_without_directory_permissions_says_so_and_offers_paste(registry, store, info):
    app = add(registry, store, info, name="Read only", client_id=info.apps["rbac_read_only"])
    with pytest.raises(EnumerationError) as caught:
        dashboard.discover_accounts(registry, app, store=store)
    text = caught.value.detail
    assert "GroupMember.Read.All" in text and "User.ReadBasic.All" in text
    assert "paste a list of mailboxes or import a CSV" in text


def test_revoke_a_profile_names_the_group_and_relink_brings_it_back(registry, store, info, app):
    email = info.mailboxes_in_scope[0]
    dashboard.link_profiles(registry, app, [email], store=store)
    profile = registry.find_profile(app.id, email)
    [revoked] = dashboard.revoke_profiles(registry, [profile.id])
    assert revoked.profile.status == "revoked"
    step = revoked.withdrawal_step
    assert f"Remove-DistributionGroupMember -Identity '{info.scope_group_address}' -Member '{email}'" in step
    assert f"Test-ServicePrincipalAuthorization -Identity '{info.client_id}' -Resource '{email}'" in step
    dashboard.relink_profiles(registry, [profile.id], store=store)
    assert registry.get_profile(profile.id).status == "linked"


def test_revoke_application_verifies_with_a_probe_that_must_now_be_denied(sandbox, registry, store, info,
                                                                           app):
    revocation = dashboard.ApplicationRevocation(registry, app, store=store)
    steps = revocation.withdrawal_steps()
    assert any("Remove-ManagementRoleAssignment" in s and info.client_id in s for s in steps)
    assert any(f"Remove-ServicePrincipal -Identity '{info.client_id}'" in s for s in steps)
    assert any("Credentials/appId/" + info.client_id in s for s in steps)
    # before the administrator acts: the calendar still answers, nothing changes
    report = revocation.verify_withdrawal()
    assert report.result is StepStatus.FAIL and report.steps[0].data["verdict"] == "not_withdrawn"
    with pytest.raises(dashboard.WithdrawalNotVerified):
        revocation.complete()
    # the administrator removes the RBAC for Applications role assignment: Graph now refuses
    rbac = sandbox.tenant.apps["rbac"]
    roles, rbac.rbac_roles = rbac.rbac_roles, frozenset()
    try:
        report = revocation.verify_withdrawal()
    finally:
        rbac.rbac_roles = roles
    assert report.result is StepStatus.PASS, report.to_dict()
    assert report.steps[0].data == {"denied": True, "verdict": "withdrawn", "code": "mailbox_access_denied"}
    revoked = revocation.complete()
    assert revoked.status == "revoked"
    assert store.get(secret_key("us", app.name, "client_secret")) is None


def test_a_wrong_secret_marks_the_application_once(sandbox, registry, store, info, app):
    dashboard.link_profiles(registry, app, info.mailboxes_in_scope[:4], store=store)
    store.set(secret_key("us", app.name, "client_secret"), "not-the-secret")
    sandbox.requests.clear()
    plan, summary = checkall.check_all(registry, store=store)
    assert registry.get_application(app.id).health == "oauth_invalid_client"
    assert {p.status for p in registry.list_profiles()} == {"linked"}
    assert len(sandbox.requests.find(server="graph-login", endpoint="token")) == 1  # signed in once, not 4x


def test_check_all_reads_twenty_mailboxes_a_request(sandbox, registry, store, info, app):
    members = [f"member{n:04d}@m365.sandbox.example" for n in range(1, 31)]
    dashboard.link_profiles(registry, app, members, store=store)
    sandbox.requests.clear()
    plan, summary = checkall.check_all(registry, store=store, concurrency=4)
    assert summary.total == 30 and not summary.cancelled
    assert {registry.find_profile(app.id, e).last_result for e in members} == {"pass"}
    batches = sandbox.requests.find(server="graph", endpoint="batch")
    assert [len(b.notes["items"]) for b in batches] == [20, 10]
    assert len(sandbox.requests.find(server="graph")) == 2


def test_an_inner_429_is_retried_alone_after_its_retry_after(sandbox, registry, store, info, app):
    members = [f"member{n:04d}@m365.sandbox.example" for n in range(1, 6)]
    dashboard.link_profiles(registry, app, members, store=store)
    sandbox.throttle(members[2], times=1, retry_after=1)
    sandbox.requests.clear()
    checkall.check_all(registry, store=store)
    batches = sandbox.requests.find(server="graph", endpoint="batch")
    assert [[i["status"] for i in b.notes["items"]] for b in batches] == [[200, 200, 429, 200, 200], [200]]
    assert {registry.find_profile(app.id, e).last_result for e in members} == {"pass"}


def test_a_mailbox_throttled_beyond_the_timeout_keeps_its_status(sandbox, registry, store, info, app):
    linked = info.mailboxes_in_scope[:3]
    dashboard.link_profiles(registry, app, linked, store=store)
    registry.add_profile(app.id, info.mailbox_throttled, status="linked")  # linked before it got busy
    plan, summary = checkall.check_all(registry, store=store, timeout=1,
                                       policy=checkall.BackOffPolicy(max_retries=0))
    busy = registry.find_profile(app.id, info.mailbox_throttled)
    assert (busy.status, busy.last_result, busy.last_diagnosis) == ("linked", "fail", "throttled")
    assert {registry.find_profile(app.id, e).status for e in linked} == {"linked"}


def test_a_single_probe_reports_the_application_when_its_certificate_is_gone(registry, store, info, tmp_path):
    adapter = GraphAdapter()
    spec = dashboard.ApplicationSpec("Cert", "graph", info.tenant_domain,
                                     settings(info, certificate=str(tmp_path / "moved.pem")), "x@y.example")
    from ec_console.checks import CancelToken

    outcome = adapter.probe(spec, "", info.mailbox_in_scope, CancelToken())
    assert outcome.kind is ProbeKind.APPLICATION and "moved.pem" in outcome.detail


def test_the_cli_links_by_discovery_and_checks_all(capsys, monkeypatch, info):
    monkeypatch.setenv("EC_CLIENT_SECRET", info.client_secret)
    assert cli.main(["applications", "add", "graph", "--name", "M365", "--mailbox", info.mailbox_in_scope,
                     "--tenant-id", info.tenant_id, "--client-id", info.client_id, "--authority",
                     info.authority, "--graph-url", info.graph_url, "--ca-file", info.ca_file,
                     "--scope-group", info.scope_group_address, "--timeout", "1"]) == 0
    capsys.readouterr()
    code = cli.main(["profiles", "link", "--application", "M365", "--discover", "--json"])
    out = capsys.readouterr().out
    assert code in (0, 1), out  # the group also holds a mailbox with no Exchange Online mailbox
    with Registry.for_region("us") as registry:
        linked = {p.email for p in registry.list_profiles()}
    assert set(info.mailboxes_in_scope) <= linked and info.mailbox_not_enabled not in linked
    code = cli.main(["profiles", "check", "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert info.client_secret not in out and "PRIVATE-" not in out
