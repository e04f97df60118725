"""The decisions that carry the version the person saw, beyond revoke and relink: applying a reconciliation
(joiners, leavers) and replacing an application's secret. Another console's change since refuses them
(ChangedElsewhere, nothing done); a check result recorded elsewhere does not. Two Registry objects on one
file are the two consoles; the EWS sandbox answers the probes."""

from __future__ import annotations

import dataclasses

import pytest
from sandbox_setup import add_ews_application, sandbox_fixture

from ec_console import dashboard, reconcile
from ec_console.application_edit import SecretRotation
from ec_console.registry import ChangedElsewhere, Registry
from ec_console.sandbox.org import Behaviour
from ec_console.secrets import secret_key

pytestmark = pytest.mark.slow

sandbox = sandbox_fixture("module")


@pytest.fixture
def ews_app(sandbox, org, registry, store):
    return add_ews_application(sandbox, registry, store).application


@pytest.fixture
def elsewhere():
    """Another console on the same registry file."""
    with Registry.for_region("us") as other:
        yield other


def _members(org, n: int) -> list[str]:
    return [m.address for m in org.scope_members() if m.behaviour is Behaviour.NORMAL
            and m.delegate_folders is None][:n]


def test_leavers_decided_before_another_console_changed_one_are_refused_and_nothing_is_revoked(
        org, registry, store, ews_app, elsewhere):
    members = _members(org, 3)
    dashboard.link_profiles(registry, ews_app, members, store=store)
    org.leave_scope(members[0])
    org.leave_scope(members[1])
    rec = reconcile.reconcile(registry, ews_app, sample_from=[], store=store)
    assert {f.email for f in rec.of("leaver")} == {members[0], members[1]}
    ids = {p.email: p.id for p in elsewhere.list_profiles()}
    elsewhere.record_profile_check(ids[members[1]], result="pass")        # a check there: no decision
    elsewhere.set_profile_status(ids[members[0]], "needs_relink")        # a decision there
    with pytest.raises(ChangedElsewhere) as refused:
        reconcile.apply_leavers(registry, rec, ews_app.name)
    assert refused.value.subject == members[0] and refused.value.now == "needs_relink"
    assert "revoked" not in {p.status for p in registry.list_profiles()}
    assert not [e for e in registry.audit_entries() if e.action == reconcile.AUDIT_LEAVER_REVOKED]
    again = reconcile.reconcile(registry, ews_app, sample_from=[], store=store)   # looked at again
    elsewhere.record_profile_check(ids[members[0]], result="fail", diagnosis="mailbox_not_found")
    results = reconcile.apply_leavers(registry, again, ews_app.name)
    assert {r.profile.email for r in results if r.changed} == {members[0], members[1]}


def test_joiners_decided_before_another_console_edited_the_application_are_refused(
        org, registry, store, ews_app, elsewhere):
    rec = reconcile.reconcile(registry, ews_app, sample_from=[], store=store)
    two = dataclasses.replace(rec, findings=rec.of("joiner")[:2])
    assert len(two.of("joiner")) == 2
    elsewhere.update_application(ews_app.id, health="ews_unreachable")     # a check's finding: no decision
    elsewhere.update_application(ews_app.id, settings={**ews_app.settings, "timeout": 20})   # a decision
    with pytest.raises(ChangedElsewhere) as refused:
        reconcile.apply_joiners(registry, two, store=store)
    assert refused.value.what == "application"
    assert registry.list_profiles() == []
    fresh = reconcile.reconcile(registry, ews_app, sample_from=[], store=store)
    elsewhere.update_application(ews_app.id, health=None)
    results = reconcile.apply_joiners(registry, dataclasses.replace(fresh, findings=fresh.of("joiner")[:2]),
                                      store=store)
    assert [r.action for r in results] == ["linked", "linked"]


def test_a_secret_replacement_decided_before_another_console_edited_the_application_keeps_the_old_one(
        sandbox, registry, store, ews_app, elsewhere):
    key = secret_key("us", ews_app.name, "password")
    old = store.get(key)
    rotation = SecretRotation(registry, ews_app, sandbox.info().password, region_id="us", store=store)
    assert rotation.check().result.value == "pass"
    elsewhere.update_application(ews_app.id, health="ews_unreachable")     # a check there: still fine
    elsewhere.update_application(ews_app.id, settings={**ews_app.settings, "timeout": 20})
    with pytest.raises(ChangedElsewhere):
        rotation.replace()
    assert store.get(key) == old
    assert not [e for e in registry.audit_entries() if e.action == "application_secret_rotated"]
    current = registry.get_application(ews_app.id)
    again = SecretRotation(registry, current, sandbox.info().password, region_id="us", store=store)
    again.check()
    elsewhere.update_application(ews_app.id, health="ews_unreachable")     # only a check result since
    assert again.replace().id == ews_app.id
    assert [e.action for e in registry.audit_entries()].count("application_secret_rotated") == 1
