"""End to end against the EWS sandbox through the real Exchange adapter: link, awkward mailboxes, revoke,
relink, application failure, check all with a throttled mailbox."""

from __future__ import annotations

import pytest

from ec_console import checkall, dashboard
from ec_console.checks import StepStatus
from ec_console.providers.base import ExchangeAdapter
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.secrets import MemoryStore, secret_key

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sb:
        sb.org.throttle_back_off_ms = 200
        yield sb


@pytest.fixture
def registry():
    with Registry.for_region("us") as reg:
        yield reg


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def app(sandbox, registry, store):
    info = sandbox.info()
    spec = dashboard.ApplicationSpec(
        "Sandbox EWS",
        "exchange",
        info.domain,
        {
            "ews_url": info.ews_url,
            "username": info.username,
            "ca_file": info.ca_file,
            "scope_group": info.scope_group,
            "scope_group_address": info.scope_group_address,
            "timeout": 10,
        },
        info.mailbox_in_scope,
        expect_denied=info.mailbox_out_of_scope,
    )
    outcome = dashboard.add_application(registry, spec, info.password, store=store)
    assert outcome.report.result is StepStatus.PASS, outcome.report.to_dict()
    return outcome.application


def test_link_sandbox_mailboxes_awkward_ones_are_not_linked_with_reasons(sandbox, registry, store, app):
    info = sandbox.info()
    emails = [
        *info.mailboxes_in_scope[:3],
        info.mailbox_out_of_scope,
        info.mailbox_nonexistent,
        info.mailbox_ews_blocked,
        info.mailbox_folder_denied,
        info.mailbox_throttled,
    ]
    summary = dashboard.link_profiles(registry, app, emails, store=store,
                                      policy=checkall.BackOffPolicy(max_retries=1))
    got = {p.email: (p.status, p.last_diagnosis) for p in registry.list_profiles()}
    # Only the mailboxes that answered are profiles; the awkward ones left none behind.
    assert got == {email: ("linked", None) for email in info.mailboxes_in_scope[:3]}
    by_email = {r.email: r for r in summary.results}
    assert {e: (by_email[e].action, by_email[e].code) for e in emails[3:]} == {
        info.mailbox_out_of_scope: ("not_linked", "impersonation_denied"),
        info.mailbox_nonexistent: ("not_linked", "mailbox_not_found"),
        info.mailbox_ews_blocked: ("not_linked", "ews_blocked"),
        info.mailbox_folder_denied: ("not_linked", "folder_access_denied"),
        info.mailbox_throttled: ("try_again", "throttled"),   # relinking cannot fix throttling
    }
    assert registry.get_application(app.id).health is None
    assert "ErrorImpersonateUserDenied" in by_email[info.mailbox_out_of_scope].message
    audited = {e.subject for e in registry.audit_entries() if e.action == "profile_not_linked"}
    assert audited == set(emails[3:])
    # what was stored: busy times, never subjects
    linked = registry.find_profile(app.id, info.mailboxes_in_scope[0])
    report = registry.checks_for_profile(linked.id)[0].report
    assert "Quarterly" not in str(report) and "Confidential" not in str(report)
    unlinked = [c.report for c in registry.checks_for_application(app.id)
                if c.profile_id is None and c.kind == "link"]
    assert len(unlinked) == 5 and "Quarterly" not in str(unlinked)


def test_revoke_and_relink_a_sandbox_mailbox(sandbox, registry, store, app):
    email = sandbox.info().mailboxes_in_scope[0]
    dashboard.link_profiles(registry, app, [email], store=store)
    profile = registry.find_profile(app.id, email)
    [revoked] = dashboard.revoke_profiles(registry, [profile.id])
    assert revoked.profile.status == "revoked"
    assert "Remove-DistributionGroupMember" in revoked.withdrawal_step and email in revoked.withdrawal_step
    dashboard.relink_profiles(registry, [profile.id], store=store)
    assert registry.get_profile(profile.id).status == "linked"


def test_a_wrong_password_marks_the_application(sandbox, registry, store, app):
    info = sandbox.info()
    dashboard.link_profiles(registry, app, info.mailboxes_in_scope[:3], store=store)
    store.set(secret_key("us", app.name, "password"), "Wrong-Password-1")
    plan, summary = checkall.check_all(registry, store=store)
    assert registry.get_application(app.id).health == "auth_failed"
    assert {p.status for p in registry.list_profiles()} == {"linked"}
    assert summary.application_failures[app.id].code == "auth_failed"


def test_check_all_keeps_the_throttled_mailbox_status_and_backs_off(sandbox, registry, store, app):
    info = sandbox.info()
    linked = info.mailboxes_in_scope[:4]
    dashboard.link_profiles(registry, app, linked, store=store)
    registry.add_profile(app.id, info.mailbox_throttled, status="linked")  # linked before it got busy
    sandbox.requests.clear()
    seen = []
    plan, summary = checkall.check_all(
        registry,
        store=store,
        concurrency=2,
        on_result=seen.append,
        policy=checkall.BackOffPolicy(max_retries=2),
    )
    assert summary.total == 5 and not summary.cancelled
    assert {r.email for r in seen} == {*linked, info.mailbox_throttled}
    throttled = registry.find_profile(app.id, info.mailbox_throttled)
    assert (throttled.status, throttled.last_result, throttled.last_diagnosis) == (
        "linked",
        "fail",
        "throttled",
    )
    assert {registry.find_profile(app.id, e).status for e in linked} == {"linked"}
    assert summary.retries == 2
    # back-off honoured: the throttled mailbox's attempts (one FindItem each) are spaced by the server's wait
    attempts = sorted(r.at for r in sandbox.requests.find(impersonated=info.mailbox_throttled))
    gaps = [(b - a).total_seconds() for a, b in zip(attempts, attempts[1:], strict=False)]
    assert len(attempts) == 3 and all(gap >= info.throttle_back_off_ms / 1000 for gap in gaps)


def test_discover_lists_the_scoping_group(sandbox, registry, store, app):
    found = dashboard.discover_accounts(registry, app, store=store)
    emails = {a.email for a in found.accounts}
    info = sandbox.info()
    assert set(info.mailboxes_in_scope) <= emails
    assert info.mailbox_out_of_scope not in emails


def test_exchange_adapter_names_the_platform_steps(sandbox, registry, store, app):
    commands = [step.split(": ", 1)[1] for step in ExchangeAdapter().withdrawal_steps(app)]
    # learn.microsoft.com/powershell/module/exchange/remove-managementroleassignment (example 2: a
    # Get-ManagementRoleAssignment selection piped to Remove-ManagementRoleAssignment);
    # Get-ManagementRoleAssignment takes -Role and -RoleAssignee in one parameter set, and -GetEffectiveUsers.
    assert commands[0] == ("Get-ManagementRoleAssignment -Role ApplicationImpersonation -RoleAssignee "
                           "'SANDBOX\\svc-calendar' | Remove-ManagementRoleAssignment -Confirm:$false")
    assert sandbox.info().scope_group == "EC Calendar Scope"
    assert commands[1] == ("Get-ManagementScope | Where-Object RecipientFilter -like '*EC Calendar Scope*' | "
                           "Remove-ManagementScope -Confirm:$false")
    # learn.microsoft.com/powershell/module/activedirectory/disable-adaccount: -Identity is a distinguished
    # name, GUID, SID or sAMAccountName (example 1: Disable-ADAccount -Identity PattiFul), not DOMAIN\\user.
    assert commands[2] == "Disable-ADAccount -Identity svc-calendar"
    # What the step copies is only the command; "lists nothing" is said in its prose.
    assert commands[3] == ("Get-ManagementRoleAssignment -Role ApplicationImpersonation -GetEffectiveUsers | "
                           "Where-Object EffectiveUserName -like '*svc-calendar*'")


# --- Exchange Online: EWS switched off for the tenant ------------------------------------------------------


@pytest.fixture
def online_app(sandbox, registry, store):
    """An app-only (OAuth) application, added through the setup check like the wizard does."""
    info = sandbox.info()
    spec = dashboard.ApplicationSpec(
        "Sandbox Online",
        "exchange",
        info.domain,
        {"ews_url": info.ews_url, "tenant_id": info.tenant_id, "client_id": info.client_id,
         "authority": info.authority, "ca_file": info.ca_file, "timeout": 10},
        info.mailbox_in_scope,
    )
    outcome = dashboard.add_application(registry, spec, info.client_secret, store=store)
    assert outcome.report.result is StepStatus.PASS, outcome.report.to_dict()
    return outcome.application


def test_check_all_under_a_tenant_wide_ews_block_marks_the_application_once(sandbox, registry, store,
                                                                             online_app):
    """Since October 2026 the common Exchange Online failure (EWS off for the organisation): the
    application is marked, no profile is sent to relink, and the block is met once, not once per mailbox."""
    info = sandbox.info()
    linked = list(info.mailboxes_in_scope[:6])
    dashboard.link_profiles(registry, online_app, linked, store=store)
    sandbox.requests.clear()
    with sandbox.org.lock:
        sandbox.org.ews_enabled = False
    try:
        plan, summary = checkall.check_all(registry, store=store, concurrency=3)
    finally:
        with sandbox.org.lock:
            sandbox.org.ews_enabled = True
    assert registry.get_application(online_app.id).health == "ews_blocked"
    assert summary.application_failures[online_app.id].code == "ews_blocked"
    assert {(p.status, p.last_diagnosis) for p in registry.list_profiles()} == {("linked", None)}
    refused = [r for r in sandbox.requests.all() if r.status == 403]
    assert 1 <= len(refused) <= 2
