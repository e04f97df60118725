"""Saved Microsoft 365 (Graph) applications: `applications add graph` and `check --application NAME`, against
the Graph sandbox. The secret (or a certificate's passphrase) goes to the keychain, never to the registry."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ec_console import cli
from ec_console.registry import Registry
from ec_console.sandbox.graph import GraphSandbox
from ec_console.secrets import default_store, secret_key


@pytest.fixture(scope="module")
def sandbox():
    with GraphSandbox() as box:
        yield box


@pytest.fixture
def info(sandbox, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_CLIENT_SECRET", info.client_secret)
    monkeypatch.delenv("EC_CERT_PASSWORD", raising=False)
    return info


def main(capsys, *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def add(capsys, info, *extra: str, name: str = "M365", client: str | None = None) -> tuple[int, str]:
    return main(capsys, "applications", "add", "graph", "--name", name, "--mailbox", info.mailbox_in_scope,
                "--tenant-id", info.tenant_id, "--client-id", client or info.client_id,
                "--authority", info.authority, "--graph-url", info.graph_url, "--ca-file", info.ca_file,
                "--scope-group", info.scope_group_address, *extra)


def registry_text() -> str:
    """Every byte of the region's registry files, to prove no secret was written there."""
    home = Path(os.environ["EC_CONSOLE_HOME"])
    return "".join(p.read_bytes().decode("latin-1") for p in home.rglob("registry-*"))


def test_a_graph_application_with_a_secret_is_saved_and_checked_by_name(capsys, info):
    code, text = add(capsys, info, "--expect-denied", info.mailbox_out_of_scope, "--json")
    assert code == 0, text
    saved = json.loads(text)
    assert saved["application"]["provider"] == "graph" and saved["report"]["result"] == "pass"
    with Registry.for_region("us") as registry:
        app = registry.find_application("M365")
        assert app.settings["client_id"] == info.client_id
        assert app.settings["scope_group_address"] == info.scope_group_address
        assert app.settings["test_mailbox"] == info.mailbox_in_scope
        assert app.settings["sp_object_id"] == info.service_principal_id  # learnt from the token's oid
    assert default_store().get(secret_key("us", "M365", "client_secret")) == info.client_secret
    assert info.client_secret not in registry_text()

    code, text = main(capsys, "check", "--application", "M365", "--expect-denied", info.mailbox_out_of_scope,
                      "--json")
    report = json.loads(text)
    assert code == 0 and report["provider"] == "graph", text
    assert [s["id"] for s in report["steps"]][-1] == "restriction"
    assert info.client_secret not in text


def test_the_applications_list_names_the_platform(capsys, info):
    assert add(capsys, info)[0] == 0
    code, text = main(capsys, "applications", "list", "--json")
    assert code == 0 and [a["provider"] for a in json.loads(text)] == ["graph"]     # JSON keeps the code
    code, text = main(capsys, "applications", "list")
    header, row = text.splitlines()[:2]
    assert code == 0 and header.split()[:2] == ["NAME", "PLATFORM"]
    assert row.startswith("M365") and "Microsoft 365 (Graph)" in row


def test_a_pfx_certificate_keeps_its_path_in_the_registry_and_its_passphrase_in_the_keychain(
        capsys, info, monkeypatch):
    monkeypatch.delenv("EC_CLIENT_SECRET")
    monkeypatch.setenv("EC_CERT_PASSWORD", info.certificate_password)
    code, text = add(capsys, info, "--certificate", info.certificate_pfx)
    assert code == 0, text
    with Registry.for_region("us") as registry:
        app = registry.find_application("M365")
        assert app.settings["certificate"] == str(Path(info.certificate_pfx).resolve())
    assert default_store().get(secret_key("us", "M365", "certificate_password")) == info.certificate_password
    assert default_store().get(secret_key("us", "M365", "client_secret")) is None
    assert info.certificate_password not in registry_text()
    monkeypatch.delenv("EC_CERT_PASSWORD")
    code, text = main(capsys, "check", "--application", "M365", "--write-probe", "--json")
    report = json.loads(text)
    assert code == 0 and report["steps"][-1]["id"] == "write_probe", text
    auth = next(s for s in report["steps"] if s["id"] == "authenticate")
    assert auth["data"]["credential"] == "certificate"


def test_an_unencrypted_pem_certificate_keeps_nothing_in_the_keychain(capsys, info, monkeypatch):
    monkeypatch.delenv("EC_CLIENT_SECRET")
    code, text = add(capsys, info, "--certificate", info.certificate_pem)
    assert code == 0 and "signs in with the certificate" in text, text
    store = default_store()
    assert store.get(secret_key("us", "M365", "certificate_password")) is None
    code, text = main(capsys, "check", "--application", "M365", "--json")
    assert code == 0 and json.loads(text)["result"] == "pass", text
    key_line = Path(info.certificate_pem).read_text().splitlines()[1]
    assert key_line not in text and key_line not in registry_text()


def test_a_failing_setup_check_saves_nothing(capsys, info):
    code, text = add(capsys, info, client=info.apps["no_role"])
    assert code == 1 and "Nothing was saved" in text
    with Registry.for_region("us") as registry:
        assert registry.find_application("M365") is None
    assert default_store().get(secret_key("us", "M365", "client_secret")) is None


@pytest.mark.parametrize(("args", "fragment"), [
    (("--tenant-id", "not a tenant"), "--tenant-id"),
    (("--graph-url", "ftp://graph.example"), "--graph-url"),
    (("--certificate", "/no/such/file.pem"), "--certificate"),
])
def test_bad_input_is_exit_2_before_any_work(capsys, info, args, fragment):
    base = ["applications", "add", "graph", "--name", "M365", "--mailbox", info.mailbox_in_scope,
            "--tenant-id", info.tenant_id, "--client-id", info.client_id]
    flag = args[0]
    if flag in base:
        base[base.index(flag) + 1] = args[1]
    else:
        base += list(args)
    code, text = main(capsys, *base)
    assert code == 2 and fragment in text and "Traceback" not in text


def test_check_application_refuses_the_graph_connection_flags(capsys, info):
    assert add(capsys, info)[0] == 0
    code, text = main(capsys, "check", "--application", "M365", "--certificate", "x.pem")
    assert code == 2 and "--certificate cannot be changed" in text
