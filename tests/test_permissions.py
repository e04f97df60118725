"""What each registry role may do: the console's table (ec_console/permissions.py), the command line's refusal
before any work, and the same table tried against PostgreSQL's grants as a helpdesk login."""

from __future__ import annotations

import json

import psycopg
import pytest
from cli_run import run
from pg_cluster import seed_one_profile

from ec_console import permissions
from ec_console.errors import ExitStatus, RoleRefused
from ec_console.permissions import ADMIN, HELPDESK, PERMISSIONS
from ec_console.registry import Registry

NOW = "2026-01-01T00:00:00Z"


def test_an_administrator_may_do_everything():
    assert all(permissions.refusal(ADMIN, action) is None for action in PERMISSIONS)


def test_the_helpdesk_runs_checks_imports_credentials_and_reads_the_audit():
    for action in ("check", "check_all", "recheck_application", "monitor_run", "import_credential",
                   "audit_view", "audit_verify", "audit_export"):
        assert permissions.allowed(HELPDESK, action), action


def test_the_helpdesk_is_told_why_in_plain_words():
    assert permissions.refusal(HELPDESK, "revoke_profiles") == \
        "Your registry role is helpdesk: revoking a profile is for an administrator."
    for action in ("add_application", "edit_application", "revoke_application", "link_profiles",
                   "relink_profiles", "reconcile_apply"):
        why = permissions.refusal(HELPDESK, action)
        assert why is not None and why.startswith("Your registry role is helpdesk: ") \
            and why.endswith(" is for an administrator."), action



def test_the_helpdesk_is_told_why_in_german_and_a_window_still_tells_a_refusal_from_other_reasons():
    from ec_console import i18n

    i18n.set_language("de")
    try:
        why = permissions.refusal(HELPDESK, "revoke_profiles")
        assert why == ("Ihre Rolle im Register ist helpdesk: Das Widerrufen eines Profils ist einem "
                       "Administrator vorbehalten.")
        assert permissions.is_refusal(why)
        assert not permissions.is_refusal("Wählen Sie zuerst eine Anwendung aus.")
        with pytest.raises(RoleRefused, match="^Ihre Rolle im Register ist helpdesk: Das Verknüpfen"):
            permissions.require(type("Shared", (), {"role": HELPDESK})(), "link_profiles")
    finally:
        i18n.set_language(None)
    assert permissions.is_refusal(permissions.refusal(HELPDESK, "revoke_profiles"))
    assert not permissions.is_refusal("Select an application first.")

def test_a_registry_that_does_not_say_is_an_administrators():
    class Bare:
        pass

    assert permissions.role_of(Bare()) == ADMIN
    assert permissions.role_of(None) == ADMIN
    permissions.require(Bare(), "revoke_profiles")  # no refusal


def test_the_status_line_names_the_role_the_login_and_the_database():
    class Shared:
        engine, role, signed_in_as, where = "postgresql", "helpdesk", "alex", "db.example.com/ec"

    class Local:
        engine, role = "sqlite", "admin"

    assert permissions.signed_in_label(Shared()) == "Helpdesk · alex on db.example.com/ec"
    assert permissions.signed_in_label(Local()) is None


# ----------------------------------------------------------------------------------------- command line

@pytest.fixture
def seeded():
    with Registry.for_region("us") as registry:
        app = registry.add_application("Contoso EWS", "exchange", "contoso.com", {"ews_url": "https://x/ews"})
        profile = registry.add_profile(app.id, "ann@contoso.com", "Ann")
    return app, profile


@pytest.fixture
def as_helpdesk(monkeypatch):
    """Every registry opened signs in as a helpdesk member (what a PostgreSQL login in ec_helpdesk gets)."""
    opened = Registry.__init__

    def signed_in_as_helpdesk(self, *args, **kwargs):
        opened(self, *args, **kwargs)
        self.role = HELPDESK

    monkeypatch.setattr(Registry, "__init__", signed_in_as_helpdesk)


# Commands a helpdesk member may not run; each would change the registry (or ask for a secret) as an admin.
REFUSED_COMMANDS = {
    "revoke a profile": ("profiles", "revoke", "ann@contoso.com"),
    "relink a profile": ("profiles", "relink", "ann@contoso.com"),
    "link a profile": ("profiles", "link", "--application", "Contoso EWS", "bob@contoso.com"),
    "revoke an application": ("applications", "revoke", "Contoso EWS", "--yes"),
    "rename an application": ("applications", "rename", "Contoso EWS", "Fabrikam"),
    "add an application": ("applications", "add", "exchange", "--name", "New", "--mailbox", "a@new.com",
                           "--ews-url", "https://new.com/EWS/Exchange.asmx", "--username", "svc@new.com"),
    "reconcile": ("applications", "reconcile", "Contoso EWS"),
}


@pytest.mark.parametrize("what", sorted(REFUSED_COMMANDS))
def test_the_command_line_refuses_the_helpdesk_before_any_work(seeded, as_helpdesk, capsys, what):
    code, out, err = run(capsys, *REFUSED_COMMANDS[what], "--region", "us")
    assert code == ExitStatus.STEP_FAILED == 1
    assert err.startswith("ec-console: Your registry role is helpdesk: ")
    assert err.rstrip().endswith("is for an administrator.") and err.count("\n") == 1
    assert out == ""
    with Registry.for_region("us") as registry:
        assert [(a.name, a.status) for a in registry.list_applications()] == [("Contoso EWS", "active")]
        assert [(p.email, p.status) for p in registry.list_profiles()] == [("ann@contoso.com", "linked")]
        assert registry.audit_entries() == []


def test_the_refusal_with_json_is_the_error_object(seeded, as_helpdesk, capsys):
    code, out, err = run(capsys, "profiles", "revoke", "ann@contoso.com", "--region", "us", "--json")
    assert code == 1
    assert json.loads(out) == {"error": {
        "code": "refused_by_role",
        "message": "Your registry role is helpdesk: revoking a profile is for an administrator."}}


def test_the_administrator_is_not_refused(seeded, capsys):
    code, out, err = run(capsys, "profiles", "revoke", "ann@contoso.com", "--region", "us", "--json")
    assert code == 0, err
    with Registry.for_region("us") as registry:
        assert [p.status for p in registry.list_profiles()] == ["revoked"]


def test_the_helpdesk_still_reads_the_audit(seeded, as_helpdesk, capsys):
    code, out, err = run(capsys, "audit", "verify", "--region", "us")
    assert code == 0, err


def test_a_refusal_by_the_database_mid_command_ends_the_same_way(seeded, monkeypatch, capsys):
    """The console let the command start (its role said admin) but the database refused after all."""
    from ec_console import dashboard

    def refused(*_args, **_kwargs):
        raise RoleRefused("Your registry role is helpdesk: revoking a profile is for an administrator.")

    monkeypatch.setattr(dashboard, "revoke_profiles", refused)
    code, out, err = run(capsys, "profiles", "revoke", "ann@contoso.com", "--region", "us", "--json")
    assert code == 1
    assert json.loads(out)["error"]["code"] == "refused_by_role"
    assert "Traceback" not in err


# ------------------------------------------------------------------------------ the table and PostgreSQL

# What each action that touches the registry writes there, as plain SQL: the test's own account of the
# console's writes (dashboard.py, application_edit.py, reconcile.py, monitor.py), tried as a helpdesk login.
# The table says whether PostgreSQL must let it through or refuse it.
REGISTRY_WRITES = {
    "add_application": ["INSERT INTO applications (name, provider, domain, created_at, updated_at) "
                        "VALUES ('Rogue', 'graph', 'x.com', '{now}', '{now}')"],
    "edit_application": ["UPDATE applications SET settings = '{{\"timeout\": 5}}' WHERE id = {app}"],
    "rename_application": ["UPDATE applications SET name = 'Renamed' WHERE id = {app}"],
    "set_scope": ["UPDATE applications SET settings = '{{\"scope_group\": \"g\"}}' WHERE id = {app}"],
    "move_application": ["UPDATE applications SET provider = 'graph' WHERE id = {app}"],
    "remove_application": ["DELETE FROM applications WHERE id = {app}"],
    "revoke_application": ["UPDATE applications SET status = 'revoked' WHERE id = {app}"],
    "rotate_secret": ["INSERT INTO audit (at, os_user, action, subject) "
                      "VALUES ('{now}', 'hank', 'application_secret_rotated', 'Contoso EWS')"],
    "link_profiles": ["INSERT INTO profiles (application_id, email, created_at, updated_at) "
                      "VALUES ({app}, 'new@contoso.com', '{now}', '{now}')"],
    "bulk_link": ["INSERT INTO checks (application_id, kind, result, created_at) "
                  "VALUES ({app}, 'link', 'pass', '{now}')"],
    "revoke_profiles": ["UPDATE profiles SET status = 'revoked' WHERE id = {profile}"],
    "relink_profiles": ["INSERT INTO checks (profile_id, application_id, kind, result, created_at) "
                        "VALUES ({profile}, {app}, 'relink', 'pass', '{now}')"],
    "reconcile": ["INSERT INTO reconciliations (application_id, at, operator) "
                  "VALUES ({app}, '{now}', 'hank')"],
    "reconcile_apply": ["UPDATE profiles SET status = 'revoked' WHERE id = {profile}"],
    "monitor_install": ["INSERT INTO audit (at, os_user, action, subject) "
                        "VALUES ('{now}', 'hank', 'monitor_installed', 'monitor:us')"],
    "monitor_remove": ["INSERT INTO audit (at, os_user, action, subject) "
                       "VALUES ('{now}', 'hank', 'monitor_removed', 'monitor:us')"],
    "check": ["UPDATE profiles SET last_checked_at = '{now}', last_result = 'fail', status = 'needs_relink', "
              "updated_at = '{now}' WHERE id = {profile}",
              "INSERT INTO checks (profile_id, application_id, kind, result, created_at) "
              "VALUES ({profile}, {app}, 'check', 'fail', '{now}')"],
    "check_all": ["INSERT INTO audit (at, os_user, action, subject) "
                  "VALUES ('{now}', 'hank', 'check_all_started', 'check_all:all')",
                  "UPDATE profiles SET last_checked_at = '{now}', last_result = 'pass' WHERE id = {profile}"],
    "recheck_application": ["UPDATE applications SET health = 'ews_blocked', updated_at = '{now}' "
                            "WHERE id = {app}",
                            "INSERT INTO audit (at, os_user, action, subject) "
                            "VALUES ('{now}', 'hank', 'application_checked', 'Contoso EWS')"],
    "monitor_run": ["INSERT INTO health_history (run_id, run_at, application_id, trigger, outcome) "
                    "VALUES ('r1', '{now}', {app}, 'scheduled', 'failed')",
                    "INSERT INTO audit (at, os_user, action, subject) "
                    "VALUES ('{now}', 'hank', 'monitor_run', 'monitor:us')"],
    "import_credential": ["INSERT INTO audit (at, os_user, action, subject) "
                          "VALUES ('{now}', 'hank', 'application_credential_imported', 'Contoso EWS')"],
    "audit_view": ["SELECT * FROM audit"],
    "audit_verify": ["SELECT * FROM audit_head"],
    "audit_export": ["SELECT * FROM audit"],
}


def test_every_action_of_the_table_is_tried_against_the_database():
    assert set(REGISTRY_WRITES) == set(PERMISSIONS)


@pytest.mark.parametrize("action", sorted(REGISTRY_WRITES))
def test_the_table_matches_what_postgresql_lets_the_helpdesk_do(pg_logins, action):
    with pg_logins("admin") as admin:
        app, profile = seed_one_profile(admin, NOW)
        ids = {"app": app, "profile": profile}
    with pg_logins("helpdesk") as helpdesk:
        statements = [s.format(now=NOW, **ids) for s in REGISTRY_WRITES[action]]
        if permissions.allowed(HELPDESK, action):
            with helpdesk.transaction():
                for statement in statements:
                    helpdesk.execute(statement)
        else:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with helpdesk.transaction():
                    for statement in statements:
                        helpdesk.execute(statement)
