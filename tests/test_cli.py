"""The CLI contract: flags, JSON, exit statuses (DESIGN.md "CLI contract")."""

import json
import os
import subprocess
import sys

import pytest

from ec_console import __version__
from ec_console.cli import main
from ec_console.registry import Registry


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "ec_console", *args], capture_output=True, text=True,
                          timeout=60, env=env)


def test_version_as_a_real_process():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"ec-console {__version__}"


def test_help_names_the_commands_and_exit_statuses(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "profiles" in out and "sandbox" in out
    assert "3 no usable keychain" in " ".join(out.split())


def test_empty_registry_lists_as_an_empty_json_array():
    result = run_cli("profiles", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_empty_registry_human_output_says_so(capsys):
    assert main(["profiles", "list", "--region", "de"]) == 0
    assert "No profiles in region de." in capsys.readouterr().out


def _seed(region: str) -> None:
    with Registry.for_region(region) as reg:
        app = reg.add_application("Calendar sync", "exchange", "contoso.example")
        reg.add_profile(app.id, "ada@contoso.example", "Ada Lovelace")
        reg.add_profile(app.id, "bob@contoso.example", "Bob Builder", status="needs_relink")
        other = reg.add_application("Room finder", "google", "contoso.example")
        reg.add_profile(other.id, "carol@contoso.example", "Carol")


def test_list_filters_sorts_and_keeps_regions_apart(capsys):
    _seed("us")
    assert main(["profiles", "list", "--region", "us", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["email"] for r in rows] == [
        "ada@contoso.example", "bob@contoso.example", "carol@contoso.example"]
    assert rows[0]["application"] == "Calendar sync" and rows[2]["provider"] == "google"

    assert main(["profiles", "list", "--region", "us", "--status", "needs_relink", "--json"]) == 0
    assert [r["email"] for r in json.loads(capsys.readouterr().out)] == ["bob@contoso.example"]

    assert main(["--region", "us", "profiles", "list", "--sort", "email", "--desc", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["email"] == "carol@contoso.example"

    assert main(["profiles", "list", "--region", "us", "--application", "Room finder", "--json"]) == 0
    assert [r["email"] for r in json.loads(capsys.readouterr().out)] == ["carol@contoso.example"]

    assert main(["profiles", "list", "--region", "de", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("region_id", ["us", "de", "uk", "ca", "au", "sg"])
def test_every_data_centre_is_accepted_and_keeps_its_own_profiles(region_id, capsys):
    _seed(region_id)
    assert main(["profiles", "list", "--region", region_id, "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    other = "au" if region_id != "au" else "uk"
    assert main(["--region", other, "profiles", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_an_unknown_region_lists_the_six_data_centres_by_name(capsys):
    assert main(["profiles", "list", "--region", "eu", "--json"]) == 2
    captured = capsys.readouterr()
    for named in ("us (United States)", "de (Germany)", "uk (United Kingdom)", "ca (Canada)",
                  "au (Australia)", "sg (Singapore)"):
        assert named in captured.err
    assert json.loads(captured.out)["error"]["code"] == "bad_input"


def test_region_help_names_the_six_data_centres(capsys):
    assert main(["profiles", "list", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "us, de, uk, ca, au, sg" in help_text


def test_human_table_lists_each_profile(capsys):
    _seed("us")
    assert main(["profiles", "list", "--region", "us", "--search", "BOB"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["EMAIL", "NAME"]
    assert len(out) == 2 and "bob@contoso.example" in out[1] and "needs_relink" in out[1]


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["profiles", "list", "--status", "bogus"], "invalid choice: 'bogus'"),
        (["profiles", "list", "--region", "eu"], "Unknown region 'eu'"),
        (["profiles", "list", "--limit", "0"], "above 0"),
        (["profiles", "list", "--application", "Nope"], "No application named 'Nope'"),
        (["profiles"], "required"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_exit_2_with_one_line_and_a_json_error(argv, fragment, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert fragment in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.out == ""

    assert main([*argv, "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["code"] == "bad_input" and fragment in error["message"]


def test_bad_input_exit_status_from_a_real_process():
    result = run_cli("profiles", "list", "--region", "nowhere", "--json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["code"] == "bad_input"
    assert "Traceback" not in result.stderr


def test_unexpected_error_is_one_line_not_a_traceback(monkeypatch, capsys):
    def boom(self, *a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Registry, "iter_profiles", boom)
    assert main(["profiles", "list"]) == 1
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError: disk on fire" in err
    assert "Traceback" not in err


def test_interrupt_is_exit_130(monkeypatch, capsys):
    def interrupted(self, *a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(Registry, "iter_profiles", interrupted)
    assert main(["profiles", "list"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_sandbox_session_never_touches_the_users_folders_or_keychain(monkeypatch):
    """`ec-console --sandbox` keeps the fictional organisation apart: a throwaway home, the memory store."""
    import ec_console.ui.app as app

    seen = {}

    def fake_gui(region_id, sandbox):
        seen.update(home=os.environ.get("EC_CONSOLE_HOME"),
                    store=os.environ.get("EC_CONSOLE_CREDENTIAL_STORE"), sandbox=sandbox)
        return 0

    monkeypatch.setattr(app, "run_gui", fake_gui)
    monkeypatch.delenv("EC_CONSOLE_HOME")
    monkeypatch.delenv("EC_CONSOLE_CREDENTIAL_STORE", raising=False)
    assert main(["--sandbox"]) == 0
    assert seen["sandbox"] is True and seen["store"] == "memory"
    assert seen["home"] and "ec-console-sandbox-" in seen["home"]


def test_sandbox_session_keeps_a_home_the_user_chose(monkeypatch, ec_home):
    import ec_console.ui.app as app

    seen = {}
    monkeypatch.setattr(app, "run_gui", lambda region_id, sandbox: seen.update(
        home=os.environ.get("EC_CONSOLE_HOME"), store=os.environ.get("EC_CONSOLE_CREDENTIAL_STORE")) or 0)
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "keyring")
    assert main(["--sandbox"]) == 0
    assert seen == {"home": str(ec_home), "store": "memory"}


def test_the_cli_progress_line_says_when_the_run_waits_for_the_platform():
    import io
    import time

    from ec_console.checkall import Pause, Progress
    from ec_console.commands.profiles import ProgressPrinter

    stream = io.StringIO()
    printer = ProgressPrinter(stream, "Linking", every=3600)
    printer.last = time.monotonic()            # a line was just printed: the next one waits an hour...
    counts = {"linked": 1}
    printer(Progress(1, 3, counts, 4.0, 10.0))
    pause = Pause(1, "Contoso EWS", "exchange", 30.0, 30.0, True)
    printer(Progress(1, 3, counts, 4.0, 38.0, 1, (pause,)))   # ...but a new pause is shown at once
    printer(Progress(1, 3, counts, 5.0, 37.0, 1, (Pause(1, "Contoso EWS", "exchange", 30.0, 29.0, True),)))
    assert stream.getvalue().splitlines() == [
        "Linking: 1/3 done (linked 1), about 38 s left — Paused 30 s: Exchange is throttling this service "
        "account"]
