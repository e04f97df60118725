"""The dashboard's operations with a scripted adapter: status rules, audit, transactions, revoke sequence."""

from __future__ import annotations

import pytest
from test_dashboard_fakes import SECRET, FakeAdapter, Script, add_app

from ec_console import dashboard
from ec_console.checks import StepStatus
from ec_console.errors import BadInput, KeychainUnavailable
from ec_console.registry import ProfileQuery, Registry
from ec_console.secrets import MemoryStore, secret_key


@pytest.fixture
def registry():
    with Registry.for_region("us") as reg:
        yield reg


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def fake():
    return FakeAdapter(
        scripts={
            "out@contoso.example": Script("impersonation_denied"),
            "gone@contoso.example": Script("mailbox_not_found"),
            "busy@contoso.example": Script("throttled", back_off=0.01),
            "slow@contoso.example": Script("timeout"),
        }
    )


def link(registry, store, fake, emails, **kw):
    return dashboard.link_profiles(
        registry, "Contoso EWS", emails, store=store, adapters={"exchange": fake}, **kw
    )


def statuses(registry):
    return {p.email: (p.status, p.last_result, p.last_diagnosis) for p in registry.list_profiles()}


def test_link_records_linked_or_not_linked_with_the_diagnosis(registry, store, fake):
    app = add_app(registry, store)
    summary = link(
        registry,
        store,
        fake,
        ["ada@contoso.example", "out@contoso.example", "gone@contoso.example"],
        names={"ada@contoso.example": "Ada"},
    )
    # Only the account that answered is recorded; a failed link leaves no profile.
    assert statuses(registry) == {"ada@contoso.example": ("linked", "pass", None)}
    assert registry.find_profile(app.id, "ada@contoso.example").display_name == "Ada"
    got = {r.email: (r.action, r.status, r.profile_id, r.code) for r in summary.results}
    assert got["out@contoso.example"] == ("not_linked", None, None, "impersonation_denied")
    assert got["gone@contoso.example"] == ("not_linked", None, None, "mailbox_not_found")
    out = next(r for r in summary.results if r.email == "out@contoso.example")
    assert not out.try_again and out.to_dict()["cause"] and out.to_dict()["fix"]
    assert summary.run.counts["not_linked"] == 2 and summary.run.counts["needs_relink"] == 0
    assert fake.secrets_seen == {SECRET}
    entries = {(e.action, e.subject): e.detail for e in registry.audit_entries()}
    assert ("profile_linked", "ada@contoso.example") in entries
    detail = entries[("profile_not_linked", "out@contoso.example")]
    assert "Contoso EWS" in detail and "impersonation_denied" in detail and SECRET not in detail
    ada = registry.find_profile(1, "ada@contoso.example")
    [check] = registry.checks_for_profile(ada.id)
    assert check.kind == "link" and check.result == "pass" and check.report["steps"][0]["data"]["count"] == 2
    # The failed attempts' reports are kept under the application, with no profile.
    failed = {c.report["target"]: c for c in registry.checks_for_application(app.id) if c.profile_id is None}
    assert sorted(failed) == ["gone@contoso.example", "out@contoso.example"]
    assert failed["out@contoso.example"].kind == "link" and failed["out@contoso.example"].result == "fail"


def test_a_transient_failure_says_try_again_and_linking_again_finishes_the_job(registry, store):
    app = add_app(registry, store)
    fake = FakeAdapter(scripts={"busy@contoso.example": Script("throttled", back_off=0.01, times=4),
                                "slow@contoso.example": Script("timeout", times=1),
                                "out@contoso.example": Script("impersonation_denied")})
    emails = ["ada@contoso.example", "busy@contoso.example", "slow@contoso.example", "out@contoso.example"]
    first = link(registry, store, fake, emails)
    got = {r.email: (r.action, r.try_again, r.profile_id) for r in first.results}
    assert got == {"ada@contoso.example": ("linked", False, got["ada@contoso.example"][2]),
                   "busy@contoso.example": ("try_again", True, None),
                   "slow@contoso.example": ("try_again", True, None),
                   "out@contoso.example": ("not_linked", False, None)}
    assert [p.email for p in registry.list_profiles()] == ["ada@contoso.example"]
    busy = registry.audit_entries(subject="busy@contoso.example")
    assert [e.action for e in busy] == ["profile_not_linked"] and "try again later" in busy[0].detail
    # The same link again: what is linked is kept (not probed), the rest is linked now.
    calls = len(fake.calls)
    second = link(registry, store, fake, emails)
    assert second.already_linked == ["ada@contoso.example"]
    assert sorted(c[1] for c in fake.calls[calls:]) == sorted(emails[1:])
    assert {r.email: r.action for r in second.results} == {"busy@contoso.example": "linked",
                                                           "slow@contoso.example": "linked",
                                                           "out@contoso.example": "not_linked"}
    assert statuses(registry) == {e: ("linked", "pass", None) for e in emails[:3]}
    assert registry.status_counts(application_id=app.id)["needs_relink"] == 0


def test_link_again_skips_what_is_already_linked(registry, store, fake):
    add_app(registry, store)
    link(registry, store, fake, ["ada@contoso.example"])
    calls = len(fake.calls)
    summary = link(registry, store, fake, ["ADA@contoso.example", "bob@contoso.example"])
    assert summary.already_linked == ["ADA@contoso.example"]
    assert [c[1] for c in fake.calls[calls:]] == ["bob@contoso.example"]
    assert registry.count_profiles() == 2


def test_link_refuses_bad_addresses_before_any_probe(registry, store, fake):
    add_app(registry, store)
    with pytest.raises(BadInput, match="not-an-address"):
        link(registry, store, fake, ["ada@contoso.example", "not-an-address"])
    assert fake.calls == [] and registry.count_profiles() == 0


def test_link_without_a_stored_secret_is_refused(registry, store, fake):
    registry.add_application("Contoso EWS", "exchange", "contoso.example", {})
    with pytest.raises(dashboard.ApplicationUnusable, match="No secret"):
        link(registry, store, fake, ["ada@contoso.example"])


def test_throttled_and_timed_out_probes_never_change_a_status(registry, store, fake):
    app = add_app(registry, store)
    for email in ("busy@contoso.example", "slow@contoso.example"):
        registry.add_profile(app.id, email, status="linked")
    summary = dashboard.relink_profiles(
        registry,
        [p.id for p in registry.list_profiles()],
        store=store,
        adapters={"exchange": fake},
        policy=dashboard.BackOffPolicy(max_retries=1),
    )
    assert {r.action for r in summary.results} == {"unchanged"}
    assert statuses(registry) == {
        "busy@contoso.example": ("linked", "fail", "throttled"),
        "slow@contoso.example": ("linked", "fail", "timeout"),
    }
    assert len(fake.call_times("busy@contoso.example")) == 2  # retried once after the back-off
    for profile in registry.list_profiles():
        [check] = registry.checks_for_profile(profile.id)
        assert check.result == "fail"


def test_application_failure_marks_the_application_not_its_profiles(registry, store, fake):
    app = add_app(registry, store)
    fake.scripts = {f"u{i}@contoso.example": Script("auth_failed") for i in range(10)}
    for email in fake.scripts:
        registry.add_profile(app.id, email, status="linked")
    summary = dashboard.relink_profiles(
        registry,
        [p.id for p in registry.list_profiles()],
        store=store,
        adapters={"exchange": fake},
        concurrency=1,
    )
    assert registry.get_application(app.id).health == "auth_failed"
    assert all(s == ("linked", None, None) for s in statuses(registry).values())
    assert len(fake.calls) == 1  # the lane stops: a wrong password is not tried ten times
    assert {r.action for r in summary.results} == {"skipped"} and len(summary.results) == 10
    [entry] = [e for e in registry.audit_entries() if e.action == "application_health"]
    assert "auth_failed" in entry.detail
    # the next answer clears the mark
    fake.scripts = {}
    dashboard.relink_profiles(
        registry, [registry.list_profiles()[0].id], store=store, adapters={"exchange": fake}
    )
    assert registry.get_application(app.id).health is None


def test_revoke_then_relink_undoes_it(registry, store, fake):
    add_app(registry, store)
    link(registry, store, fake, ["ada@contoso.example"])
    profile = registry.list_profiles()[0]
    [result] = dashboard.revoke_profiles(registry, [profile.id], adapters={"exchange": fake})
    assert result.changed and result.profile.status == "revoked"
    assert result.withdrawal_step == "take ada@contoso.example out of the scope"
    entry = registry.audit_entries(subject="ada@contoso.example", limit=1)[0]
    assert entry.action == "profile_revoked" and "take ada@contoso.example out of the scope" in entry.detail
    assert not dashboard.revoke_profiles(registry, [profile.id], adapters={"exchange": fake})[0].changed
    summary = dashboard.relink_profiles(registry, [profile.id], store=store, adapters={"exchange": fake})
    assert summary.results[0].action == "linked"
    assert registry.get_profile(profile.id).status == "linked"
    assert registry.audit_entries(limit=1)[0].action == "profile_relinked"


def test_relink_of_an_unknown_profile_is_bad_input(registry, store, fake):
    add_app(registry, store)
    with pytest.raises(BadInput, match="No profile with id 99"):
        dashboard.relink_profiles(registry, [99], store=store, adapters={"exchange": fake})


def test_revoke_application_sequence(registry, store, fake):
    app = add_app(registry, store)
    link(registry, store, fake, ["ada@contoso.example", "out@contoso.example"])
    revocation = dashboard.ApplicationRevocation(
        registry, "Contoso EWS", store=store, adapters={"exchange": fake}
    )
    assert revocation.withdrawal_steps() == ["remove the grant of Contoso EWS"]
    report = revocation.verify_withdrawal("ada@contoso.example")
    assert report.result is StepStatus.FAIL  # still answers: not withdrawn yet
    assert report.diagnosis.code == "scope_not_enforced"
    fake.scripts["ada@contoso.example"] = Script("auth_failed")  # the admin removed the grant
    assert revocation.verify_withdrawal("ada@contoso.example").result is StepStatus.PASS
    revocation.complete()
    assert store.get(secret_key("us", "Contoso EWS", "password")) is None
    assert registry.get_application(app.id).status == "revoked"
    assert {p.status for p in registry.list_profiles()} == {"revoked"}
    entry = registry.audit_entries(limit=1)[0]
    assert entry.action == "application_revoked" and "verified: pass" in entry.detail
    kinds = [c.kind for c in registry.checks_for_application(app.id)]
    assert kinds.count("verify_withdrawal") == 2
    with pytest.raises(dashboard.ApplicationUnusable):
        link(registry, store, fake, ["bob@contoso.example"])


def test_revoke_application_with_verification_skipped_says_so(registry, store, fake):
    add_app(registry, store)
    revocation = dashboard.ApplicationRevocation(
        registry, "Contoso EWS", store=store, adapters={"exchange": fake}
    )
    revocation.skip_verification()
    revocation.complete()
    assert "verification skipped" in registry.audit_entries(limit=1)[0].detail


def test_revoke_application_without_keychain_changes_nothing(registry, fake):
    store = MemoryStore()
    app = add_app(registry, store)
    store.usable = False
    revocation = dashboard.ApplicationRevocation(
        registry, "Contoso EWS", store=store, adapters={"exchange": fake}
    )
    revocation.skip_verification()
    with pytest.raises(KeychainUnavailable):
        revocation.complete()
    assert registry.get_application(app.id).status == "active"


def spec(**kw):
    values = {
        "name": "Contoso EWS",
        "provider": "exchange",
        "domain": "contoso.example",
        "settings": {"username": "CONTOSO\\svc", "ews_url": "https://mail.contoso.example/EWS/Exchange.asmx"},
        "test_target": "ada@contoso.example",
    }
    values.update(kw)
    return dashboard.ApplicationSpec(**values)


def test_add_application_stores_the_secret_then_the_application(registry, store, fake):
    outcome = dashboard.add_application(registry, spec(), "pw-1", store=store, adapters={"exchange": fake})
    assert outcome.application is not None and outcome.report.result is StepStatus.PASS
    assert store.get(secret_key("us", "Contoso EWS", "password")) == "pw-1"
    app = registry.find_application("Contoso EWS")
    assert app.settings["test_mailbox"] == "ada@contoso.example"
    assert registry.audit_entries(limit=1)[0].action == "application_added"
    assert [c.kind for c in registry.checks_for_application(app.id)] == ["setup"]
    with pytest.raises(BadInput, match="already exists"):
        dashboard.add_application(registry, spec(), "pw-2", store=store, adapters={"exchange": fake})
    assert store.get(secret_key("us", "Contoso EWS", "password")) == "pw-1"  # not overwritten


def test_add_application_with_a_failing_check_writes_nothing(registry, store, fake):
    fake.scripts["ada@contoso.example"] = Script("auth_failed")
    outcome = dashboard.add_application(registry, spec(), "pw-1", store=store, adapters={"exchange": fake})
    assert outcome.application is None and outcome.report.result is StepStatus.FAIL
    assert registry.list_applications() == [] and list(store.item_names()) == []


def test_add_application_without_keychain_exits_3_before_the_check(registry, fake):
    store = MemoryStore(usable=False)
    with pytest.raises(KeychainUnavailable):
        dashboard.add_application(registry, spec(), "pw-1", store=store, adapters={"exchange": fake})
    assert fake.calls == [] and registry.list_applications() == []


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "", "application name"),
        ("domain", "not a domain", "--domain"),
        ("test_target", "nobody", "test account"),
        ("provider", "imap", "provider"),
    ],
)
def test_add_application_validates(registry, store, fake, field, value, message):
    with pytest.raises(BadInput, match=message):
        dashboard.add_application(
            registry, spec(**{field: value}), "pw", store=store, adapters={"exchange": fake}
        )
    assert registry.list_applications() == []


def test_profile_details_show_last_report_blocks_history_and_step(registry, store, fake):
    add_app(registry, store)
    link(registry, store, fake, ["ada@contoso.example"])
    profile = registry.list_profiles(ProfileQuery())[0]
    details = dashboard.profile_details(registry, profile.id, adapters={"exchange": fake})
    assert len(details.busy_blocks) == 2 and details.last_report.result is StepStatus.PASS
    assert [c.kind for c in details.checks] == ["link"]
    assert details.audit[0].action == "profile_linked"
    assert details.withdrawal_step == "take ada@contoso.example out of the scope"


def test_discover_lists_the_scope(registry, store, fake):
    add_app(registry, store)
    found = dashboard.discover_accounts(registry, "Contoso EWS", store=store, adapters={"exchange": fake})
    assert {a.email for a in found.accounts} == set(fake.scripts)


def test_unknown_application_names_the_known_ones(registry, store, fake):
    add_app(registry, store)
    with pytest.raises(BadInput, match="Contoso EWS"):
        dashboard.resolve_application(registry, "Fabrikam")
