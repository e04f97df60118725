"""Reconcile (ec_console/reconcile.py) against the sandboxes of every platform: the joiners, leavers, broken
profiles and leaks a test sets up are found, exactly; a directory that cannot be read gives "cannot tell",
never "0 leaks"; applying joiners links them under the reconciliation; the stored runs and the drift text."""

from __future__ import annotations

import json
import random

import pytest
from sandbox_setup import add_ews_application, sandbox_fixture

from ec_console import dashboard, reconcile
from ec_console.checkall import BackOffPolicy
from ec_console.errors import BadInput
from ec_console.registry import RECONCILIATIONS_VERSION, SCHEMA_VERSION
from ec_console.sandbox.org import Behaviour

pytestmark = pytest.mark.slow


def found(rec, finding):
    return {f.email for f in rec.of(finding)}


# --- Exchange on-premises -----------------------------------------------------------------------------------


sandbox = sandbox_fixture("module", throttle_back_off_ms=100, slow_seconds=0.1)


@pytest.fixture
def no_find_people(sandbox):
    """A server without EWS FindPeople (Exchange 2010 and older): the directory is read with ResolveNames."""
    sandbox.ews.find_people = False
    yield
    sandbox.ews.find_people = True


@pytest.fixture
def ews_app(sandbox, org, registry, store):
    return add_ews_application(sandbox, registry, store).application


def test_exchange_reconcile_finds_exactly_the_joiners_leavers_broken_and_leaks_set_up(org, registry, store,
                                                                                      ews_app):
    ordinary = [m.address for m in org.scope_members() if m.behaviour is Behaviour.NORMAL
                and m.delegate_folders is None][:4]
    dashboard.link_profiles(registry, ews_app, ordinary, store=store)
    staying, _, leaving, breaking = ordinary
    org.leave_scope(leaving)                               # a leaver
    org.mailboxes[breaking].behaviour = Behaviour.FOLDER_DENIED   # broken: linked, in scope, probe fails
    outsiders = [m.address for m in org.outsiders() if m.address != leaving]
    leaked = outsiders[1]
    org.leak(leaked)                                       # reachable though outside the group
    rec = reconcile.reconcile(registry, ews_app, sample_from=outsiders, expect_denied=[outsiders[0]],
                              store=store)
    linked = set(ordinary) - {leaving}
    assert found(rec, "joiner") == {m.address for m in org.scope_members()} - linked
    assert found(rec, "leaver") == {leaving}
    assert found(rec, "broken") == {breaking}
    assert found(rec, "leak") == {m for m in outsiders if org.mailboxes[m].covered} == {leaked}
    assert staying not in found(rec, "broken")
    assert rec.unknown == {} and rec.failed
    [leak] = rec.of("leak")
    assert leak.diagnosis == "scope_not_enforced" and "Get-ManagementRoleAssignment" in leak.fix
    [leaver] = rec.of("leaver")
    assert "Remove-DistributionGroupMember" in leaver.fix and leaver.reachable is False
    [broken] = rec.of("broken")
    assert broken.diagnosis == "folder_access_denied"
    assert set(rec.sample) == set(outsiders) and rec.sample_random == 0
    assert "not drawn at random" in rec.confidence() or rec.of("leak")
    assert any("nested" in note and "outside the scope" in note for note in rec.notes)
    # stored, with its findings (no calendar contents) and audited
    [stored] = reconcile.reconciliations(registry, ews_app.id)
    assert stored.id == rec.id and stored.counts == rec.counts and stored.sample_size == len(outsiders)
    rows = reconcile.stored_findings(registry, rec.id)
    assert {(e, f) for e, f, _ in rows} == {(x.email, x.finding) for x in rec.findings}
    assert "Quarterly" not in json.dumps(rows) and "Confidential" not in json.dumps(rows)
    [entry] = [e for e in registry.audit_entries() if e.action == reconcile.AUDIT_RECORDED]
    assert json.loads(entry.detail)["reconciliation"] == rec.id
    # probes changed no profile
    assert registry.find_profile(ews_app.id, breaking).status == "linked"


def reconcile_the_whole_directory_with_a_leak(sandbox, org, registry, store, ews_app):
    """Reconcile with no list: every outsider of the directory is drawn (fewer than 20), the leak too."""
    leaked = org.outsiders()[2].address
    org.leak(leaked)
    sandbox.requests.clear()
    rec = reconcile.reconcile(registry, ews_app, store=store, rng=random.Random(5))
    outside = {m.address for m in org.outsiders()}
    assert set(rec.sample) == outside and rec.sample_random == len(outside) == rec.outsiders
    assert found(rec, "leak") == {leaked}
    return rec


@pytest.fixture
def many_z_people(org):
    """105 more mailboxes outside the scope, all named "Zz …": more than one page (or answer) of 100."""
    import datetime as dt

    from ec_console.sandbox.org import _mailbox

    today = dt.datetime.now(dt.UTC)
    extra = [f"zz.person{n:03d}@sandbox.example" for n in range(105)]
    for n, address in enumerate(extra):
        org.mailboxes[address] = _mailbox(address, f"Zz Person {n}", 100 + n, today, in_scope=False)
    yield extra
    for address in extra:
        del org.mailboxes[address]


def test_exchange_without_a_list_samples_the_global_address_list_through_find_people(sandbox, org, registry,
                                                                                    store, ews_app):
    """Exchange 2013 and later: EWS FindPeople on the GAL ("directory"), a query string per leading letter
    or digit (the GAL cannot be browsed without one), paged until TotalNumberOfPeopleInView; mailboxes only.
    https://learn.microsoft.com/exchange/client-developer/web-service-reference/findpeople-operation"""
    rec = reconcile_the_whole_directory_with_a_leak(sandbox, org, registry, store, ews_app)
    searches = [r for r in sandbox.requests.all() if r.notes.get("operation") == "FindPeople"]
    assert {r.notes["query_string"] for r in searches} >= set("abcxyz0189")
    assert all(r.notes.get("impersonated") == sandbox.info().mailbox_in_scope for r in searches)
    assert not [r for r in sandbox.requests.all() if r.notes.get("operation") == "ResolveNames"]
    assert org.scope_group_address not in rec.sample          # a group is no persona of type Person


def test_find_people_pages_until_the_total_the_server_gives(sandbox, org, registry, store, ews_app,
                                                           many_z_people):
    sandbox.requests.clear()
    rec = reconcile.reconcile(registry, ews_app, store=store, sample=10, rng=random.Random(2))
    pages = [r.notes["offset"] for r in sandbox.requests.all()
             if r.notes.get("operation") == "FindPeople" and r.notes.get("query_string") == "z"]
    assert pages == [0, 100]                                  # 105 names for "z": two pages
    # the whole directory was listed, so the draw is random and the rule of three is stated
    assert rec.outsiders == len({m.address for m in org.outsiders()})
    assert rec.sample_random == 10 and "With 95% confidence" in rec.confidence()


def test_exchange_without_find_people_samples_the_directory_through_resolve_names(sandbox, org, registry,
                                                                                 store, ews_app,
                                                                                 no_find_people):
    rec = reconcile_the_whole_directory_with_a_leak(sandbox, org, registry, store, ews_app)
    assert sandbox.requests.find(operation="ResolveNames")
    # FindPeople was asked once and refused as an older server refuses an element it does not know
    [refused] = [r for r in sandbox.requests.all() if r.notes.get("operation") != "ResolveNames"
                 and r.notes.get("error") == "ErrorSchemaValidation"]
    assert any("FindPeople was not used" in note and "ErrorSchemaValidation" in note for note in rec.notes)


def test_a_capped_resolve_names_listing_is_not_called_random(registry, store, ews_app, no_find_people,
                                                            many_z_people):
    rec = reconcile.reconcile(registry, ews_app, store=store, sample=10, rng=random.Random(2))
    assert len(rec.sample) >= 10 and rec.sample_random == 0
    assert "not drawn at random" in rec.confidence()
    assert any("at most 100 names a query" in note for note in rec.notes)


def test_an_unreadable_scope_is_cannot_tell_never_zero(org, registry, store, ews_app):
    registry.update_application(ews_app.id, settings={**ews_app.settings,
                                                      "scope_group_address": "no-such-group@sandbox.example"})
    rec = reconcile.reconcile(registry, ews_app, sample_from=[org.outsiders()[0].address], store=store)
    assert "scope" in rec.unknown
    assert rec.counts == {"leak": None, "joiner": None, "leaver": None, "broken": None}
    assert rec.failed and "cannot tell" in rec.confidence().lower()
    text = "\n".join(reconcile.findings_text(rec))
    assert "Leaks: cannot tell" in text and "0 leaks" not in text
    [stored] = reconcile.reconciliations(registry, ews_app.id)
    assert stored.counts["leak"] is None and stored.unknown == ("scope",)


def test_no_scoping_group_is_cannot_tell_and_says_where_to_give_one(org, registry, store, ews_app):
    settings = {k: v for k, v in ews_app.settings.items() if k not in ("scope_group_address", "scope_group")}
    registry.update_application(ews_app.id, settings=settings)
    app = registry.get_application(ews_app.id)
    rec = reconcile.reconcile(registry, app, sample_from=[org.outsiders()[0].address], store=store)
    assert "scope" in rec.unknown and rec.counts["joiner"] is None
    why = rec.unknown["scope"]
    assert "no scoping group" in why and "Reconcile window" in why and "--scope-group" in why


def test_a_directory_that_cannot_be_read_leaves_leaks_unknown(org, registry, store, ews_app):
    from ec_console.diagnoses import diagnose
    from ec_console.providers.exchange.scope import ExchangeScope
    from ec_console.providers.scope import DirectoryUnreadable

    class Throttled(ExchangeScope):
        def directory(self, application, secret, cancel):
            raise DirectoryUnreadable(diagnose("throttled"), "the directory answered: try again later")

    rec = reconcile.reconcile(registry, ews_app, store=store, sources={"exchange": Throttled()})
    assert set(rec.unknown) == {"directory"} and rec.unknown["directory"].startswith("throttled")
    assert rec.counts["leak"] is None and rec.counts["joiner"] is not None
    assert rec.failed
    text = "\n".join(reconcile.findings_text(rec))
    assert "Leaks: cannot tell" in text and "0 leaks" not in text


def test_a_failing_application_leaves_reachability_unknown(org, registry, store, ews_app):
    from ec_console.secrets import secret_key

    dashboard.link_profiles(registry, ews_app, [org.scope_members()[0].address], store=store)
    store.set(secret_key("us", ews_app.name, "password"), "Wrong-Password-1")
    rec = reconcile.reconcile(registry, ews_app, sample_from=[org.outsiders()[0].address], store=store,
                              save=False)
    # the scope is read with the same password: nothing at all can be told, and each set says why
    assert set(rec.unknown) == {"scope", "reachable"}
    assert rec.unknown["scope"].startswith("auth_failed") and "auth_failed" in rec.unknown["reachable"]
    assert rec.counts == {"leak": None, "joiner": None, "leaver": None, "broken": None}


def test_apply_joiners_links_them_and_audits_them_under_the_reconciliation(org, registry, store, ews_app):
    members = [m.address for m in org.scope_members() if m.behaviour is Behaviour.NORMAL
               and m.delegate_folders is None]
    dashboard.link_profiles(registry, ews_app, members[2:], store=store)
    rec = reconcile.reconcile(registry, ews_app, sample_from=[], store=store)
    joiners = found(rec, "joiner")
    assert set(members[:2]) <= joiners
    results = reconcile.apply_joiners(registry, rec, store=store, policy=BackOffPolicy(max_retries=0))
    linked_now = {p.email for p in registry.list_profiles() if p.status == "linked"}
    assert set(members[:2]) <= linked_now
    assert {r.email for r in results} == joiners
    audited = {e.subject: json.loads(e.detail) for e in registry.audit_entries()
               if e.action in (reconcile.AUDIT_JOINER_LINKED, reconcile.AUDIT_JOINER_NOT_LINKED)}
    assert set(audited) == joiners
    assert {d["reconciliation"] for d in audited.values()} == {rec.id}
    assert {s for s, d in audited.items() if d["result"] == "linked"} == {
        r.email for r in results if r.action == "linked"} >= set(members[:2])


def test_apply_leavers_needs_the_typed_name_and_revokes_exactly_the_leavers(org, registry, store, ews_app):
    members = [m.address for m in org.scope_members() if m.behaviour is Behaviour.NORMAL
               and m.delegate_folders is None][:3]
    dashboard.link_profiles(registry, ews_app, members, store=store)
    org.leave_scope(members[0])
    rec = reconcile.reconcile(registry, ews_app, sample_from=[], store=store)
    before = {p.email: p.status for p in registry.list_profiles()}
    with pytest.raises(BadInput):
        reconcile.apply_leavers(registry, rec, "not the name")
    assert {p.email: p.status for p in registry.list_profiles()} == before
    reconcile.apply_leavers(registry, rec, ews_app.name.upper())
    after = {p.email: p.status for p in registry.list_profiles()}
    assert {e for e, s in after.items() if s == "revoked"} == {members[0]}
    [entry] = [e for e in registry.audit_entries() if e.action == reconcile.AUDIT_LEAVER_REVOKED]
    assert entry.subject == members[0] and json.loads(entry.detail)["reconciliation"] == rec.id


def test_drift_text_compares_with_the_previous_reconciliation(org, registry, store, ews_app):
    members = [m.address for m in org.scope_members() if m.behaviour is Behaviour.NORMAL
               and m.delegate_folders is None]
    dashboard.link_profiles(registry, ews_app, members[:4], store=store)
    first = reconcile.reconcile(registry, ews_app, sample_from=[], store=store)
    assert reconcile.drift_text(registry, ews_app.id) is None
    org.leave_scope(members[0])
    org.leave_scope(members[1])
    org.leave_scope(members[10])                           # not linked: one joiner fewer
    second = reconcile.reconcile(registry, ews_app, sample_from=[], store=store)
    joiners = len(second.of("joiner")) - len(first.of("joiner"))
    assert joiners == -1 and len(second.of("leaver")) == 2
    from ec_console.registry import parse_utc

    day = parse_utc(first.at).astimezone()
    assert reconcile.drift_text(registry, ews_app.id) == \
        f"\u22121 joiner, +2 leavers, 0 leaks since {day.day} {day:%b}"


# --- sample sizes, statistics, storage ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 1001, -5, "20", True, 2.5])
def test_sample_size_out_of_range_is_refused(bad):
    with pytest.raises(BadInput):
        reconcile.validate_sample(bad)


def test_the_rule_of_three_is_stated_only_for_a_random_sample():
    rec = reconcile.Reconciliation("App", 1, "graph", "2026-11-28T10:00:00Z",
                                   sample=[f"u{i}@x" for i in range(20)], sample_random=20, outsiders=500)
    assert "fewer than 15%" in rec.confidence() and "95% confidence" in rec.confidence()
    rec.sample_random = 0
    assert "95%" not in rec.confidence() and "not drawn at random" in rec.confidence()
    rec.sample_random, rec.outsiders = 20, 20
    assert "Every one of the 20 accounts" in rec.confidence()


def test_the_migration_is_part_of_the_schema(registry):
    assert RECONCILIATIONS_VERSION <= SCHEMA_VERSION == registry.schema_version
    tables = {r[0] for r in registry._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"reconciliations", "reconciliation_findings"} <= tables


def test_deleting_a_revoked_application_deletes_its_reconciliations(registry):
    app = registry.add_application("Gone", "exchange", "example.com")
    rec = reconcile.Reconciliation("Gone", app.id, "exchange", "2026-11-28T10:00:00Z",
                                   findings=[reconcile.Finding("a@example.com", "joiner")])
    reconcile.record_reconciliation(registry, rec)
    registry.update_application(app.id, status="revoked")
    registry.delete_application(app.id)
    assert registry._conn.execute("SELECT COUNT(*) FROM reconciliation_findings").fetchone()[0] == 0



# --- Microsoft Graph ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph():
    from ec_console.sandbox.graph import GraphSandbox

    with GraphSandbox() as box:
        yield box


@pytest.fixture
def tenant(graph):
    tenant = graph.tenant
    saved = {a: (u.in_scope, u.extra_grant, u.mailbox) for a, u in tenant.users.items()}
    members = list(tenant.group.members)
    yield tenant
    for address, (in_scope, extra, mailbox) in saved.items():
        user = tenant.users[address]
        user.in_scope, user.extra_grant, user.mailbox = in_scope, extra, mailbox
    tenant.group.members[:] = members


def graph_app(registry, store, info, client_id=None):
    from ec_console.secrets import secret_key

    settings = {"tenant_id": info.tenant_id, "client_id": client_id or info.client_id,
                "authority": info.authority, "graph_url": info.graph_url, "ca_file": info.ca_file,
                "scope_group": info.scope_group_address, "scope_group_address": info.scope_group_address,
                "timeout": 5}
    app = registry.add_application("M365", "graph", info.tenant_domain, settings)
    store.set(secret_key("us", "M365", "client_secret"), info.client_secret)
    return app


def test_graph_reconcile_finds_exactly_what_the_tenant_was_set_up_with(graph, tenant, registry, store):
    info = graph.info()
    app = graph_app(registry, store, info)
    ordinary = [u.address for u in tenant.users.values() if u.in_scope and u.mailbox and not u.throttled][:4]
    registry.add_profiles(app.id, [(e, "") for e in ordinary], status="linked")
    _, leaving, breaking, _ = ordinary
    tenant.leave_scope(leaving)
    tenant.users[breaking].mailbox = False                   # no Exchange Online mailbox any more
    outsiders = [u.address for u in tenant.users.values() if not u.in_scope and u.address != leaving]
    tenant.leak(outsiders[1])
    rec = reconcile.reconcile(registry, app, store=store, rng=random.Random(7),
                              policy=BackOffPolicy(max_retries=0))
    assert found(rec, "joiner") == set(tenant.group.members) - set(ordinary)
    assert found(rec, "leaver") == {leaving}
    assert found(rec, "broken") == {breaking} and rec.of("broken")[0].diagnosis == "mailbox_not_enabled"
    assert found(rec, "leak") == {a for a in outsiders if tenant.users[a].extra_grant} == {outsiders[1]}
    assert "Test-ServicePrincipalAuthorization" in rec.of("leak")[0].fix
    # the sample was the directory's outsiders, drawn at random: here every one of them
    assert set(rec.sample) == set(outsiders) and rec.sample_random == len(outsiders) == rec.outsiders
    users_listed = [r for r in graph.requests.all() if r.notes.get("endpoint") == "users"]
    assert users_listed, "the leak sample comes from GET /users"


def token_requests(graph):
    return [r for r in graph.requests.all() if r.notes.get("endpoint") == "token"]


def test_graph_reconcile_signs_in_once_for_the_scope_the_sample_and_the_probes(graph, tenant, registry,
                                                                               store):
    info = graph.info()
    app = graph_app(registry, store, info)
    ordinary = [u.address for u in tenant.users.values() if u.in_scope and u.mailbox and not u.throttled][:3]
    registry.add_profiles(app.id, [(e, "") for e in ordinary], status="linked")
    graph.requests.clear()
    rec = reconcile.reconcile(registry, app, store=store, sample=5, rng=random.Random(4),
                              policy=BackOffPolicy(max_retries=0))
    assert not rec.unknown and rec.sample
    endpoints = {r.notes.get("endpoint") for r in graph.requests.all()}
    assert {"members", "users"} <= endpoints and endpoints & {"batch", "calendarView"}   # all three read
    assert len(token_requests(graph)) == 1


def test_graph_reconcile_signs_in_again_when_the_token_is_about_to_expire(graph, tenant, registry, store):
    from ec_console.sandbox.identity import TOKEN_LIFETIME_S

    info = graph.info()
    app = graph_app(registry, store, info)
    registry.add_profiles(app.id, [(u.address, "") for u in tenant.users.values()
                                   if u.in_scope and u.mailbox and not u.throttled][:3], status="linked")
    graph.shift_clock(-(TOKEN_LIFETIME_S - 30))   # every token issued now expires in 30 seconds
    graph.requests.clear()
    try:
        rec = reconcile.reconcile(registry, app, store=store, sample=5, rng=random.Random(4),
                                  policy=BackOffPolicy(max_retries=0))
    finally:
        graph.shift_clock(TOKEN_LIFETIME_S - 30)
    assert not rec.unknown
    assert len(token_requests(graph)) == 3           # the scope, the sample and the probes: one each


def test_graph_draws_its_sample_at_random_and_a_tiny_one_states_nothing(graph, tenant, registry, store):
    info = graph.info()
    app = graph_app(registry, store, info)
    for user in list(tenant.users.values())[:6]:
        tenant.leave_scope(user.address)
    rec = reconcile.reconcile(registry, app, store=store, sample=3, rng=random.Random(1),
                              policy=BackOffPolicy(max_retries=0))
    outside = {u.address for u in tenant.users.values() if not u.in_scope}
    assert len(rec.sample) == 3 and set(rec.sample) <= outside and rec.outsiders == len(outside) > 3
    assert not rec.of("leak") and "too few to say anything" in rec.confidence()


def test_graph_without_directory_permission_cannot_tell(graph, tenant, registry, store):
    info = graph.info()
    app = graph_app(registry, store, info, client_id=info.apps["rbac_read_only"])
    rec = reconcile.reconcile(registry, app, store=store)
    assert set(rec.unknown) == {"scope"} and "GroupMember.Read.All" in rec.unknown["scope"]
    assert rec.counts["leak"] is None and rec.failed


# --- Google Workspace (domain-wide delegation) --------------------------------------------------------------


@pytest.fixture(scope="module")
def google(tmp_path_factory):
    from ec_console.sandbox.google.sandbox import GoogleSandbox

    with GoogleSandbox(tmp_path_factory.mktemp("google")) as box:
        yield box


def google_app(registry, store, google, **extra):
    from ec_console.sandbox.google.org import ADMIN
    from ec_console.secrets import secret_key

    info = google.info()
    settings = {"admin": ADMIN, "api_root": info.api_root, "ca_file": info.ca_file, "timeout": 5, **extra}
    app = registry.add_application("Workspace", "google", info.domain, settings)
    store.set(secret_key("us", "Workspace", "key"), open(info.key_file).read())
    return app


def test_google_reconcile_against_the_intended_organisational_unit(google, registry, store):
    org = google.org
    sales = sorted(u.primary_email for u in org.active_users()
                   if u.org_unit_path == "/Sales" and not u.suspended)
    elsewhere = sorted(u.primary_email for u in org.active_users() if u.org_unit_path == "/Engineering")
    app = google_app(registry, store, google, scope_group="/Sales")
    registry.add_profiles(app.id, [(sales[0], ""), (sales[1], ""), (elsewhere[0], "")], status="linked")
    rec = reconcile.reconcile(registry, app, store=store, sample=5, rng=random.Random(3),
                              policy=BackOffPolicy(max_retries=0))
    assert found(rec, "joiner") == set(sales) - {sales[0], sales[1]}
    assert found(rec, "leaver") == {elsewhere[0]}
    assert not rec.of("broken")
    directory = {u.primary_email for u in org.active_users() if not u.suspended}
    assert len(rec.sample) == 5 and set(rec.sample) <= directory - set(sales) - {elsewhere[0]}
    # Delegation reaches every account that has a calendar: each such outsider sampled is a leak
    reachable = {e for e in rec.sample if org.users[e].calendar_enabled and not org.users[e].rate_limited}
    assert reachable and found(rec, "leak") == reachable
    assert set(rec.untested) == {e for e in rec.sample if org.users[e].rate_limited}
    assert any("cannot be limited" in note for note in rec.notes)
    assert all("Marketplace" in f.fix for f in rec.of("leak"))
    assert rec.of("leaver")[0].reachable is True and "Marketplace" in rec.of("leaver")[0].fix


# --- Google Workspace (a Marketplace install) ---------------------------------------------------------------
# The install is turned on for organisational units (with the units below them) or groups, and reaches only
# them; no customer-side API says for which, and only the vendor's client can ask for a delegated token:
# https://support.google.com/a/answer/172931 ; the Marketplace API's licence calls answer the vendor only:
# https://developers.google.com/workspace/marketplace/example-calls-marketplace-api


def active_in(org, unit):
    return {u.primary_email for u in org.active_users() if not u.suspended
            and (u.org_unit_path == unit or u.org_unit_path.startswith(unit + "/"))}


def test_marketplace_scope_is_the_install_and_leaks_cannot_be_told_by_a_probe(google, registry, store):
    org = google.org
    sales, engineering = sorted(active_in(org, "/Sales")), sorted(active_in(org, "/Engineering"))
    app = google_app(registry, store, google, install="marketplace", org_unit="/Sales")
    registry.add_profiles(app.id, [(sales[0], ""), (engineering[0], "")], status="linked")
    before = len(google.requests)
    rec = reconcile.reconcile(registry, app, store=store, rng=random.Random(3),
                              policy=BackOffPolicy(max_retries=0))
    assert "/Sales" in rec.scope_source and rec.scope_size == len(sales)
    assert found(rec, "joiner") == set(sales) - {sales[0]}
    assert found(rec, "leaver") == {engineering[0]} and rec.of("leaver")[0].reachable is False
    assert "Take " in rec.of("leaver")[0].fix and "/Sales" in rec.of("leaver")[0].fix
    # nothing outside the install is probed, and leaks are not called 0: only the vendor can test them
    assert rec.sample == [] and not rec.of("leak") and rec.counts["leak"] is None and rec.failed
    assert "install" in rec.unknown and "vendor" in rec.unknown["install"]
    assert "cannot tell" in rec.confidence() and "drawn at random" not in rec.confidence()
    assert not any("cannot be limited" in note for note in rec.notes)
    calendar_reads = [r for r in google.requests.all()[before:] if r.notes.get("api") == "calendar"]
    assert calendar_reads == []


def test_marketplace_accounts_of_the_install_outside_the_intended_scope_are_leaks(google, registry, store):
    org = google.org
    engineering, platform = active_in(org, "/Engineering"), active_in(org, "/Engineering/Platform")
    assert platform and engineering - platform
    app = google_app(registry, store, google, install="marketplace", org_unit="/Engineering")
    rec = reconcile.reconcile(registry, app, store=store, scope_group="/Engineering/Platform",
                              policy=BackOffPolicy(max_retries=0))
    assert found(rec, "joiner") == platform
    assert found(rec, "leak") == engineering - platform and rec.counts["leak"] == len(engineering - platform)
    leak = rec.of("leak")[0]
    assert leak.diagnosis == "scope_not_enforced" and "/Engineering" in leak.detail
    assert "turned on for" in leak.fix and "https://support.google.com/a/answer/172931" in leak.fix
    assert "cannot be limited" not in leak.fix and "Domain-wide delegation" not in leak.fix


# --- the command line ---------------------------------------------------------------------------------------


@pytest.fixture
def cli_app(sandbox, org, registry):
    from ec_console.secrets import default_store

    outcome = add_ews_application(sandbox, registry, default_store(), "Calendar Sync", denied=False)
    members = [m.address for m in org.scope_members() if m.behaviour is Behaviour.NORMAL
               and m.delegate_folders is None][:3]
    dashboard.link_profiles(registry, outcome.application, members, store=default_store())
    return outcome.application, members


def run_cli(capsys, *args):
    from ec_console import cli

    code = cli.main(["applications", "reconcile", *args, "--region", "us"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_lists_the_four_findings_and_exits_1_on_a_leak(org, registry, cli_app, capsys, tmp_path):
    app, members = cli_app
    org.leave_scope(members[0])
    outsider = [m.address for m in org.outsiders() if m.address != members[0]][0]
    org.leak(outsider)
    listing = tmp_path / "outsiders.txt"
    listing.write_text(f"{outsider}\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, app.name, "--sample-from", str(listing), "--json")
    data = json.loads(out)
    assert code == 1
    assert {"reconciliation_id", "application", "provider", "at", "counts", "leaks", "joiners", "leavers",
            "broken", "cannot_tell", "sample", "confidence", "notes", "failed", "applied"} <= set(data)
    assert [x["email"] for x in data["leaks"]] == [outsider]
    assert data["leaks"][0]["diagnosis"] == "scope_not_enforced"
    assert [x["email"] for x in data["leavers"]] == [members[0]]
    assert data["counts"] == {"leak": 1, "joiner": len(data["joiners"]), "leaver": 1, "broken": 0}
    assert data["cannot_tell"] == {} and data["failed"] is True and data["applied"] is None
    code, text, _ = run_cli(capsys, app.name, "--sample-from", str(listing))
    assert code == 1
    assert text.index("1 leak") < text.index("joiners") < text.index("1 leaver") < text.index("broken")


def test_cli_exits_0_when_nothing_leaks_or_is_broken(org, registry, cli_app, capsys, tmp_path):
    app, _ = cli_app
    listing = tmp_path / "outsiders.txt"
    listing.write_text("\n".join(m.address for m in org.outsiders()), encoding="utf-8")
    code, out, _ = run_cli(capsys, app.name, "--sample-from", str(listing))
    assert code == 0 and "0 leaks" in out and "not drawn at random" in out


@pytest.mark.parametrize("sample", ["0", "1001", "many"])
def test_cli_refuses_a_bad_sample_size_with_exit_2(cli_app, capsys, sample):
    app, _ = cli_app
    code, out, err = run_cli(capsys, app.name, "--sample", sample)
    assert code == 2 and "sample" in err and "Traceback" not in err + out


def test_cli_apply_leavers_without_confirmation_is_refused_and_changes_nothing(org, registry, cli_app,
                                                                              capsys):
    app, members = cli_app
    org.leave_scope(members[0])
    before = {p.email: p.status for p in registry.list_profiles()}
    runs = len(reconcile.reconciliations(registry, app.id))
    code, _, err = run_cli(capsys, app.name, "--apply", "leavers")
    assert code == 2 and "--confirm" in err
    code, _, err = run_cli(capsys, app.name, "--apply", "leavers", "--confirm", "Another App")
    assert code == 2
    assert {p.email: p.status for p in registry.list_profiles()} == before
    assert len(reconcile.reconciliations(registry, app.id)) == runs


def test_cli_apply_leavers_with_confirmation_revokes_exactly_the_leavers(org, registry, cli_app, capsys):
    app, members = cli_app
    org.leave_scope(members[1])
    code, out, _ = run_cli(capsys, app.name, "--apply", "leavers", "--confirm", app.name, "--json")
    data = json.loads(out)
    assert [r["email"] for r in data["applied"]["results"]] == [members[1]]
    statuses = {p.email: p.status for p in registry.list_profiles()}
    assert statuses == {members[0]: "linked", members[1]: "revoked", members[2]: "linked"}
    revoked = [e for e in registry.audit_entries() if e.action == reconcile.AUDIT_LEAVER_REVOKED]
    assert [json.loads(e.detail)["reconciliation"] for e in revoked] == [data["reconciliation_id"]]


def test_every_reconciliation_audit_action_has_a_label():
    from ec_console.audit_labels import ACTION_LABELS

    for action in (reconcile.AUDIT_RECORDED, reconcile.AUDIT_JOINER_LINKED, reconcile.AUDIT_JOINER_NOT_LINKED,
                   reconcile.AUDIT_LEAVER_REVOKED, reconcile.AUDIT_BROKEN_RELINKED):
        assert action in ACTION_LABELS


def test_a_sample_none_of_which_could_be_probed_is_cannot_tell():
    rec = reconcile.Reconciliation("App", 1, "google", "2026-11-28T10:00:00Z", scope_size=3,
                                   sample=["a@x", "b@x"], sample_random=2, outsiders=40,
                                   untested={"a@x": "throttled", "b@x": "throttled"})
    assert rec.counts == {"leak": None, "joiner": 0, "leaver": 0, "broken": 0} and rec.failed
    assert rec.confidence().startswith("Leaks: cannot tell")


def test_the_rule_of_three_counts_only_the_random_accounts_that_were_probed():
    sample = ["denied@x", *(f"u{i}@x" for i in range(25))]
    rec = reconcile.Reconciliation("App", 1, "graph", "2026-11-28T10:00:00Z", sample=sample, sample_random=25,
                                   outsiders=500, untested={"u0@x": "throttled", "u1@x": "timed out"})
    text = rec.confidence()
    assert "No leak in 23 accounts drawn at random" in text and "2 accounts drawn could not be probed" in text
    assert "fewer than 13%" in text


def test_a_cancelled_reconciliation_stores_nothing(org, registry, store, ews_app):
    from ec_console.checks import CancelToken, CheckCancelled

    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(CheckCancelled):
        reconcile.reconcile(registry, ews_app, sample_from=[], store=store, cancel=cancel)
    assert reconcile.reconciliations(registry, ews_app.id) == []


def test_cli_apply_joiners_links_them_under_the_reconciliation(org, registry, cli_app, capsys):
    app, members = cli_app
    for box in org.scope_members():
        if box.address not in members and box.address != members[0]:
            org.leave_scope(box.address)
    joiner = next(m.address for m in org.outsiders() if m.behaviour is Behaviour.NORMAL
                  and not m.address.startswith("nested."))
    org.join_scope(joiner)
    code, out, _ = run_cli(capsys, app.name, "--sample-from", "/dev/null", "--apply", "joiners", "--json")
    data = json.loads(out)
    assert [j["email"] for j in data["joiners"]] == [joiner]
    assert [(r["email"], r["action"]) for r in data["applied"]["results"]] == [(joiner, "linked")]
    assert registry.find_profile(app.id, joiner).status == "linked"
    [entry] = [e for e in registry.audit_entries() if e.action == reconcile.AUDIT_JOINER_LINKED]
    assert entry.subject == joiner and json.loads(entry.detail)["reconciliation"] == data["reconciliation_id"]
    assert code == 0


def test_cli_in_german_shows_german_findings_and_keeps_the_json_english(org, registry, cli_app, capsys,
                                                                         tmp_path, monkeypatch):
    from ec_console import i18n

    app, members = cli_app
    org.leave_scope(members[0])
    outsider = [m.address for m in org.outsiders() if m.address != members[0]][0]
    org.leak(outsider)
    listing = tmp_path / "outsiders.txt"
    listing.write_text(f"{outsider}\n", encoding="utf-8")
    i18n.set_language(None)
    runs = []
    for lang in ("en_US.UTF-8", "de_DE.UTF-8"):
        monkeypatch.setenv("LANG", lang)
        code, out, _ = run_cli(capsys, app.name, "--sample-from", str(listing), "--json")
        assert code == 1
        data = json.loads(out)
        data.pop("reconciliation_id"), data.pop("at")          # a new reconciliation each run
        runs.append(data)
    assert runs[0] == runs[1]                                      # --json stays English
    assert runs[1]["joiners"][0]["detail"] == "in the scope, not linked"
    assert runs[1]["confidence"].startswith("1 account outside the scope can be reached")
    code, text, _ = run_cli(capsys, app.name, "--sample-from", str(listing))
    assert code == 1
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0].startswith(f"Abgleich von {app.name} (")
    assert "1 Leck" in lines and "1 Abgang" in lines and "0 fehlerhafte Profile" in lines
    assert any(line.endswith(" Zugänge") for line in lines)
    assert any(line.endswith(": im Bereich, nicht verknüpft") for line in lines)
    leaver = "verknüpft, nicht mehr im Bereich; die Prüfung erreicht es nicht mehr"
    assert any(line.startswith(members[0]) and line.endswith(leaver) for line in lines)
    assert "1 Konto außerhalb des Bereichs erreichbar: Der Bereich wird nicht durchgesetzt." in lines
    leak_fix = next(line for line in lines if line.startswith("Behebung:"))
    assert leak_fix == f"Behebung: Finden Sie, was den Zugriff auf {outsider} gewährt."   # the catalog's
    assert ("Behebung: widerrufen Sie sein Profil (--apply leavers widerruft alle Abgänge). Auf der "
            "Plattform, falls noch nicht geschehen: ") in text
    assert "Remove-DistributionGroupMember" in text                # the platform's command kept
    for english in ("in the scope, not linked", "revoke its profile", "Reconciliation of", "Fix:", "1 leaver",
                    "outside the scope can be reached", "Note:"):
        assert english not in text, english
