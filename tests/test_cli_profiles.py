"""`ec-console profiles link|revoke|relink|check|list` end to end against the EWS sandbox (in process)."""

from __future__ import annotations

import json

import pytest
from cli_run import run

from ec_console.registry import Registry
from ec_console.sandbox import Sandbox

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def memory_store(monkeypatch):
    monkeypatch.setenv("EC_CONSOLE_CREDENTIAL_STORE", "memory")


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sb:
        sb.org.throttle_back_off_ms = 50
        yield sb


@pytest.fixture
def app(sandbox, capsys, monkeypatch):
    info = sandbox.info()
    monkeypatch.setenv("EC_PASSWORD", info.password)
    code, out, err = run(
        capsys,
        "applications",
        "add",
        "exchange",
        "--name",
        "Sandbox EWS",
        "--mailbox",
        info.mailbox_in_scope,
        "--ews-url",
        info.ews_url,
        "--username",
        info.username,
        "--ca-file",
        info.ca_file,
        "--scope-group",
        info.scope_group_address,
        "--region",
        "us",
        "--json",
    )
    assert code == 0, (out, err)
    monkeypatch.delenv("EC_PASSWORD")
    return info


def test_link_from_a_get_mailbox_csv_reports_bad_lines_and_links_the_rest(app, capsys, tmp_path):
    csv_file = tmp_path / "mailboxes.csv"
    csv_file.write_text(
        "#TYPE Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox\n"
        '"DisplayName","PrimarySmtpAddress"\n'
        f'"Ada","{app.mailboxes_in_scope[0]}"\n'
        '"Broken","not an address"\n'
        f'"CEO","{app.mailbox_out_of_scope}"\n',
        encoding="utf-8",
    )
    code, out, err = run(
        capsys,
        "profiles",
        "link",
        "--application",
        "Sandbox EWS",
        "--from-file",
        str(csv_file),
        "--region",
        "us",
        "--json",
    )
    assert code == 1
    result = json.loads(out)
    assert result["file_problems"][0]["line"] == 4
    assert "line 4" in err
    by_email = {r["email"]: r for r in result["results"]}
    assert by_email[app.mailboxes_in_scope[0]]["status"] == "linked"
    out_of_scope = by_email[app.mailbox_out_of_scope]
    assert (out_of_scope["action"], out_of_scope["status"]) == ("not_linked", None)
    assert out_of_scope["profile_id"] is None
    assert out_of_scope["diagnosis"] == "impersonation_denied" and out_of_scope["try_again"] is False
    assert out_of_scope["cause"] and out_of_scope["fix"]
    assert result["counts"]["not_linked"] == 1 and result["counts"]["needs_relink"] == 0
    # running it again skips what is done
    code, out, _ = run(
        capsys,
        "profiles",
        "link",
        "--application",
        "Sandbox EWS",
        app.mailboxes_in_scope[0],
        "--region",
        "us",
        "--json",
    )
    assert code == 0 and json.loads(out)["already_linked"] == [app.mailboxes_in_scope[0]]


def test_link_discover_then_check_all_then_revoke_and_relink(app, capsys):
    code, out, err = run(
        capsys,
        "profiles",
        "link",
        "--application",
        "Sandbox EWS",
        "--discover",
        "--concurrency",
        "8",
        "--region",
        "us",
        "--json",
    )
    result = json.loads(out)
    assert code == 1  # the awkward members are not linked
    linked = {r["email"] for r in result["results"] if r["status"] == "linked"}
    assert set(app.mailboxes_in_scope) <= linked
    assert app.mailbox_out_of_scope not in {r["email"] for r in result["results"]}  # not in the scope
    by_email = {r["email"]: r for r in result["results"]}
    throttled = by_email[app.mailbox_throttled]
    assert throttled["action"] == "try_again" and throttled["try_again"]
    assert by_email[app.mailbox_ews_blocked]["action"] == "not_linked"
    assert all(r["profile_id"] is None for r in result["results"] if r["status"] != "linked")
    with Registry.for_region("us") as registry:  # the throttled one, linked before it got busy
        registry.add_profile(registry.find_application("Sandbox EWS").id, app.mailbox_throttled)
    code, out, err = run(capsys, "profiles", "check", "--region", "us", "--json")
    check = json.loads(out)
    assert check["total"] == len(linked) + 1 and not check["cancelled"]
    throttled = next(r for r in check["results"] if r["email"] == app.mailbox_throttled)
    assert throttled["action"] == "unchanged" and throttled["diagnosis"] == "throttled"
    assert "Checking" in err  # plain progress lines on a non-terminal stderr
    email = app.mailboxes_in_scope[1]
    code, out, _ = run(capsys, "profiles", "revoke", email, "--region", "us")
    assert code == 0 and "Remove-DistributionGroupMember" in out
    code, out, _ = run(capsys, "profiles", "list", "--status", "revoked", "--region", "us", "--json")
    assert [p["email"] for p in json.loads(out)] == [email]
    code, out, _ = run(capsys, "profiles", "relink", email, "--region", "us", "--json")
    assert code == 0 and json.loads(out)["results"][0]["status"] == "linked"


def test_link_says_what_was_not_linked_and_what_to_try_again_later(app, capsys):
    emails = [app.mailboxes_in_scope[0], app.mailbox_out_of_scope, app.mailbox_throttled]
    code, out, err = run(capsys, "profiles", "link", "--application", "Sandbox EWS", *emails,
                         "--region", "us")
    assert code == 1  # partly failed: exit 1, as before
    assert "3 accounts: 1 linked, 1 not linked, 1 to try again later" in out
    assert "run the same command again later to finish" in out
    assert "impersonation_denied" in out and "Traceback" not in err
    with Registry.for_region("us") as registry:
        assert [p.email for p in registry.list_profiles()] == [app.mailboxes_in_scope[0]]


def test_profiles_check_refuses_concurrency_above_20(app, capsys):
    code, out, err = run(capsys, "profiles", "check", "--concurrency", "21", "--region", "us", "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"] == "bad_input" and "27" in err


@pytest.mark.parametrize(
    "args,message",
    [
        (["profiles", "link", "--application", "Sandbox EWS"], "give the addresses"),
        (["profiles", "link", "--application", "Nope", "a@b.example"], "No application named 'Nope'"),
        (["profiles", "relink", "nobody@sandbox.example"], "No profile nobody@sandbox.example"),
        (
            ["profiles", "link", "--application", "Sandbox EWS", "--from-file", "/nonexistent.csv"],
            "does not exist",
        ),
    ],
)
def test_bad_input_is_exit_2_with_one_line(app, capsys, args, message):
    code, out, err = run(capsys, *args, "--region", "us")
    assert code == 2 and message in err and "Traceback" not in err


def test_an_interrupted_check_is_resumed_by_the_next_run(app, sandbox, capsys):
    from ec_console import checkall
    from ec_console.checks import CancelToken

    run(
        capsys,
        "profiles",
        "link",
        "--application",
        "Sandbox EWS",
        *app.mailboxes_in_scope[:6],
        "--region",
        "us",
    )
    cancel = CancelToken()
    # Each answer takes half a second, so the worker is still on the next mailbox when the second result
    # cancels the run, however busy the machine is (without it, six fast probes could all finish first).
    sandbox.ews_server.latency = 0.5
    try:
        with Registry.for_region("us") as registry:

            def stop_after_two(result):
                if sum(1 for _ in seen) >= 1:
                    cancel.cancel()
                seen.append(result)

            seen: list = []
            _, first = checkall.check_all(registry, concurrency=1, cancel=cancel, on_result=stop_after_two)
    finally:
        sandbox.ews_server.latency = 0.0
    assert first.cancelled and len(first.results) < 6
    code, out, _ = run(capsys, "profiles", "check", "--concurrency", "1", "--region", "us", "--json")
    second = json.loads(out)
    assert code == 0
    assert second["already_checked"] == len(first.results)
    assert second["total"] == 6 - len(first.results)


def test_profiles_check_skips_what_another_desktop_is_checking_and_says_so(app, capsys):
    from ec_console.registry_claims import RunClaims

    emails = app.mailboxes_in_scope[:3]
    code, out, err = run(capsys, "profiles", "link", "--application", "Sandbox EWS", *emails,
                         "--region", "us")
    assert code == 0, (out, err)
    with Registry.for_region("us") as registry:   # another desktop's run holds two of them
        held = [registry.find_profile(registry.find_application("Sandbox EWS").id, e).id for e in emails[:2]]
        RunClaims(registry, "run-alex", desktop=("alex", "helpdesk-07")).claim(held)
    code, out, err = run(capsys, "profiles", "check", "--region", "us", "--json")
    result = json.loads(out)
    assert code == 0, (out, err)
    assert [r["email"] for r in result["results"]] == [emails[2]]
    assert result["skipped_by_claim"]["profiles"] == 2
    (holder,) = result["skipped_by_claim"]["holders"]
    assert (holder["by"], holder["os_user"], holder["host"], holder["profiles"]) == \
        ("alex@helpdesk-07", "alex", "helpdesk-07", 2)
    code, out, err = run(capsys, "profiles", "check", "--region", "us")
    assert code == 0, (out, err)
    assert "2 profiles skipped: being checked by alex@helpdesk-07 since " in out
    assert "1 profile: linked 1" in out


def test_link_in_german_gives_each_accounts_detail_in_german(app, capsys, monkeypatch):
    from ec_console import i18n

    i18n.set_language(None)                    # the command line follows LANG
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    code, out, err = run(capsys, "profiles", "link", "--application", "Sandbox EWS", app.mailbox_in_scope,
                         "--region", "us")
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith(app.mailbox_in_scope))
    assert "in den nächsten 7 Tagen (nur Zeiten und Art der Belegung" in row
    assert "busy" not in row
