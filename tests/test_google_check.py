"""`ec-console check google` end to end against the Google sandbox, one misconfiguration per test."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ec_console import cli
from ec_console.commands import check_google
from ec_console.sandbox.google.org import ADMIN, DELEGATED_ADMIN
from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.google.state import SCOPE_CALENDAR, SCOPE_DIRECTORY_USER_READONLY
from ec_console.sandbox.tls import generate_tls_material

SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def build_wired_parser(original=cli.build_parser) -> argparse.ArgumentParser:
    """The console's parser with `check google` wired in (what the lead adds to cli.py)."""
    parser = original()
    sub = _subparsers(parser)
    if "check" not in sub.choices:
        from ec_console.commands import check

        check.register(sub)
    providers = _subparsers(sub.choices["check"])
    if "google" not in providers.choices:
        check_google.register(providers)
    return parser


@pytest.fixture(autouse=True)
def wired_cli(monkeypatch):
    original = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: build_wired_parser(original))


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("google-tls"))


@pytest.fixture
def os_trust(tls, tmp_path, monkeypatch):
    """The sandbox CA installed in the 'OS store' (OpenSSL's SSL_CERT_FILE); REQUESTS_CA_BUNDLE left pointing
    at the system bundle, which does not hold it, as on a corporate desktop."""
    bundle = tmp_path / "os-store.pem"
    system = SYSTEM_BUNDLE.read_text() if SYSTEM_BUNDLE.is_file() else ""
    bundle.write_text(system + "\n" + Path(tls.ca_file).read_text())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    if SYSTEM_BUNDLE.is_file():
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(SYSTEM_BUNDLE))
        monkeypatch.setenv("CURL_CA_BUNDLE", str(SYSTEM_BUNDLE))
    return bundle


@pytest.fixture
def sandbox(tls, tmp_path, os_trust):
    with GoogleSandbox(tmp_path / "google", tls=tls) as box:
        yield box


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["check", "google", *args])
    out, err = capsys.readouterr()
    return code, out, err


def check_json(capsys, sandbox: GoogleSandbox, *extra: str, user: str | None = None,
               admin: str = ADMIN) -> tuple[int, dict]:
    info = sandbox.info()
    code, out, _err = run(capsys, "--key-file", info.key_file, "--admin", admin,
                          "--user", user or info.users["ok"], "--api-root", info.api_root, "--timeout", "5",
                          "--json", *extra)
    return code, json.loads(out)


def step(report: dict, step_id: str) -> dict:
    return next(s for s in report["steps"] if s["id"] == step_id)


def first_failure(report: dict) -> dict:
    return next(s for s in report["steps"] if s["status"] == "fail")


def assert_no_secrets(sandbox: GoogleSandbox, *texts: str) -> None:
    key = json.loads(Path(sandbox.info().key_file).read_text())
    body_lines = [line for line in key["private_key"].splitlines() if "-----" not in line]
    secret = json.loads(Path(sandbox.info().client_secret_file).read_text())["installed"]["client_secret"]
    logs = [p.read_text(errors="replace") for p in Path(os.environ["EC_CONSOLE_HOME"]).rglob("*.log*")]
    for text in (*texts, *logs):
        assert not any(line in text for line in body_lines)
        assert "ya29." not in text
        assert secret not in text


# --- the delegated user -----------------------------------------------------------------------------------


def test_delegated_user_passes_with_a_per_scope_table(capsys, sandbox):
    code, report = check_json(capsys, sandbox)
    assert code == 0, report
    assert report["provider"] == "google" and report["result"] == "pass"
    assert [s["id"] for s in report["steps"]] == ["key", "clock", "token", "delegation", "user",
                                                  "read_calendar", "restriction"]
    table = step(report, "delegation")["data"]
    assert table["client_id"] == sandbox.info().client_id
    assert [(row["scope"], row["status"]) for row in table["scopes"]] == [
        (SCOPE_CALENDAR, "authorized"), (SCOPE_DIRECTORY_USER_READONLY, "authorized")]
    assert step(report, "restriction")["status"] == "skip"


def test_calendar_read_gives_busy_blocks_and_never_event_details(capsys, sandbox):
    user = sandbox.info().users["ok"]
    code, report = check_json(capsys, sandbox)
    assert code == 0
    data = step(report, "read_calendar")["data"]
    now = dt.datetime.now(dt.UTC)
    opaque = [e for e in sandbox.org.users[user].events
              if not e.transparent and e.end > now and e.start < now + dt.timedelta(days=7)]
    parse = dt.datetime.fromisoformat
    blocks = [(parse(b["start"]), parse(b["end"])) for b in data["busy"]]
    assert data["busy_blocks"] == len(blocks) > 0
    for event in opaque:  # every busy event of the window is covered by a block, and nothing else is
        assert any(s <= max(event.start, now).replace(microsecond=0) and event.end <= e for s, e in blocks)
    assert all(any(ev.start <= e and ev.end >= s for ev in opaque) for s, e in blocks)
    paths = [r.path for r in sandbox.requests]
    assert not any("/events" in p for p in paths)
    text = json.dumps(report)
    events = sandbox.org.users[user].events
    assert not any(event.summary in text or event.description in text for event in events)


def test_human_output_in_a_subprocess_has_no_secret(sandbox, tmp_path):
    info = sandbox.info()
    script = ("import sys\n"
              "from ec_console import cli\n"
              f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
              "import test_google_check as t\n"
              "original = cli.build_parser\n"
              "cli.build_parser = lambda: t.build_wired_parser(original)\n"
              "sys.exit(cli.main(sys.argv[1:]))\n")
    args = ["check", "google", "--key-file", info.key_file, "--admin", ADMIN,
            "--user", info.users["suspended"], "--api-root", info.api_root, "--timeout", "5", "--verbose"]
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ), cwd=Path(__file__).parent.parent)
    assert done.returncode == 1, done.stderr
    assert "FAIL" in done.stdout and "user_suspended" in done.stdout
    assert "Traceback" not in done.stderr
    assert_no_secrets(sandbox, done.stdout, done.stderr)


# --- each misconfiguration its own code ------------------------------------------------------------------


def test_one_scope_missing_is_scope_not_authorized_naming_it(capsys, sandbox):
    sandbox.remove_delegated_scope(SCOPE_DIRECTORY_USER_READONLY)
    code, report = check_json(capsys, sandbox)
    assert code == 1
    failed = first_failure(report)
    assert failed["id"] == "delegation"
    assert failed["diagnosis"]["code"] == "scope_not_authorized"
    assert SCOPE_DIRECTORY_USER_READONLY in failed["diagnosis"]["cause"]
    rows = {r["scope"]: r["status"] for r in failed["data"]["scopes"]}
    assert rows == {SCOPE_CALENDAR: "authorized", SCOPE_DIRECTORY_USER_READONLY: "refused"}
    assert [s["status"] for s in report["steps"][4:6]] == ["skip", "skip"]


def test_client_not_delegated_gets_the_prefilled_admin_console_link(capsys, sandbox):
    sandbox.revoke_delegation()
    code, report = check_json(capsys, sandbox)
    assert code == 1
    diagnosis = first_failure(report)["diagnosis"]
    assert diagnosis["code"] == "dwd_unauthorized"
    link = next(link for link in diagnosis["links"] if "domainwidedelegation" in link)
    assert f"clientIdToAdd={sandbox.info().client_id}" in link
    assert "auth%2Fcalendar%2C" in link and "admin.directory.user.readonly" in link
    assert "24 hours" in diagnosis["remediation"]


@pytest.mark.parametrize(("switch", "step_id", "code"), [
    ("delete_key", "token", "key_invalid_signature"),
    ("delete_service_account", "token", "service_account_not_found"),
])
def test_key_and_account_problems(capsys, sandbox, switch, step_id, code):
    getattr(sandbox, switch)()
    exit_code, report = check_json(capsys, sandbox)
    assert exit_code == 1
    failed = first_failure(report)
    assert (failed["id"], failed["diagnosis"]["code"]) == (step_id, code)


def test_clock_ten_minutes_off_fails_the_clock_step(capsys, sandbox):
    sandbox.shift_clock(600)
    code, report = check_json(capsys, sandbox)
    assert code == 1
    clock = step(report, "clock")
    assert clock["status"] == "fail" and clock["diagnosis"]["code"] == "clock_skew"
    assert 590 <= abs(clock["data"]["offset_seconds"]) <= 610


def test_clock_slightly_off_warns_and_the_check_goes_on(capsys, sandbox):
    sandbox.shift_clock(-90)
    code, report = check_json(capsys, sandbox)
    assert code == 0
    assert step(report, "clock")["status"] == "warn"
    assert report["result"] == "warn"


@pytest.mark.parametrize(("api", "step_id", "service"), [
    ("directory", "user", "admin.googleapis.com"),
    ("calendar", "read_calendar", "calendar-json.googleapis.com"),
])
def test_api_disabled_links_the_console_page_of_that_project_and_api(capsys, sandbox, api, step_id, service):
    sandbox.disable_api(api)
    code, report = check_json(capsys, sandbox)
    assert code == 1
    failed = first_failure(report)
    assert (failed["id"], failed["diagnosis"]["code"]) == (step_id, "api_disabled")
    number = sandbox.info().project_number
    assert any(service in link and number in link for link in failed["diagnosis"]["links"])


@pytest.mark.parametrize(("kind", "code"), [
    ("suspended", "user_suspended"),
    ("deleted", "user_deleted"),
    ("nonexistent", "user_not_found"),
    ("not_calendar_user", "calendar_not_enabled"),
    ("rate_limited", "throttled"),
])
def test_awkward_users_each_get_their_code(capsys, sandbox, kind, code):
    exit_code, report = check_json(capsys, sandbox, user=sandbox.info().users[kind])
    assert exit_code == 1
    assert first_failure(report)["diagnosis"]["code"] == code


def test_non_admin_as_admin_is_not_admin(capsys, sandbox):
    code, report = check_json(capsys, sandbox, admin=sandbox.info().non_admin_email)
    assert code == 1
    failed = first_failure(report)
    assert (failed["id"], failed["diagnosis"]["code"]) == ("user", "not_admin")
    assert "super administrator" in failed["diagnosis"]["remediation"]


def test_an_admin_role_that_reads_users_is_enough_for_the_check(capsys, sandbox):
    code, report = check_json(capsys, sandbox, admin=DELEGATED_ADMIN)
    assert code == 0, report
    assert step(report, "user")["data"]["looked_up_as"] == DELEGATED_ADMIN


def test_restriction_cannot_hold_with_domain_wide_delegation(capsys, sandbox):
    code, report = check_json(capsys, sandbox, "--expect-denied", sandbox.info().users["outside_group"])
    assert code == 1
    restriction = step(report, "restriction")
    assert restriction["diagnosis"]["code"] == "scope_not_enforced"
    assert "Marketplace" in restriction["diagnosis"]["remediation"]


def test_scopes_given_replace_the_defaults(capsys, sandbox):
    code, report = check_json(capsys, sandbox, "--scope", "https://www.googleapis.com/auth/calendar.freebusy")
    assert code == 0, report
    assert [r["scope"] for r in step(report, "delegation")["data"]["scopes"]] == [
        "https://www.googleapis.com/auth/calendar.freebusy"]
    assert step(report, "user")["status"] == "skip"
    assert step(report, "read_calendar")["status"] == "pass"
    token_scopes = [r.notes.get("scopes") for r in sandbox.requests if r.notes.get("grant_type")]
    assert all(scopes == ["https://www.googleapis.com/auth/calendar.freebusy"] for scopes in token_scopes)


# --- input ------------------------------------------------------------------------------------------------


def test_oauth_client_file_as_key_is_a_key_step_failure(capsys, sandbox):
    info = sandbox.info()
    code, out, _ = run(capsys, "--key-file", info.client_secret_file, "--admin", ADMIN,
                       "--user", info.users["ok"], "--json")
    assert code == 1
    failed = first_failure(json.loads(out))
    assert (failed["id"], failed["diagnosis"]["code"]) == ("key", "key_malformed")
    assert "OAuth client file" in failed["diagnosis"]["cause"]
    assert_no_secrets(sandbox, out)


@pytest.mark.parametrize(("args", "words"), [
    (["--user", "not-an-address"], "--user"),
    (["--admin", "a@@b"], "--admin"),
    (["--scope", "calendar"], "--scope"),
    (["--api-root", "http://api.example.com/"], "--api-root"),
    (["--timeout", "0"], "--timeout"),
    (["--expect-denied", "ada.lovelace@gsandbox.example"], "--expect-denied"),
    (["--key-file", "/nonexistent/key.json"], "--key-file"),
])
def test_bad_input_is_refused_before_any_step(capsys, sandbox, args, words):
    info = sandbox.info()
    base = {"--key-file": info.key_file, "--admin": ADMIN, "--user": "ada.lovelace@gsandbox.example"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    flat = [x for pair in base.items() for x in pair]
    code, out, err = run(capsys, *flat, "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"] == "bad_input"
    assert words in err and "Traceback" not in err
    assert len(sandbox.requests) == 0


def test_missing_required_flag_is_bad_input(capsys):
    code, out, err = run(capsys, "--admin", ADMIN, "--user", "a@b.example", "--json")
    assert code == 2 and "--key-file" in err
    assert json.loads(out)["error"]["code"] == "bad_input"



# --- trust for this check only ------------------------------------------------------------------------------


def test_ca_file_trusts_the_sandbox_for_this_check_only(capsys, tls, tmp_path, monkeypatch):
    """--ca-file adds trust to this check's connections; the environment's CA bundles grant none."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.ca_file))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tls.ca_file))
    with GoogleSandbox(tmp_path / "google", tls=tls) as box:
        code, report = check_json(capsys, box)
        assert code == 1
        assert first_failure(report)["diagnosis"]["code"] == "tls_untrusted"

        code, report = check_json(capsys, box, "--ca-file", str(tls.ca_file))
        assert code == 0, report


def test_ca_file_that_is_not_pem_is_bad_input(capsys, tmp_path):
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate")
    key = tmp_path / "key.json"
    key.write_text("{}")
    code, out, err = run(capsys, "--key-file", str(key), "--admin", ADMIN, "--user", ADMIN,
                         "--ca-file", str(bogus), "--json")
    assert code == 2
    assert "--ca-file" in json.loads(out)["error"]["message"] and "PEM" in err


# --- scopes the client asks for ----------------------------------------------------------------------------


def test_a_real_scope_that_is_not_delegated_is_scope_not_authorized(capsys, sandbox):
    gmail = "https://www.googleapis.com/auth/gmail.readonly"
    code, report = check_json(capsys, sandbox, "--scope", SCOPE_CALENDAR, "--scope", gmail)
    assert code == 1
    failure = first_failure(report)
    assert failure["id"] == "delegation"
    assert failure["diagnosis"]["code"] == "scope_not_authorized"
    assert gmail in failure["diagnosis"]["cause"]
    rows = {row["scope"]: row["status"] for row in failure["data"]["scopes"]}
    assert rows == {SCOPE_CALENDAR: "authorized", gmail: "refused"}


def test_unknown_scope_is_named_not_a_server_error(capsys, sandbox):
    bogus = "https://www.googleapis.com/auth/not-a-scope"
    code, report = check_json(capsys, sandbox, "--scope", SCOPE_CALENDAR, "--scope", bogus)
    assert code == 1
    diagnosis = first_failure(report)["diagnosis"]
    assert diagnosis["code"] == "scope_unknown"
    assert bogus in diagnosis["cause"]
    assert "https://developers.google.com/identity/protocols/oauth2/scopes" in diagnosis["links"]
