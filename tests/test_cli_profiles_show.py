"""`ec-console profiles show EMAIL`: one profile's details, the same values the GUI's detail pane shows."""

from __future__ import annotations

import json

from cli_run import run

from ec_console import dashboard
from ec_console.checks import Report, StepResult, StepStatus
from ec_console.diagnoses import diagnose
from ec_console.registry import Registry

ADA = "ada.lovelace@contoso.example"


def _seed() -> int:
    failed = Report("exchange", ADA, "2026-11-30T09:00:00Z", (
        StepResult("authenticate", "Sign in as the service account", StepStatus.PASS, 40, "Signed in"),
        StepResult("impersonate", "Open the mailbox's calendar", StepStatus.FAIL, 12,
                   "Exchange answered ErrorImpersonateUserDenied",
                   None, diagnose("impersonation_denied", mailbox=ADA, service_account="CONTOSO\\svc")),
        StepResult("read_calendar", "Read the next 7 days of busy times", StepStatus.SKIP, 0, "Skipped"),
    ))
    with Registry.for_region("us") as registry:
        app = registry.add_application("Room booking", "exchange", "contoso.example",
                                       {"scope_group": "Calendar Sync"})
        other = registry.add_application("Board rooms", "exchange", "contoso.example")
        profile = registry.add_profile(app.id, ADA, "Ada Lovelace", status="linked")
        registry.add_profile(other.id, "shared@contoso.example", status="linked")
        registry.add_profile(app.id, "shared@contoso.example", status="linked")
        registry.audit("profile_linked", ADA, "linked through Room booking")
        registry.record_check(kind="check", result="fail", report=failed.to_dict(), profile_id=profile.id,
                              diagnosis="impersonation_denied")
        registry.record_profile_check(profile.id, result="fail", diagnosis="impersonation_denied")
        registry.audit("profile_status", ADA, "linked → needs_relink (impersonation_denied)")
        registry.audit("profile_linked", "someone.else@contoso.example", "not Ada")
        return profile.id


def test_show_json_has_the_details_of_the_pane(capsys):
    profile_id = _seed()
    code, out, err = run(capsys, "profiles", "show", ADA, "--region", "us", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["email"] == ADA and shown["application"] == "Room booking"
    assert shown["status"] in ("linked", "needs_relink")
    assert shown["linked_at"].endswith("Z") and shown["last_checked_at"].endswith("Z")
    assert shown["last_result"] == "fail"
    assert shown["diagnosis"]["code"] == "impersonation_denied" and shown["diagnosis"]["cause"]
    assert [s["id"] for s in shown["last_check"]["steps"]] == ["authenticate", "impersonate", "read_calendar"]
    assert [e["action"] for e in shown["audit"]] == ["profile_status", "profile_linked"]     # Ada's only
    assert all(set(e) == {"time", "user", "action", "subject", "detail"} for e in shown["audit"])
    assert shown["withdrawal_step"]
    # The pane shows the same assembly (dashboard.profile_summary of dashboard.profile_details).
    with Registry.for_region("us") as registry:
        assert dashboard.profile_summary(dashboard.profile_details(registry, profile_id)) == shown


def test_show_text_names_the_result_the_diagnosis_and_the_audit(capsys):
    _seed()
    code, out, err = run(capsys, "profiles", "show", ADA.upper(), "--region", "us")
    assert code == 0, err
    assert out.splitlines()[0] == ADA
    for expected in ("Room booking", "First linked:", "Last checked:", "impersonation_denied",
                     "Open the mailbox's calendar", "profile_status", "Withdraw its access"):
        assert expected in out, expected
    assert "someone.else" not in out


def test_an_unknown_address_is_refused_like_revoke(capsys):
    _seed()
    code, out, err = run(capsys, "profiles", "show", "nobody@contoso.example", "--region", "us", "--json")
    assert code == 2                                   # docs/cli.md: unknown profile is exit 2
    assert "nobody@contoso.example" in err and json.loads(out)["error"]["code"] == "bad_input"
    code, _out, err = run(capsys, "profiles", "show", "shared@contoso.example", "--region", "us")
    assert code == 2 and "--application" in err
    code, out, err = run(capsys, "profiles", "show", "shared@contoso.example", "--application", "Board rooms",
                         "--region", "us", "--json")
    assert code == 0 and json.loads(out)["application"] == "Board rooms"
