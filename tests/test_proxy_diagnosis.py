"""A proxy that demands its own sign-in (HTTP 407): the diagnosis names the proxy the console really used
(without any credentials written in its URL) and where that setting came from, and tells how to read it.

What Python reads (the console uses requests, which asks urllib): "getproxies() ... scans the environment
for variables named <scheme>_proxy ... and when it cannot find it, looks for proxy information from System
Configuration for macOS and Windows Systems Registry for Windows"
(https://docs.python.org/3/library/urllib.request.html#urllib.request.getproxies); on Windows that is the
current user's Internet Settings key (ProxyEnable, ProxyServer, ProxyOverride), not the WinHTTP proxy that
`netsh winhttp show proxy` prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile import server as hs
from hostile.cli import clear_environment, run_cli, wire_check_command
from hostile.keys import write_key_file

from ec_console.diagnoses import diagnose
from ec_console.providers import transport

PASSWORD = "Hostile-Server-Pass-7!"
PROXY_USER = "proxy-alice"
PROXY_PASSWORD = "Pr0xy-Secret-42"
REGISTRY_READ = ("Get-ItemProperty 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet "
                 "Settings' | Select-Object ProxyServer,ProxyEnable,ProxyOverride")


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_environment(monkeypatch)
    wire_check_command(monkeypatch)
    monkeypatch.setenv("EC_PASSWORD", PASSWORD)


def _argv(provider: str, tmp_path: Path) -> list[str]:
    if provider == "exchange":
        return ["check", "exchange", "--mailbox", "ada@contoso.example", "--ews-url",
                "https://mail.contoso.example/EWS/Exchange.asmx", "--username", "CONTOSO\\svc-calendar",
                "--auth", "basic", "--json", "--timeout", "1"]
    key = write_key_file(tmp_path, "https://oauth2.googleapis.com/token")
    return ["check", "google", "--key-file", str(key), "--admin", "admin@contoso.example", "--user",
            "ada@contoso.example", "--api-root", "https://www.googleapis.com/", "--json", "--timeout", "1"]


@pytest.mark.parametrize("provider", ["exchange", "google"])
def test_407_names_the_proxy_used_without_its_credentials_and_the_environment_variable(
        provider, capsys, tmp_path, monkeypatch):
    with hs.proxy_server() as proxy:                     # answers 407 with Proxy-Authenticate: Basic
        port = proxy.port
        monkeypatch.setenv("HTTPS_PROXY", f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{port}")
        run = run_cli(capsys, _argv(provider, tmp_path), limit=20)
    assert proxy.requests, "the check did not go through the proxy"
    failure = run.failure()
    diagnosis = failure["diagnosis"]
    assert diagnosis["code"] == "proxy_auth_required"
    assert f"http://127.0.0.1:{port}" in diagnosis["cause"]
    assert "HTTPS_PROXY" in diagnosis["cause"]                       # where the setting came from
    everything = run.out + run.err
    assert PROXY_PASSWORD not in everything and PROXY_USER not in everything
    assert not any("netsh" in c for c in diagnosis["commands"])    # not the proxy Python uses
    assert REGISTRY_READ in diagnosis["commands"]


def test_without_a_proxy_variable_the_source_is_the_operating_systems_setting(monkeypatch):
    # urllib reads the registry (Windows) or System Configuration (macOS) only when no <scheme>_proxy
    # variable is set.
    monkeypatch.setattr(transport.sys, "platform", "win32")
    assert "Windows Internet Options" in transport.proxy_origin("https://mail.contoso.example/EWS/Exchange.asmx")
    monkeypatch.setattr(transport.sys, "platform", "darwin")
    assert "macOS" in transport.proxy_origin("https://mail.contoso.example/EWS/Exchange.asmx")
    url = "https://mail.contoso.example/EWS/Exchange.asmx"
    monkeypatch.setenv("https_proxy", "http://proxy.contoso.example:8080")
    assert transport.proxy_origin(url) == "the environment variable https_proxy"
    monkeypatch.delenv("https_proxy")
    monkeypatch.setenv("ALL_PROXY", "http://proxy.contoso.example:8080")
    assert transport.proxy_origin(url) == "the environment variable ALL_PROXY"


def test_the_fix_without_names_still_says_where_to_look():
    d = diagnose("proxy_auth_required")
    assert REGISTRY_READ in d.commands and not any("netsh" in c for c in d.commands)
    assert "HTTPS_PROXY" in d.remediation and "NO_PROXY" in d.remediation
