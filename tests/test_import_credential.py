"""`ec-console applications import-credential`: an application already in the (shared) registry gets its
credential into *this desktop's* keychain, after the setup check passes, without the application's row
changing (a helpdesk login cannot edit applications). Against the EWS, Google and Graph sandboxes, with the
in-memory keychain (EC_CONSOLE_CREDENTIAL_STORE=memory); the helpdesk's right to audit the import on
PostgreSQL (schema `CREDENTIAL_IMPORT_VERSION`) against a real throwaway cluster."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import psycopg
import pytest
from cli_run import run
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sandbox_setup import sandbox_fixture

from ec_console import registry_pg as pg
from ec_console.registry import CREDENTIAL_IMPORT_VERSION, SCHEMA_VERSION, Registry
from ec_console.sandbox import Sandbox
from ec_console.sandbox.graph import GraphSandbox
from ec_console.secrets import default_store, secret_key

pytestmark = pytest.mark.slow

IMPORTED = "application_credential_imported"


@pytest.fixture(autouse=True)
def memory_store(monkeypatch):
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")


sandbox = sandbox_fixture("module")


def _row(name: str) -> tuple:
    """The application's row as the registry holds it (what an import must leave alone)."""
    with Registry.for_region("us") as registry:
        app = registry.find_application(name)
        return app.settings, app.status, app.health, app.updated_at


def _imports(name: str) -> list:
    with Registry.for_region("us") as registry:
        return [e for e in registry.audit_entries(subject=name) if e.action == IMPORTED]


def _add_ews(capsys, monkeypatch, info) -> None:
    monkeypatch.setenv("EC_PASSWORD", info.password)
    code, out, err = run(capsys, "applications", "add", "exchange", "--name", "Sandbox EWS", "--mailbox",
                         info.mailbox_in_scope, "--ews-url", info.ews_url, "--username", info.username,
                         "--ca-file", info.ca_file, "--region", "us")
    assert code == 0, out + err


def test_a_desktop_without_the_password_imports_it_after_the_check(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    _add_ews(capsys, monkeypatch, info)
    key = secret_key("us", "Sandbox EWS", "password")
    store = default_store()
    store.delete(key)                    # another desktop: the registry is shared, the keychain not
    before = _row("Sandbox EWS")
    # the check runs first: a wrong password is not stored and nothing is audited
    monkeypatch.setenv("EC_PASSWORD", "Wrong-Password-2")
    code, out, err = run(capsys, "applications", "import-credential", "Sandbox EWS", "--region", "us",
                         "--json")
    result = json.loads(out)
    assert code == 1 and result["imported"] is False
    assert result["report"]["result"] == "fail"
    assert store.get(key) is None and not _imports("Sandbox EWS")
    assert "Wrong-Password-2" not in out + err
    # the right one: stored in this desktop's keychain, audited with this computer and user, never itself
    monkeypatch.setenv("EC_PASSWORD", info.password)
    code, out, err = run(capsys, "applications", "import-credential", "Sandbox EWS", "--region", "us")
    assert code == 0, out + err
    assert "in this desktop's keychain" in out and info.password not in out + err
    assert store.get(key) == info.password
    [entry] = _imports("Sandbox EWS")
    assert socket.gethostname() in entry.detail and entry.os_user in entry.detail
    assert info.mailbox_in_scope in entry.detail and info.password not in entry.detail
    assert _row("Sandbox EWS") == before            # the application itself is untouched
    # the stored password works for the console's own checks
    code, out, err = run(capsys, "applications", "recheck", "Sandbox EWS", "--region", "us")
    assert code == 0, out + err
    # importing again over a working one says it replaced it
    code, out, _ = run(capsys, "applications", "import-credential", "Sandbox EWS", "--region", "us", "--json")
    assert code == 0 and json.loads(out)["replaced"] is True
    assert "replaces the one that was there" in _imports("Sandbox EWS")[0].detail


def test_refusals_are_exit_2_before_any_request(sandbox, capsys, monkeypatch, tmp_path):
    info = sandbox.info()
    _add_ews(capsys, monkeypatch, info)
    before = len(sandbox.requests)
    code, _, err = run(capsys, "applications", "import-credential", "Nope", "--region", "us")
    assert code == 2 and "No application named 'Nope'" in err
    key = tmp_path / "key.json"
    key.write_text("{}")
    code, _, err = run(capsys, "applications", "import-credential", "Sandbox EWS", "--key-file", str(key),
                       "--region", "us")
    assert code == 2 and "--key-file is for Google" in err
    code, _, err = run(capsys, "applications", "import-credential", "Sandbox EWS", "--certificate", str(key),
                       "--region", "us")
    assert code == 2 and "--certificate is for Microsoft 365 (Graph)" in err
    monkeypatch.delenv("EC_PASSWORD")
    monkeypatch.setattr("sys.stdin", open("/dev/null"))
    code, _, err = run(capsys, "applications", "import-credential", "Sandbox EWS", "--region", "us")
    assert code == 2 and "EC_PASSWORD" in err
    with Registry.for_region("us") as registry:
        app = registry.find_application("Sandbox EWS")
        registry.update_application(app.id, status="revoked")
    monkeypatch.setenv("EC_PASSWORD", info.password)
    code, _, err = run(capsys, "applications", "import-credential", "Sandbox EWS", "--region", "us")
    assert code == 2 and "revoked" in err
    assert len(sandbox.requests) == before
    assert not _imports("Sandbox EWS")


def test_a_google_key_of_another_service_account_is_refused(capsys, tmp_path):
    with Sandbox(google=True) as sb:
        info = sb.google.info()
        code, out, err = run(capsys, "applications", "add", "google", "--name", "Workspace", "--key-file",
                             str(info.key_file), "--admin", info.admin_email, "--user", info.users["ok"],
                             "--api-root", info.api_root, "--ca-file", str(info.ca_file), "--region", "us")
        assert code == 0, out + err
        key = secret_key("us", "Workspace", "key")
        default_store().delete(key)
        text = Path(info.key_file).read_text()
        other = json.loads(text)
        other["client_email"] = "someone-else@other-project.iam.gserviceaccount.com"
        foreign = tmp_path / "other.json"
        foreign.write_text(json.dumps(other))
        code, _, err = run(capsys, "applications", "import-credential", "Workspace", "--key-file",
                           str(foreign), "--region", "us")
        assert code == 2 and "someone-else@other-project.iam.gserviceaccount.com" in err
        assert "service account" in err and default_store().get(key) is None
        code, _, err = run(capsys, "applications", "import-credential", "Workspace", "--region", "us")
        assert code == 2 and "--key-file" in err
        code, out, err = run(capsys, "applications", "import-credential", "Workspace", "--key-file",
                             str(info.key_file), "--region", "us")
        assert code == 0, out + err
        assert default_store().get(key) == text
        assert json.loads(text)["private_key"] not in out + err
        assert len(_imports("Workspace")) == 1


# --- Microsoft 365 (Graph): the certificate, the recommended way to share -----------------------------------


@pytest.fixture(scope="module")
def graph():
    with GraphSandbox() as box:
        yield box


def _sha256(pem_file: str) -> str:
    cert = x509.load_pem_x509_certificate(Path(pem_file).read_bytes())
    return cert.fingerprint(hashes.SHA256()).hex().upper()


def _add_graph(capsys, monkeypatch, info) -> None:
    monkeypatch.setenv("EC_CERT_PASSWORD", info.certificate_password)
    code, out, err = run(capsys, "applications", "add", "graph", "--name", "M365", "--mailbox",
                         info.mailbox_in_scope, "--tenant-id", info.tenant_id, "--client-id", info.client_id,
                         "--authority", info.authority, "--graph-url", info.graph_url, "--ca-file",
                         info.ca_file, "--certificate", info.certificate_pfx, "--region", "us")
    assert code == 0, out + err
    monkeypatch.delenv("EC_CERT_PASSWORD")


def test_a_graph_certificate_is_imported_into_the_keychain(graph, capsys, monkeypatch):
    info = graph.info()
    _add_graph(capsys, monkeypatch, info)
    key = secret_key("us", "M365", "certificate_password")
    store = default_store()
    store.delete(key)                              # this desktop has neither the passphrase nor the file
    # `add --certificate` records the certificate's thumbprint; an application saved before it did has none,
    # and then it is the check that refuses a certificate the app registration does not know
    assert _row("M365")[0]["certificate_thumbprint"] == _sha256(info.certificate_pem)
    with Registry.for_region("us") as registry:
        app = registry.find_application("M365")
        registry.update_application(app.id, settings={k: v for k, v in app.settings.items()
                                                      if k != "certificate_thumbprint"})
    before = _row("M365")
    code, _, err = run(capsys, "applications", "import-credential", "M365", "--region", "us")
    assert code == 2 and "--certificate" in err
    # a certificate that is not registered on the app: the check fails, nothing is stored
    code, out, _ = run(capsys, "applications", "import-credential", "M365", "--certificate",
                       info.certificate_unregistered_pem, "--region", "us", "--json")
    assert code == 1 and json.loads(out)["imported"] is False
    assert store.get(key) is None
    # the PFX with its passphrase: the certificate itself goes to the keychain
    monkeypatch.setenv("EC_CERT_PASSWORD", info.certificate_password)
    code, out, err = run(capsys, "applications", "import-credential", "M365", "--certificate",
                         info.certificate_pfx, "--region", "us")
    assert code == 0, out + err
    monkeypatch.delenv("EC_CERT_PASSWORD")
    kept = store.get(key)
    private_key = [line for line in Path(info.certificate_pem).read_text().splitlines()
                   if line and not line.startswith("-----")][-3]
    assert "-----BEGIN CERTIFICATE-----" in kept and "PRIVATE KEY-----" in kept
    assert private_key not in out + err
    assert info.certificate_password not in out + err
    [entry] = _imports("M365")
    assert entry.detail.startswith("certificate imported on ")
    assert _row("M365") == before
    code, out, err = run(capsys, "applications", "recheck", "M365", "--region", "us")
    assert code == 0, out + err


def test_rotate_records_the_thumbprint_and_an_import_of_another_certificate_is_refused(graph, capsys,
                                                                                      monkeypatch):
    info = graph.info()
    _add_graph(capsys, monkeypatch, info)
    code, out, err = run(capsys, "applications", "rotate-secret", "M365", "--certificate",
                         info.certificate_pem, "--region", "us")
    assert code == 0, out + err
    assert "The new certificate of 'M365' is in the keychain" in out
    settings = _row("M365")[0]
    assert settings["certificate_thumbprint"] == _sha256(info.certificate_pem)
    before = len(graph.requests)
    code, _, err = run(capsys, "applications", "import-credential", "M365", "--certificate",
                       info.certificate_unregistered_pem, "--region", "us")
    assert code == 2 and _sha256(info.certificate_unregistered_pem) in err and "thumbprint" in err
    assert len(graph.requests) == before
    code, _, err = run(capsys, "applications", "import-credential", "M365", "--key-file",
                       info.certificate_pem, "--region", "us")
    assert code == 2 and "--key-file is for Google" in err


class _Terminal:
    """A stdin that is a terminal (the passphrase prompt is allowed)."""

    def isatty(self) -> bool:
        return True


def test_a_pfx_passphrase_is_asked_for_on_a_terminal(graph, capsys, monkeypatch):
    info = graph.info()
    _add_graph(capsys, monkeypatch, info)
    key = secret_key("us", "M365", "certificate_password")
    default_store().delete(key)
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return info.certificate_password

    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", prompt)
    code, out, err = run(capsys, "applications", "import-credential", "M365", "--certificate",
                         info.certificate_pfx, "--region", "us")
    assert code == 0, out + err
    assert asked == ["The certificate's passphrase: "]
    assert info.certificate_password not in out + err
    assert "-----BEGIN CERTIFICATE-----" in default_store().get(key)


# --- PostgreSQL: the helpdesk may audit an import, nothing more ------------------------------------------


def test_both_engines_name_the_step():
    assert SCHEMA_VERSION >= CREDENTIAL_IMPORT_VERSION
    assert pg.PG_SCHEMA_VERSION >= CREDENTIAL_IMPORT_VERSION
    assert IMPORTED in pg.HELPDESK_AUDIT_ACTIONS


def _append(conn, action: str) -> None:
    conn.execute("INSERT INTO audit (at, os_user, action, subject, detail) VALUES "
                 "('2026-12-03T10:00:00Z', 'hank', %s, 'M365', 'certificate imported on desk-7 by hank')",
                 (action,))


def test_the_helpdesk_appends_an_import_but_still_no_admin_action(pg_logins):
    with pg_logins("helpdesk") as helpdesk:
        _append(helpdesk, IMPORTED)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _append(helpdesk, "application_secret_rotated")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            helpdesk.execute("UPDATE applications SET settings = '{}'")
        rows = helpdesk.execute("SELECT action, db_session_user FROM audit").fetchall()
    assert rows == [(IMPORTED, pg_logins.names["helpdesk"])]


def test_upgrading_a_registry_gives_the_helpdesk_the_right_to_audit_an_import(pg_cluster, pg_database):
    def allowed(conn) -> bool:
        check = conn.execute("SELECT with_check FROM pg_policies WHERE tablename = 'audit' AND "
                             "policyname = 'ec_helpdesk_appends'").fetchone()[0]
        return IMPORTED in check

    older = [a for a in pg.HELPDESK_AUDIT_ACTIONS if a != IMPORTED]
    with pg.connect(pg_cluster.url(pg_database)) as conn:
        pg.initialise(conn)
        # a registry set up before the step: its policy without the import, its schema one step older
        with conn.transaction():
            conn.execute("ALTER POLICY ec_helpdesk_appends ON audit WITH CHECK (action IN ("
                         + ", ".join(f"'{a}'" for a in older) + "))")
            conn.execute(f"UPDATE {pg.META_TABLE} SET schema_version = %s", (CREDENTIAL_IMPORT_VERSION - 1,))
        assert not allowed(conn)
        with conn.transaction():                 # the step alone widens the policy in place
            before, after = pg.migrate(conn, CREDENTIAL_IMPORT_VERSION)
        assert (before, after) == (CREDENTIAL_IMPORT_VERSION - 1, CREDENTIAL_IMPORT_VERSION)
        assert allowed(conn)


def test_the_step_is_harmless_on_a_registry_without_roles(pg_cluster, pg_database):
    with pg.connect(pg_cluster.url(pg_database)) as conn:
        with conn.transaction():
            assert pg.migrate(conn, CREDENTIAL_IMPORT_VERSION) == (None, CREDENTIAL_IMPORT_VERSION)
        assert conn.execute("SELECT COUNT(*) FROM pg_policies WHERE tablename = 'audit'").fetchone()[0] == 0
