"""The check CLI on a terminal and for a helpdesk: each step printed as it finishes when stdout is a terminal
(and the output unchanged otherwise), a secret prompt that says whose secret it asks for, and
`ec-console check --application NAME --mailbox ADDR` through a saved application (against the sandbox)."""

from __future__ import annotations

import io
import json

import pytest
from cli_run import run

from ec_console import cli
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.wizard import Platform, SetupFlow


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as box:
        yield box


class Terminal(io.StringIO):
    """stdout that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def exchange_args(info, *extra: str) -> list[str]:
    return ["check", "exchange", "--mailbox", info.mailbox_in_scope, "--ews-url", info.ews_url,
            "--username", info.username, "--ca-file", info.ca_file, "--timeout", "5", *extra]


def record_what_was_printed_as_each_step_finished(monkeypatch, stdout: io.StringIO) -> list[tuple[str, str]]:
    """Wrap the check's observer: for each finished step, (its title, what stdout held right then)."""
    from ec_console.providers.exchange import check as exchange

    seen: list[tuple[str, str]] = []
    real = exchange.run_exchange_check

    def wrapped(settings, secret, *, observer=None, **kwargs):
        def spy(step):
            if observer is not None:
                observer(step)
            seen.append((step.title, stdout.getvalue()))
        return real(settings, secret, observer=spy, **kwargs)

    monkeypatch.setattr(exchange, "run_exchange_check", wrapped)
    return seen


def test_on_a_terminal_each_step_is_printed_when_it_finishes(sandbox, monkeypatch):
    info = sandbox.info()
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    monkeypatch.setenv("EC_PASSWORD", info.password)
    monkeypatch.setenv("NO_COLOR", "1")
    seen = record_what_was_printed_as_each_step_finished(monkeypatch, terminal)
    assert cli.main(exchange_args(info)) == 0
    assert len(seen) >= 5
    for index, (title, printed) in enumerate(seen):
        assert title in printed                                   # this step's line is already out
        assert all(later not in printed for later, _ in seen[index + 1:] if later != title)
        assert "Result:" not in printed and "Verdict:" not in printed   # the run has not finished yet
    first = seen[0][1]
    assert first.startswith(f"Exchange check of {info.mailbox_in_scope}\n")
    assert "Run by:" in first and "Platform:" in first              # the header comes before the steps
    out = terminal.getvalue()
    assert out.rstrip().endswith("Verdict: Reachable: impersonation works and the calendar can be read")
    assert out.count("Find the EWS endpoint") == 1                  # nothing printed twice


def test_without_a_terminal_the_whole_report_is_printed_at_the_end(sandbox, monkeypatch):
    info = sandbox.info()
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stdout", pipe)
    monkeypatch.setenv("EC_PASSWORD", info.password)
    seen = record_what_was_printed_as_each_step_finished(monkeypatch, pipe)
    assert cli.main(exchange_args(info)) == 0
    assert all(printed == "" for _title, printed in seen)           # nothing while the check runs
    lines = pipe.getvalue().rstrip().splitlines()
    assert lines[0].startswith(f"Exchange check of {info.mailbox_in_scope} (started ")
    assert lines[1].split(":", 1)[0].strip() == "Verdict"
    assert lines[-1].startswith("Result: PASS")


def test_json_on_a_terminal_is_one_json_document(sandbox, monkeypatch):
    info = sandbox.info()
    terminal = Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    monkeypatch.setenv("EC_PASSWORD", info.password)
    assert cli.main(exchange_args(info, "--json")) == 0
    report = json.loads(terminal.getvalue())
    assert report["result"] == "pass" and report["header"]["application"] is None


def test_the_prompt_says_whose_password_or_client_secret_it_asks_for(sandbox, monkeypatch, capsys):
    import getpass
    import sys

    info = sandbox.info()
    prompts: list[str] = []

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return info.password

    monkeypatch.delenv("EC_PASSWORD", raising=False)
    monkeypatch.setattr(getpass, "getpass", answer)
    monkeypatch.setattr(sys, "stdin", Terminal())
    assert cli.main(exchange_args(info, "--json")) == 0
    assert prompts == [f"Password for {info.username}: "]

    from ec_console.commands.check import read_secret

    asked: list[str] = []
    read_secret(True, environ={}, interactive=True, whose="app 3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01",
                prompt=lambda text: asked.append(text) or "x-secret")
    assert asked == ["Client secret for app 3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01: "]
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    assert cli.main(exchange_args(info)) == 2
    assert f"no password for {info.username}: set EC_PASSWORD" in capsys.readouterr().err


# --- check --application NAME ------------------------------------------------------------------------------


@pytest.fixture
def saved_app(sandbox):
    flow = SetupFlow("us")
    flow.choose_platform(Platform.ONPREM)
    flow.fill_from_sandbox(sandbox.info())
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    with Registry.for_region("us") as registry:
        return flow.save(registry)


def test_a_saved_application_is_checked_with_nothing_re_entered(sandbox, saved_app, monkeypatch, capsys,
                                                                 tmp_path):
    monkeypatch.delenv("EC_PASSWORD", raising=False)               # the secret comes from the keychain
    info = sandbox.info()
    report_file = tmp_path / "ticket.html"
    code, out, err = run(capsys, "check", "--application", saved_app.name, "--mailbox", info.mailbox_in_scope,
                         "--expect-denied", info.mailbox_out_of_scope, "--region", "us", "--json",
                         "--report", str(report_file))
    assert code == 0, err
    report = json.loads(out)
    assert report["target"] == info.mailbox_in_scope and report["result"] == "pass"
    assert [s["id"] for s in report["steps"]][-1] == "restriction"
    assert report["header"]["application"] == saved_app.name
    assert report["header"]["platform"] == "Exchange on-premises (EWS)"
    assert report["header"]["region"] == "United States (US)"
    page = report_file.read_text(encoding="utf-8")
    assert saved_app.name in page and info.password not in page
    # Without --mailbox: the application's own test mailbox; a failing mailbox exits 1.
    code, out, _err = run(capsys, "check", "--application", saved_app.name, "--json")
    assert code == 0 and json.loads(out)["target"] == saved_app.settings["test_mailbox"]
    code, out, _err = run(capsys, "check", "--application", saved_app.name, "--mailbox",
                          info.mailbox_out_of_scope, "--json")
    assert code == 1 and json.loads(out)["header"]["verdict"].startswith("Not reachable: ")


def test_an_unknown_application_is_refused_with_the_known_names(saved_app, capsys):
    code, out, err = run(capsys, "check", "--application", "Nope", "--mailbox", "a@b.example", "--json")
    assert code == 2
    assert "no application named 'Nope'" in err and repr(saved_app.name) in err
    assert json.loads(out)["error"]["code"] == "bad_input"


def test_a_revoked_application_is_refused(saved_app, capsys):
    with Registry.for_region("us") as registry:
        registry.update_application(saved_app.id, status="revoked")
    code, _out, err = run(capsys, "check", "--application", saved_app.name, "--mailbox", "a@b.example")
    assert code == 2 and "is revoked" in err


def test_no_secret_in_the_keychain_is_a_clear_refusal(saved_app, capsys):
    from ec_console.secrets import default_store, secret_key

    default_store().delete(secret_key("us", saved_app.name, "password"))
    code, _out, err = run(capsys, "check", "--application", saved_app.name, "--mailbox", "a@b.example")
    assert code == 2 and f"the keychain holds no secret for the application {saved_app.name!r}" in err


@pytest.mark.parametrize("extra", [["--ews-url", "https://mail.example/EWS/Exchange.asmx"],
                                   ["--username", "CONTOSO\\other"], ["--no-impersonation"]])
def test_connection_flags_cannot_override_the_saved_settings(saved_app, capsys, extra):
    code, _out, err = run(capsys, "check", "--application", saved_app.name, *extra)
    assert code == 2 and f"{extra[0]} cannot be changed for 'check --application'" in err


def test_application_and_a_provider_are_one_or_the_other(sandbox, saved_app, capsys):
    provider_args = exchange_args(sandbox.info())[1:]
    code, _out, err = run(capsys, "check", "--application", saved_app.name, *provider_args)
    assert code == 2 and "--application takes no PROVIDER" in err
    code, _out, err = run(capsys, "check")
    assert code == 2 and "--application NAME" in err
