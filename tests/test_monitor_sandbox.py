"""The monitor end to end against the EWS sandbox: a profile that breaks in the sandbox, or an account outside
the scope made reachable (the sandbox's leak switch), is caught by the next scheduled run and arrives as a
webhook POST at a loopback receiver, with no secret and no address in it; recovery is told too."""

from __future__ import annotations

import json

import pytest
from sandbox_setup import add_ews_application, sandbox_fixture
from webhook_receiver import Receiver

from ec_console import checkall, dashboard, monitor, reconcile
from ec_console.monitor_notify import WebhookNotifier
from ec_console.registry import Registry
from ec_console.secrets import MemoryStore

pytestmark = pytest.mark.slow


sandbox = sandbox_fixture("function")


def test_a_profile_broken_in_the_sandbox_arrives_as_one_webhook_post_without_secrets(sandbox):
    info = sandbox.info()
    store = MemoryStore()
    with Registry.for_region("us") as registry, Receiver() as receiver:
        outcome = add_ews_application(sandbox, registry, store)
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
        # Each run reconciled the application for real: nothing outside the scope was reachable.
        assert [r.leaks for r in history] == [0, 0, 0, 0]
        assert len(reconcile.reconciliations(registry, outcome.application.id)) == 4


def test_a_leak_made_in_the_sandbox_is_caught_by_the_next_scheduled_run_and_posted_without_secrets(sandbox):
    info = sandbox.info()
    store = MemoryStore()
    with Registry.for_region("us") as registry, Receiver() as receiver:
        outcome = add_ews_application(sandbox, registry, store)
        app = outcome.application
        emails = info.mailboxes_in_scope[:2]
        dashboard.link_profiles(registry, app, emails, store=store,
                                policy=checkall.BackOffPolicy(max_retries=1))
        hook = [WebhookNotifier("slack", receiver.url)]
        # The whole outside of the scope fits in the default sample, so whichever account leaks is probed.
        outsiders = [m.address for m in sandbox.org.outsiders()]
        assert 1 < len(outsiders) <= reconcile.DEFAULT_SAMPLE

        first = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook)
        assert first.reconcile_ran and [r.leaks for r in first.rows] == [0]
        assert (first.outcome, first.alerts, receiver.bodies) == ("ok", [], [])

        leaked = next(a for a in outsiders if a != info.mailbox_out_of_scope.lower())
        sandbox.org.leak(leaked)
        try:
            second = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook)
        finally:
            sandbox.org.leak(leaked, on=False)
        assert [(a.kind, a.application, a.count) for a in second.alerts] == [("new_leak", "Sandbox EWS", 1)]
        assert second.deliveries == [("webhook (Slack)", None)] and second.exit_status == 1
        assert [r.leaks for r in second.rows] == [1]
        [body] = receiver.bodies
        assert "Sandbox EWS: 1 account outside the scope is reachable (scope_not_enforced)" in \
            json.loads(body)["text"]
        for secret in (info.password, *(a.client_secret for a in sandbox.org.apps), Receiver.SECRET_PART,
                       leaked, *emails):
            assert secret.lower() not in body.lower()

        # The reconciliation the run made is stored like any other: the leak, with its account, is in it.
        newest = reconcile.reconciliations(registry, app.id)[0]
        assert newest.counts["leak"] == 1
        assert ("leak" , "scope_not_enforced") in {(f, d) for e, f, d in
                                                    reconcile.stored_findings(registry, newest.id)
                                                    if e == leaked}
        assert reconcile.drift_text(registry, app.id).endswith(
            f"1 leak since {_local_day(first.run_at)}")

        # The grant is withdrawn: the next run finds no leak and tells the recovery.
        third = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook)
        assert [r.leaks for r in third.rows] == [0] and third.outcome == "ok"
        assert [a.kind for a in third.alerts] == ["recovered"] and len(receiver.bodies) == 2


def _local_day(run_at):
    from ec_console.registry import parse_utc

    when = parse_utc(run_at).astimezone()
    return f"{when.day} {when:%b}"


def test_a_scope_the_monitor_cannot_read_leaves_leaks_unknown_never_zero(sandbox):
    store = MemoryStore()
    with Registry.for_region("us") as registry, Receiver() as receiver:
        app = add_ews_application(sandbox, registry, store).application
        hook = [WebhookNotifier("slack", receiver.url)]
        first = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook)
        assert [r.leaks for r in first.rows] == [0]
        registry.update_application(app.id, settings={**app.settings,
                                                      "scope_group_address": "no-such-group@sandbox.example"})
        second = monitor.run_monitor(registry, "us", trigger="scheduled", store=store, notifiers=hook)
        [row] = second.rows
        assert row.leaks is None and second.reconcile_ran
        assert "reconciliation: scope could not be read" in row.detail
        assert registry.health_history()[-1].leaks is None            # stored as NULL, not 0
        assert reconcile.reconciliations(registry, app.id)[0].counts["leak"] is None
        # Unknown is not news: no alert (neither a leak nor a recovery).
        assert second.alerts == [] and receiver.bodies == []
