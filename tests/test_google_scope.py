"""Accounts in scope (domain, OU, group), probing one account, and batches under --api-root."""

from __future__ import annotations

import pytest

from ec_console.providers.google.check import (
    DIRECTORY,
    GoogleError,
    GoogleSettings,
    _GoogleCheck,
    enumerate_users,
    probe_user,
)
from ec_console.providers.google.net import Transport
from ec_console.sandbox.google.org import ADMIN, SCOPE_GROUP
from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.tls import generate_tls_material


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("scope-tls"))


@pytest.fixture
def sandbox(tls, tmp_path):
    with GoogleSandbox(tmp_path / "google", tls=tls) as box:
        yield box


def settings(sandbox: GoogleSandbox, **changes: object) -> GoogleSettings:
    info = sandbox.info()
    values: dict[str, object] = {"admin": ADMIN, "user": info.users["ok"], "key_file": info.key_file,
                                 "api_root": info.api_root, "ca_file": info.ca_file, "timeout": 5}
    values.update(changes)
    return GoogleSettings(**values)  # type: ignore[arg-type]


def test_domain_users_are_listed_page_by_page_without_suspended_ones(sandbox):
    listed = [u.email for u in enumerate_users(settings(sandbox))]
    active = [u.primary_email for u in sandbox.org.active_users() if not u.suspended]
    assert sorted(listed) == sorted(active)
    assert sandbox.info().users["suspended"] not in listed
    pages = [r for r in sandbox.requests if r.path.endswith("/admin/directory/v1/users")]
    assert len(pages) >= 1


def test_org_unit_users(sandbox):
    listed = {u.email for u in enumerate_users(settings(sandbox), org_unit="/Executives")}
    expected = {u.primary_email for u in sandbox.org.active_users()
                if u.org_unit_path == "/Executives" and not u.suspended}
    assert listed == expected and listed


def test_group_members_are_expanded_and_suspended_skipped(sandbox):
    scopes = ("https://www.googleapis.com/auth/admin.directory.group.member.readonly",)
    listed = {u.email for u in enumerate_users(settings(sandbox, scopes=scopes), group=SCOPE_GROUP)}
    group = sandbox.org.group(SCOPE_GROUP)
    expected = {m.email for m in sandbox.org.derived_members(group)
                if not sandbox.org.user(m.email).suspended}
    assert listed == expected
    assert sandbox.info().users["suspended"] not in listed


def test_enumeration_as_a_non_admin_is_not_admin(sandbox):
    with pytest.raises(GoogleError) as err:
        list(enumerate_users(settings(sandbox, admin=sandbox.info().non_admin_email)))
    assert err.value.diagnosis.code == "not_admin"


def test_probe_reads_busy_blocks_or_says_why_not(sandbox):
    ok = probe_user(settings(sandbox), sandbox.info().users["ok"])
    assert ok.ok and ok.busy and ok.diagnosis is None
    suspended = probe_user(settings(sandbox), sandbox.info().users["not_calendar_user"])
    assert not suspended.ok and suspended.diagnosis.code == "calendar_not_enabled"
    sandbox.delete_key()
    broken = probe_user(settings(sandbox), sandbox.info().users["ok"])
    assert broken.diagnosis.code == "key_invalid_signature"


def test_batches_go_to_the_api_root(sandbox):
    s = settings(sandbox)
    answers: dict[str, object] = {}
    with Transport(timeout=5, ca_file=s.ca_file) as transport:
        check = _GoogleCheck(s, transport)
        check.key()
        session = check.session
        creds = session.token(["https://www.googleapis.com/auth/admin.directory.user.readonly"], ADMIN)
        service = session.service(DIRECTORY, creds)
        batch = session.batch(DIRECTORY,
                              callback=lambda rid, resp, exc: answers.__setitem__(rid, resp or exc))
        for n, user in enumerate((sandbox.info().users["ok"], sandbox.info().users["suspended"])):
            batch.add(service.users().get(userKey=user, fields="primaryEmail,suspended"), request_id=str(n))
        batch.execute(http=service._http)
    assert answers["1"]["suspended"] is True and answers["0"]["suspended"] is False
    assert any(r.path == "/batch" for r in sandbox.requests)


# --- who is pre-ticked when accounts are found --------------------------------------------------------------


def test_the_domain_listing_says_who_is_an_administrator_or_an_executive(sandbox):
    from ec_console.providers.google.check import account_role

    listed = {u.email: u for u in enumerate_users(settings(sandbox))}
    truth = {u.primary_email: u for u in sandbox.org.active_users()}
    assert all(user.screened for user in listed.values())
    for email, user in listed.items():
        expected = ("super administrator" if truth[email].is_admin else
                    "administrator" if truth[email].is_delegated_admin else
                    "executive" if truth[email].org_unit_path == "/Executives" or
                    truth[email].title.startswith("Vice President") else "")
        assert account_role(user) == expected, email
    assert account_role(listed[ADMIN]) == "super administrator"
    titled = {u.primary_email for u in truth.values() if u.title}
    assert titled and all(listed[e].title == truth[e].title for e in titled)     # read from organizations
    assert {e for e, u in listed.items() if account_role(u) == "executive"} == {
        u.primary_email for u in truth.values() if u.org_unit_path == "/Executives"} | titled
    fields = next(r for r in sandbox.requests if r.path.endswith("/admin/directory/v1/users")).query["fields"]
    assert "isAdmin" in fields[0] and "isDelegatedAdmin" in fields[0]


def test_group_members_are_not_screened(sandbox):
    scopes = ("https://www.googleapis.com/auth/admin.directory.group.member.readonly",)
    members = list(enumerate_users(settings(sandbox, scopes=scopes), group=SCOPE_GROUP))
    assert members and not any(m.screened for m in members)


@pytest.mark.parametrize(("org_unit", "title", "role"), [
    ("/Sales", "Account Manager", ""),
    ("/Sales", "Sales Director", ""),
    ("/Sales", "Chief Financial Officer", "executive"),
    ("/Sales", "VP Engineering", "executive"),
    ("/Leadership/EMEA", "", "executive"),
    ("/Executive", "", "executive"),
    ("/Executive Assistants Pool", "Assistant", ""),
])
def test_an_executive_is_told_by_the_unit_or_the_title(org_unit, title, role):
    from ec_console.providers.google.check import DirectoryUser, account_role

    user = DirectoryUser("a@example.com", "A", org_unit, False, title=title, screened=True)
    assert account_role(user) == role


def test_nothing_is_pre_ticked_beyond_a_handful_and_never_an_admin_or_an_unscreened_account():
    from ec_console.providers.base import Account, Enumeration

    few = Enumeration([Account("ann@x.com", screened=True), Account("root@x.com", role="super administrator",
                                                                    screened=True),
                       Account("ceo@x.com", role="executive", screened=True), Account("grp@x.com")])
    assert few.preselected() == {"ann@x.com"}
    many = Enumeration([Account(f"user{i}@x.com", screened=True) for i in range(6)])
    assert many.preselected() == set()
    five = Enumeration([Account(f"user{i}@x.com", screened=True) for i in range(5)])
    assert len(five.preselected()) == 5
