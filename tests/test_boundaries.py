"""Boundaries that must hold whatever a check does: TLS stays verified, loopback stays loopback, folders
stay private, and no process-wide insecure switch is ever set.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from exchangelib.protocol import BaseProtocol
from hostile.cli import clear_environment, run_cli, wire_check_command
from hostile.keys import client_config

from ec_console import logs, paths
from ec_console.sandbox import Sandbox

ORIGINAL_ADAPTER = BaseProtocol.HTTP_ADAPTER_CLS
VARIANTS = ("untrusted", "expired", "wrong_name", "http")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("boundaries"), google=True, graph=True) as box:
        for variant in VARIANTS:
            box.variant_url(variant)  # started here, so no test sees their threads start
        yield box


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)
    wire_check_command(monkeypatch)


def _check_with_ca_file(sandbox: Sandbox, capsys, monkeypatch) -> None:
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    run = run_cli(
        capsys,
        [
            "check",
            "exchange",
            "--mailbox",
            info.mailbox_in_scope,
            "--ews-url",
            info.ews_url,
            "--username",
            info.username,
            "--ca-file",
            info.ca_file,
            "--json",
            "--timeout",
            "5",
        ],
        limit=30,
    )
    assert run.code == 0, run.out


# --- TLS verification is never disabled process-wide ------------------------------------------------------


def test_tls_stays_verified_for_everyone_else_after_a_check_with_ca_file(sandbox, capsys, monkeypatch):
    _check_with_ca_file(sandbox, capsys, monkeypatch)
    url = sandbox.info().ews_url
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(url, data=b"", timeout=5)
    host, port = urlsplit(url).hostname, urlsplit(url).port
    with (
        socket.create_connection((host, port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        ssl.create_default_context().wrap_socket(raw, server_hostname=host)
    assert BaseProtocol.HTTP_ADAPTER_CLS is ORIGINAL_ADAPTER
    assert ssl._create_default_https_context is ssl.create_default_context  # noqa: SLF001
    for name in ("PYTHONHTTPSVERIFY", "CURL_CA_BUNDLE_DISABLE"):
        assert name not in os.environ


def test_the_console_never_sets_oauthlib_insecure_transport(sandbox, capsys, monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    _check_with_ca_file(sandbox, capsys, monkeypatch)
    from ec_console.providers.google.signin import AdminSignIn, SignInSettings, load_client_config

    with AdminSignIn(SignInSettings(load_client_config(client_config()))) as sign_in:
        sign_in.begin()
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
    source = "\n".join(
        p.read_text() for p in Path(logs.__file__).parent.rglob("*.py") if "sandbox" not in p.parts
    )
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in source.replace("never sets OAUTHLIB_INSECURE_TRANSPORT", "")


# --- the Google admin sign-in's loopback receiver -------------------------------------------------------


def test_sign_in_receiver_binds_loopback_and_checks_state_and_pkce():
    from ec_console.providers.google.signin import AdminSignIn, SignInSettings, load_client_config

    with AdminSignIn(SignInSettings(load_client_config(client_config()), wait_seconds=1)) as sign_in:
        url = sign_in.begin()
        receiver = sign_in._receiver  # noqa: SLF001 - the boundary under test
        assert receiver is not None
        assert receiver._server.server_address[0] == "127.0.0.1"  # noqa: SLF001
        if Path("/proc/net/tcp").exists():  # Linux lists its sockets: the receiver is among them, on loopback
            assert f"127.0.0.1:{receiver.port}" in _listening_addresses()
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert query["code_challenge_method"] == "S256"
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", query["code_challenge"])
        verifier = sign_in._flow.code_verifier  # noqa: SLF001
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        assert digest == query["code_challenge"]
        state = query["state"]
        assert len(state) >= 32
        base = receiver.redirect_uri
        assert requests.get(f"{base}?state=forged&code=stolen", timeout=5).status_code == 400
        assert requests.get(f"{base}?code=stolen", timeout=5).status_code == 400
        assert receiver.params is None and receiver.rejected == 2
        assert requests.get(f"{base}?state={state}&code=ok", timeout=5).status_code == 200
        assert receiver.params == {"state": state, "code": "ok"}


# --- every sandbox server binds loopback only -----------------------------------------------------------


def _listening_addresses() -> set[str]:
    """'ip:port' of this process's listening TCP sockets, from /proc (empty where /proc is missing)."""
    inodes = set()
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        return set()
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] != "0A" or fields[9] not in inodes:  # 0A = LISTEN
                continue
            address, port = fields[1].split(":")
            raw = bytes.fromhex(address)
            if width == 8:
                ip = socket.inet_ntop(socket.AF_INET, raw[::-1])
            else:
                ip = socket.inet_ntop(
                    socket.AF_INET6, b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                )
            found.add(f"{ip}:{int(port, 16)}")
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs /proc to list listening sockets")
def test_every_sandbox_server_listens_on_loopback_only(sandbox):
    listening = _listening_addresses()
    ports = {
        urlsplit(u).port
        for u in (
            sandbox.info().ews_url,
            sandbox.info().authority,
            sandbox.google.info().api_root if sandbox.google else "",
            sandbox.graph.info().authority if sandbox.graph else "",
            sandbox.graph.info().graph_url if sandbox.graph else "",
        )
    }
    ports |= {urlsplit(sandbox.variant_url(v)).port for v in VARIANTS}
    ours = {a for a in listening if int(a.rsplit(":", 1)[1]) in ports}
    assert len(ours) == len(ports), (ours, ports)
    assert all(a.rsplit(":", 1)[0] == "127.0.0.1" for a in ours), ours


# --- private folders and files --------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_folders_are_0700_and_files_0600(sandbox, capsys, monkeypatch, tmp_path):
    os.umask(0o022)
    _check_with_ca_file(sandbox, capsys, monkeypatch)
    from ec_console.regions import remember_region
    from ec_console.registry import Registry
    from ec_console.secrets import MemoryStore

    remember_region("de")
    with Registry.for_region("us") as registry:
        registry.add_application("Calendar sync", "exchange", "contoso.example")
    MemoryStore().set("us/Calendar%20sync/key", "k" * 5000)  # large: encrypted file in the data folder
    for folder in (paths.config_dir(), paths.data_dir(), paths.log_dir()):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        for path in folder.rglob("*"):
            mode = stat.S_IMODE(path.stat().st_mode)
            if path.is_dir():
                assert mode == 0o700, path
            else:
                assert mode & 0o077 == 0, f"{path} is {oct(mode)}"
    assert list(paths.log_dir().glob("*.log")), "the check wrote no log to check"
