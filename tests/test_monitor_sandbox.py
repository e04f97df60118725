"""The monitor end to end against the EWS sandbox: a profile that breaks in the sandbox is caught by the next
run and arrives as a webhook POST at a loopback receiver, with no secret in it; recovery is told too."""

from __future__ import annotations

import json

import pytest
from webhook_receiver import Receiver

from ec_console import checkall, dashboard, monitor
from ec_console.checks import StepStatus
from ec_console.monitor_notify import WebhookNotifier
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.secrets import MemoryStore

pytestmark = pytest.mark.slow


@pytest.fixture
def sandbox():
    with Sandbox() as sb:
        yield sb


def test_a_profile_broken_in_the_sandbox_arrives_as_one_webhook_post_without_secrets(sandbox):
    info = sandbox.info()
    store = MemoryStore()
    with Registry.for_region("us") as registry, Receiver() as receiver:
        spec = dashboard.ApplicationSpec(
            "Sandbox EWS", "exchange", info.domain,
            {"ews_url": info.ews_url, "username": info.username, "ca_file": info.ca_file,
             "scope_group": info.scope_group, "scope_group_address": info.scope_group_address, "timeout": 10},
            info.mailbox_in_scope, expect_denied=info.mailbox_out_of_scope)
        outcome = dashboard.add_application(registry, spec, info.password, store=store)
        assert outcome.report.result is StepStatus.PASS
        emails = info.mailboxes_in_scope[:4]
        dashboard.link_profiles(registry, outcome.application, emails, store=store,
                                policy=checkall.BackOffPolicy(max_retries=1))
        hook = [WebhookNotifier("slack", receiver.url)]

        first = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook)
        assert (first.outcome, first.alerts, receiver.bodies) == ("ok", [], [])

        # The sandbox's admin takes two mailboxes out of the scoping group: the next run finds them broken.
        for email in emails[:2]:
            sandbox.org.mailbox(email).in_scope = False
        second = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook)
        assert second.exit_status == 1 and second.deliveries == [("webhook (Slack)", None)]
        assert [(a.kind, a.application, a.count) for a in second.alerts] == [
            ("profiles_need_relink", "Sandbox EWS", 2)]
        assert len(receiver.bodies) == 1
        text = json.loads(receiver.bodies[0])["text"]
        assert "Sandbox EWS: 2 profiles went from linked to needs relink (impersonation_denied)" in text
        for secret in (info.password, *(a.client_secret for a in sandbox.org.apps), "s3cr3t-path-token",
                       *emails):
            assert secret not in receiver.bodies[0]

        # Nothing changed since: no alert.
        third = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook)
        assert third.alerts == [] and len(receiver.bodies) == 1

        # Back in the group: check all relinks them, and the recovery is told once.
        for email in emails[:2]:
            sandbox.org.mailbox(email).in_scope = True
        fourth = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook)
        assert [(a.kind, a.application) for a in fourth.alerts] == [("recovered", "Sandbox EWS")]
        assert fourth.exit_status == 0 and len(receiver.bodies) == 2

        history = registry.health_history()
        assert [(r.outcome, r.linked, r.needs_relink) for r in history] == [
            ("ok", 4, 0), ("failing", 2, 2), ("failing", 2, 2), ("ok", 4, 0)]
        assert all(r.leaks is None for r in history)   # reconciliation did not run: no leak figure

        # The reconcile hook (a stand-in here for the reconciliation) reports a leak: told at once.
        app_id = outcome.application.id
        fifth = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook,
                                    reconcile=lambda reg: {app_id: monitor.Findings(leaks=1)})
        assert [(a.kind, a.count) for a in fifth.alerts] == [("new_leak", 1)] and len(receiver.bodies) == 3
        assert "1 account outside the scope is reachable (scope_not_enforced)" in receiver.bodies[2]
        for body in receiver.bodies:
            for secret in (info.password, "s3cr3t-path-token", *emails):
                assert secret not in body
