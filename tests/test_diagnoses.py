"""The diagnosis catalog: complete against DESIGN.md and docs/diagnoses.md (every row naming tests that exist
and mention its code), rendered with and without names, accurate fixes, and commands/links that appear in the
text they are copied from."""

from __future__ import annotations

import ast
import os
import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ec_console import diagnoses
from ec_console.diagnoses import (
    ADDED_CODES,
    CATALOG,
    LINK_GRAPH_MIGRATION,
    PLACEHOLDERS,
    SURFACE_WORDS,
    codes,
    diagnose,
    for_surface,
    report_for_surface,
    surface_text,
)

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "diagnoses.md"
DESIGN = REPO.parent / "shared" / "DESIGN.md"  # CI lays a copy of shared/ beside its clone
TEMPLATE_LEFTOVER = re.compile(r"\{[a-z_]+(:[a-z]+)?\}")
CODE_RE = re.compile(r"`([a-z_]+)`")
NODE_RE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(\[[^`\]]*\])?`")

ALL_NAMES = {
    "service_account": "CONTOSO\\svc-calendar",
    "mailbox": "alice@contoso.com",
    "scope_group": "EC Calendar Users",
    "group_dn": "CN=EC Calendar Users,OU=Groups,DC=contoso,DC=com",
    "scope_name": "EC Calendar Scope",
    "client_id": "3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01",
    "sp_object_id": "9a8b7c6d-0000-4000-8000-000000000001",
    "tenant_id": "contoso.onmicrosoft.com",
    "ews_url": "https://mail.contoso.com/EWS/Exchange.asmx",
    "host": "mail.contoso.com",
    "port": 443,
    "domain": "contoso.com",
    "admin": "admin@contoso.com",
    "user": "bob@contoso.com",
    "scopes": ["https://www.googleapis.com/auth/calendar"],
    "missing_scopes": ["https://www.googleapis.com/auth/admin.directory.user.readonly"],
    "project": "ec-calendar-123",
    "api": "calendar-json",
    "key_file": "/home/admin/sa.json",
    "key_id": "abc123",
    "cert_subject": "CN=mail.contoso.com",
    "cert_issuer": "CN=Contoso Root CA",
    "cert_names": ["mail.contoso.com", "autodiscover.contoso.com"],
    "cert_not_before": "2025-01-01T00:00:00Z",
    "cert_not_after": "2026-01-01T00:00:00Z",
    "back_off": 2.5,
    "timeout": 15,
    "proxy": "proxy.contoso.com:8080",
    "proxy_source": "the environment variable HTTPS_PROXY",
    "policy_reason": "EWS is blocked by policy for this user or tenant",
    "auth_methods": "Negotiate",
    "skew": 600,
    "item_id": "AAMkAD...",
    "error": "connection refused",
    "message": "--mailbox: 'alice' has no '@'",
    "field": "--mailbox",
}


def _docs_rows() -> dict[str, list[str]]:
    """The rows of the table under "## Codes" in docs/diagnoses.md: code -> its five cells, in order."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Codes", 1)[1]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 5 and (match := CODE_RE.fullmatch(cells[0])):
            assert all(cells[1:]), f"docs/diagnoses.md: the row for {cells[0]} has an empty cell"
            assert match.group(1) not in rows, f"docs/diagnoses.md: two rows for {cells[0]}"
            rows[match.group(1)] = cells
    return rows


def _docs_codes() -> list[str]:
    """First-column codes of the table under "## Codes" in docs/diagnoses.md."""
    return list(_docs_rows())


@cache
def _test_functions(path: str) -> dict[str, set[str]]:
    """Top-level test functions of a test file -> every string constant in them (decorators included)."""
    file = REPO / path
    if not file.is_file():
        return {}
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=path)
    return {
        node.name: {
            c.value for c in ast.walk(node)
            if isinstance(c, ast.Constant) and isinstance(c.value, str)
        }
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _row_problems(code: str, test_cell: str) -> list[str]:
    """What is wrong with the tests a row names: none named, a file or function missing, or a test whose
    code never mentions the diagnosis code (as an exact string) it is meant to prove."""
    nodes = NODE_RE.findall(test_cell)
    if not nodes:
        return [f"{code}: the test column names no `tests/<file>.py::<test>`"]
    problems = []
    for path, name, _params in nodes:
        functions = _test_functions(path)
        if not functions:
            problems.append(f"{code}: {path} does not exist or defines no test")
        elif name not in functions:
            problems.append(f"{code}: {path} defines no {name}")
        elif code not in functions[name]:
            problems.append(f"{code}: {path}::{name} never mentions {code!r}")
    return problems


def _design_text() -> str:
    """DESIGN.md from ../shared beside the repository. Locally its absence skips, with the path; under CI
    (which lays shared/ beside its clone) it fails, so the contract tests cannot silently stop running."""
    if not DESIGN.is_file():
        reason = f"the design contract {DESIGN} is absent (shared/ must sit beside the repository)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
        pytest.skip(reason)
    return DESIGN.read_text(encoding="utf-8")


def _design_codes() -> set[str]:
    text = _design_text()
    section = text.split("## Diagnosis codes", 1)[1].split("\n## ", 1)[0]
    found: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            found.update(CODE_RE.findall(line.split("|")[1]))
    return found


# --- completeness -----------------------------------------------------------------------------------------


def test_every_catalog_code_has_a_row_in_the_docs():
    documented = _docs_codes()
    missing = [c for c in codes() if c not in documented]
    assert not missing, f"docs/diagnoses.md lacks a row for: {missing}"


def test_the_docs_have_no_stale_or_duplicate_rows():
    documented = _docs_codes()
    assert len(documented) == len(set(documented))
    assert set(documented) <= set(codes()), set(documented) - set(codes())


def test_no_row_is_pending():
    pending = [code for code, cells in _docs_rows().items() if "pending" in " ".join(cells[3:]).lower()]
    assert not pending, f"docs/diagnoses.md: rows still pending: {pending}"


def test_every_row_names_tests_that_exist_and_mention_its_code():
    problems = [p for code, cells in _docs_rows().items() for p in _row_problems(code, cells[4])]
    assert not problems, "docs/diagnoses.md:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("pending: produced by the Exchange provider", "names no"),
        ("`tests/test_no_such_file.py::test_x`", "does not exist"),
        ("`tests/test_diagnoses.py::test_no_such_test`", "defines no test_no_such_test"),
        ("`tests/test_diagnoses.py::test_unknown_code_is_a_value_error`", "never mentions 'write_leftover'"),
    ],
)
def test_the_row_check_catches_a_bad_test_column(cell: str, fragment: str) -> None:
    problems = _row_problems("write_leftover", cell)
    assert len(problems) == 1 and fragment in problems[0], problems


def test_the_row_check_accepts_a_parametrized_node_that_names_the_code() -> None:
    cell = ("`tests/test_diagnoses.py::test_identity_platform_codes_are_named"
            "[oauth_secret_expired-AADSTS7000222]`")
    assert _row_problems("oauth_secret_expired", cell) == []


def test_every_design_code_is_in_the_catalog():
    design = _design_codes()
    assert len(design) >= 30  # the parser found the table
    assert design - set(CATALOG) == set()


def test_added_codes_are_exactly_the_ones_design_lacks():
    assert set(CATALOG) - _design_codes() == set(ADDED_CODES)


def test_an_absent_design_contract_fails_under_ci_and_skips_locally(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(globals(), "DESIGN", tmp_path / "shared" / "DESIGN.md")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        _design_codes()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="shared/DESIGN.md is absent"):
        _design_codes()


def test_unknown_code_is_a_value_error():
    with pytest.raises(ValueError, match="unknown diagnosis code 'no_such_code'"):
        diagnose("no_such_code")


def test_bad_platform_is_a_value_error():
    with pytest.raises(ValueError, match="platform"):
        diagnose("throttled", platform="mars")


# --- the surface showing a fix: command line or window -----------------------------------------------------

CLI_WORD = re.compile(r"(?<![\w-])--[a-z][a-z-]*|\bEC_[A-Z_]+")
GUI_NAMES = {**ALL_NAMES, "field": "--tenant-id",
             "message": "--expect-denied must name another mailbox than --mailbox (one outside the scope)"}


def _prose_lines(diagnosis):
    """The cause and the fix's sentences: not the commands, which are PowerShell or shell lines."""
    commands = {c.strip() for c in diagnosis.commands}
    return [line for line in (diagnosis.cause, *diagnosis.remediation.splitlines())
            if line.strip() not in commands]


@pytest.mark.parametrize("code", codes())
@pytest.mark.parametrize("platform", [None, "onprem", "online", "google", "graph"])
@pytest.mark.parametrize("names", [{}, GUI_NAMES], ids=["no-names", "names"])
def test_a_fix_rendered_for_a_window_names_no_flag_or_environment_variable(code, platform, names):
    for diagnosis in (diagnose(code, platform=platform, surface="gui", **names),
                      for_surface(diagnose(code, platform=platform, **names), "gui")):
        for line in _prose_lines(diagnosis):
            assert not CLI_WORD.search(line), f"{code}: {line}"
        assert not TEMPLATE_LEFTOVER.search(diagnosis.remediation)
        assert "{@" not in diagnosis.cause + diagnosis.remediation


@pytest.mark.parametrize("code", codes())
def test_a_stored_diagnosis_reads_in_a_window_as_a_fresh_one_does(code):
    stored = diagnose(code, platform="online", **GUI_NAMES)     # as a report holds it: command-line words
    fresh = diagnose(code, platform="online", surface="gui", **GUI_NAMES)
    assert for_surface(stored, "gui") == fresh
    assert stored.commands == fresh.commands and stored.links == fresh.links


def test_the_command_line_rendering_still_names_its_flags_and_variables():
    assert "EC_PASSWORD" in diagnose("auth_failed").remediation
    assert "--tenant-id" in diagnose("auth_failed").remediation
    assert "EC_CLIENT_SECRET" in diagnose("oauth_invalid_client").remediation
    assert "--ca-file" in diagnose("tls_untrusted").cause
    assert "--client-id" in diagnose("oauth_app_not_found").remediation
    assert "--authority https://login.microsoftonline.us" in diagnose("oauth_tenant_not_found").remediation
    assert "--help" in diagnose("bad_input", field="--mailbox").remediation
    assert "--admin" in diagnose("not_admin").remediation


def test_a_window_names_the_fields_the_setup_wizard_shows():
    auth = diagnose("auth_failed", surface="gui").remediation
    assert "\u201cPassword\u201d field" in auth and "\u201cTenant ID\u201d" in auth
    assert "\u201cExtra trusted CA (PEM)\u201d" in diagnose("tls_untrusted", surface="gui").cause
    clouds = diagnose("oauth_tenant_not_found", surface="gui").remediation
    assert "\u201cSign-in authority\u201d" in clouds and "https://login.microsoftonline.us" in clouds
    assert diagnose("bad_input", surface="gui", field="--tenant-id").remediation == \
        "Correct the \u201cTenant ID\u201d field and try again."


def test_every_surface_term_is_used_by_the_catalog():
    source = (REPO / "ec_console" / "diagnoses.py").read_text()
    for term in SURFACE_WORDS:
        assert "{@" + term + "}" in source, term


def test_a_replaced_flag_that_starts_a_sentence_starts_with_a_capital():
    text = surface_text("--expect-denied must name another mailbox than --mailbox. Or: --mailbox.")
    assert text == ("The \u201cMust be denied\u201d field must name another mailbox than the "
                    "\u201cMailbox\u201d field. Or: the \u201cMailbox\u201d field.")
    assert surface_text("an address in use (the --authority or the EWS URL)") == (
        "an address in use (the \u201cSign-in authority\u201d field or the EWS URL)")
    untouched = "--scopes and ---x stay; --user-agent too"
    assert surface_text(untouched) == untouched
    assert surface_text("--mailbox", "cli") == "--mailbox"


def test_bad_surface_is_a_value_error():
    with pytest.raises(ValueError, match="surface"):
        diagnose("throttled", surface="tv")
    with pytest.raises(ValueError, match="surface"):
        surface_text("--mailbox", "tv")


def test_a_report_for_a_window_changes_only_its_words():
    from ec_console.checks import Report, StepResult, StepStatus

    failure = diagnose("auth_failed")
    report = Report("exchange", "alice@contoso.com", "2026-01-01T00:00:00Z", (
        StepResult("restriction", "Restriction", StepStatus.SKIP, 0, "Not requested (--expect-denied)."),
        StepResult("authenticate", "Sign in", StepStatus.FAIL, 12, failure.cause, None, failure)))
    shown = report_for_surface(report, "gui")
    assert shown.steps[0].detail == "Not requested (no mailbox that must be denied was given)."
    assert shown.steps[1].diagnosis == for_surface(failure, "gui")
    assert [(s.id, s.status, s.duration_ms) for s in shown.steps] == [(s.id, s.status, s.duration_ms)
                                                                       for s in report.steps]
    assert report_for_surface(report, "cli") is report


# --- rendering --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", codes())
def test_every_code_renders_with_no_names(code):
    diagnosis = diagnose(code)
    assert diagnosis.code == code
    assert diagnosis.cause and diagnosis.remediation
    for text in (diagnosis.cause, diagnosis.remediation, *diagnosis.commands, *diagnosis.links):
        assert not TEMPLATE_LEFTOVER.search(text), text


@pytest.mark.parametrize("code", codes())
def test_every_code_renders_with_names(code):
    diagnosis = diagnose(code, **ALL_NAMES)
    texts = (diagnosis.cause, diagnosis.remediation, *diagnosis.commands, *diagnosis.links)
    for text in texts:
        assert not TEMPLATE_LEFTOVER.search(text), text
        for name, placeholder in PLACEHOLDERS.items():
            assert placeholder not in text, f"{code}: {name} given but {placeholder} shown"


@pytest.mark.parametrize("code", codes())
@pytest.mark.parametrize("names", [{}, ALL_NAMES], ids=["no-names", "names"])
def test_commands_and_links_appear_in_the_remediation(code, names):
    diagnosis = diagnose(code, **names)
    lines = [line.strip() for line in diagnosis.remediation.splitlines()]
    for command in diagnosis.commands:
        assert command in lines, f"{code}: command not on its own line: {command}"
    for link in diagnosis.links:
        assert link in lines, f"{code}: link not on its own line: {link}"
        assert link.startswith("https://"), link


def test_a_missing_name_reads_as_a_placeholder():
    diagnosis = diagnose("impersonation_denied", mailbox="bob@contoso.com")
    assert "bob@contoso.com" in diagnosis.cause
    assert "<scoping group>" in diagnosis.remediation


def test_names_outside_the_vocabulary_are_ignored():
    diagnosis = diagnose("tls_untrusted", host="mail.contoso.com", certificate={"subject": "x"})
    assert "mail.contoso.com" in diagnosis.cause


def test_values_are_flattened_to_one_line():
    diagnosis = diagnose("server_error", host="mail", error="line 1\r\nline 2\x1b[31m red" + "x" * 1000)
    assert "\n" not in diagnosis.cause and "\x1b" not in diagnosis.cause
    assert "line 1 line 2" in diagnosis.cause
    assert len(diagnosis.cause) < 500


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(codes()), st.dictionaries(st.sampled_from(sorted(PLACEHOLDERS)), st.text(max_size=80)))
def test_arbitrary_values_always_render(code, names):
    diagnosis = diagnose(code, **names)
    for text in (diagnosis.cause, *diagnosis.commands, *diagnosis.links):
        assert "\n" not in text
    lines = [line.strip() for line in diagnosis.remediation.splitlines()]
    assert all(command in lines for command in diagnosis.commands)


# --- content: the fixes are the real ones -----------------------------------------------------------------


def test_on_premises_scope_fix_uses_the_group_dn_and_verifies():
    d = diagnose("impersonation_denied", platform="onprem", **ALL_NAMES)
    assert ("New-ManagementScope -Name 'EC Calendar Scope' -RecipientRestrictionFilter "
            "\"MemberOfGroup -eq 'CN=EC Calendar Users,OU=Groups,DC=contoso,DC=com'\"") in d.commands
    assert ("New-ManagementRoleAssignment -Name 'Enterprise Connect impersonation' "
            "-Role ApplicationImpersonation -User CONTOSO\\svc-calendar "
            "-CustomRecipientWriteScope 'EC Calendar Scope'") in d.commands
    assert "Get-ManagementRoleAssignment -Role ApplicationImpersonation -GetEffectiveUsers" in d.commands
    assert "nested" in d.remediation
    assert not any("Application EWS.AccessAsApp" in c for c in d.commands)  # only the on-premises variant


def test_exchange_online_fix_is_rbac_for_applications():
    d = diagnose("impersonation_denied", platform="online", **ALL_NAMES)
    app = ALL_NAMES["client_id"]
    assert f"New-ServicePrincipal -AppId {app} -ObjectId {ALL_NAMES['sp_object_id']} " \
           "-DisplayName 'Enterprise Connect'" in d.commands
    assert (f"New-ManagementRoleAssignment -App {app} -Role \"Application EWS.AccessAsApp\" "
            "-CustomResourceScope 'EC Calendar Scope'") in d.commands
    assert f"Test-ServicePrincipalAuthorization -Identity {app} -Resource alice@contoso.com" in d.commands
    assert "retired" in d.remediation and "full_access_as_app" in d.remediation
    assert "30 minutes to 2 hours" in d.remediation
    assert not any("ApplicationImpersonation -User" in c for c in d.commands)


def test_without_platform_both_exchange_variants_are_shown_under_headings():
    d = diagnose("impersonation_right_missing")
    assert "On-premises Exchange:" in d.remediation and "Exchange Online:" in d.remediation


def test_ews_blocked_names_the_switches_and_the_shutdown():
    d = diagnose("ews_blocked", **ALL_NAMES)
    assert "Get-CASMailbox alice@contoso.com | Format-List Ews*" in d.commands
    assert "Set-CASMailbox alice@contoso.com -EwsEnabled $true" in d.commands
    assert "1 April 2027" in d.remediation and "Microsoft Graph" in d.remediation
    assert "403" in d.cause


# Exchange Online's EWS allow list, as Microsoft documents it ("Control access to EWS in Exchange",
# https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange;
# "Introducing EWSAllowedAppIDs", https://techcommunity.microsoft.com/blog/exchange/introducing-ewsallowedappids-
# preparing-for-the-final-phase-of-ews-retirement/4529471; Microsoft's "Testing EWS App Access",
# https://github.com/David-Barrett-MS/PowerShell-EWS-Scripts/wiki/Testing-EWS-App-Access):
# - Get-OrganizationConfig shows EwsAllowedAppIDs only with -RetrieveEwsOperationAccessPolicy;
# - Set-OrganizationConfig -EwsAllowedAppIDs takes ONE comma-separated string and writes the complete list
#   ("always read the existing value before adding or removing an ID"); there is no @{Add=...} form;
# - with EwsEnabled $true only the listed applications may use EWS, so the list is written before EWS is
#   enabled; list changes take up to 24 hours.
def test_ews_blocked_allow_list_fix_keeps_the_existing_ids_and_enables_last():
    app_id = ALL_NAMES["client_id"]
    d = diagnose("ews_blocked", platform="online", **ALL_NAMES)
    commands = d.commands
    read = [c for c in commands if c.startswith("Get-OrganizationConfig")]
    assert read and all("-RetrieveEwsOperationAccessPolicy" in c for c in read)
    assert "Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy | Format-List Ews*" in commands
    assert not any("@{" in c for c in commands)                    # no hash-table "Add" form
    writes = [i for i, c in enumerate(commands) if "-EwsAllowedAppIDs" in c and "Set-OrganizationConfig" in c]
    assert len(writes) == 1
    write = commands[writes[0]]
    # one string argument: the existing ids (read with -RetrieveEwsOperationAccessPolicy) plus the app id,
    # joined with commas
    argument = write.split("-EwsAllowedAppIDs", 1)[1]
    assert "-join ','" in argument and f"'{app_id}'" in argument
    existing = re.search(r"\$(\w+)\s*\+\s*'" + re.escape(app_id) + "'", argument)
    assert existing, write
    source = next(c for c in commands[: writes[0] + 1] if c.startswith(f"${existing.group(1)} ="))
    assert "(Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy).EwsAllowedAppIDs" in source
    assert "-split ','" in source                                     # the string is split into its ids
    enable = commands.index("Set-OrganizationConfig -EwsEnabled $true")
    assert enable > writes[0]                                         # enabled only after the list is written
    assert "24 hours" in d.remediation
    assert "1 April 2027" in d.remediation and LINK_GRAPH_MIGRATION in d.links


def test_ews_blocked_on_premises_has_no_exchange_online_allow_list():
    d = diagnose("ews_blocked", platform="onprem", **ALL_NAMES)
    assert not any("EwsAllowedAppIDs" in c for c in d.commands)
    assert "Set-OrganizationConfig -EwsEnabled $true" in d.commands


def test_throttling_fix_differs_on_premises_and_online():
    onprem = diagnose("throttled", platform="onprem", service_account="CONTOSO\\svc", back_off=3)
    assert any(c.startswith("New-ThrottlingPolicy") and "-EwsMaxConcurrency" in c for c in onprem.commands)
    assert "Set-ThrottlingPolicyAssociation -Identity CONTOSO\\svc -ThrottlingPolicy 'Enterprise Connect'" \
        in onprem.commands
    assert "3 seconds" in onprem.remediation
    online = diagnose("throttled", platform="online")
    assert "cannot be changed" in online.remediation and not online.commands


def test_tls_fixes_carry_the_certificate_facts():
    d = diagnose("tls_expired", **ALL_NAMES)
    for value in ("CN=mail.contoso.com", "CN=Contoso Root CA", "2025-01-01T00:00:00Z",
                  "2026-01-01T00:00:00Z"):
        assert value in d.cause
    mismatch = diagnose("tls_name_mismatch", **ALL_NAMES)
    assert "mail.contoso.com, autodiscover.contoso.com" in mismatch.cause


@pytest.mark.parametrize(("code", "aadsts"), [("oauth_invalid_client", "AADSTS7000215"),
                                              ("oauth_secret_expired", "AADSTS7000222"),
                                              ("oauth_tenant_not_found", "AADSTS90002")])
def test_identity_platform_codes_are_named(code, aadsts):
    assert aadsts in diagnose(code, **ALL_NAMES).cause


def test_app_registration_links_are_prefilled_with_the_app_id():
    d = diagnose("oauth_invalid_client", app_id="3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01")
    assert any(link.endswith("/Credentials/appId/3c9d2a41-6f0e-4b7a-8d25-1e0f4a6b7c01") for link in d.links)


def test_permission_missing_offers_both_routes():
    d = diagnose("oauth_permission_missing", **ALL_NAMES)
    assert "full_access_as_app" in d.remediation and "admin consent" in d.remediation
    assert any("Application EWS.AccessAsApp" in c for c in d.commands)


def test_domain_wide_delegation_link_is_prefilled_and_encoded():
    scopes = ["https://www.googleapis.com/auth/calendar",
              "https://www.googleapis.com/auth/admin.directory.user.readonly"]
    d = diagnose("scope_not_authorized", client_id="102938475610293847561", scopes=scopes,
                 missing_scopes=scopes[1:])
    link = next(link for link in d.links if "domainwidedelegation" in link)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("https", "admin.google.com")
    assert parts.path == "/ac/owl/domainwidedelegation"
    assert "/" not in parts.query and ":" not in parts.query  # properly encoded
    query = parse_qs(parts.query)
    assert query == {"clientScopeToAdd": [",".join(scopes)], "clientIdToAdd": ["102938475610293847561"],
                     "overwriteClientId": ["true"]}
    assert "24 hours" in d.remediation
    assert scopes[1] in d.cause


def test_domain_wide_delegation_link_without_a_client_id_is_the_plain_page():
    d = diagnose("dwd_unauthorized")
    assert "https://admin.google.com/ac/owl/domainwidedelegation" in d.links
    assert "<numeric client ID of the service account>" in d.cause


def test_api_disabled_links_the_project_console_page():
    d = diagnose("api_disabled", api="admin", project="ec-calendar-123")
    assert ("https://console.developers.google.com/apis/api/admin.googleapis.com/overview"
            "?project=ec-calendar-123") in d.links
    assert "gcloud services enable admin.googleapis.com --project=ec-calendar-123" in d.commands


def test_not_admin_explains_who_can_grant():
    assert "super administrator" in diagnose("not_admin", admin="bob@contoso.com").remediation


def test_google_scope_not_enforced_says_delegation_cannot_be_scoped():
    d = diagnose("scope_not_enforced", platform="google", mailbox="ceo@contoso.com")
    assert "cannot be limited" in d.remediation and not d.commands


def test_powershell_values_are_quoted_safely():
    d = diagnose("ews_blocked", mailbox="o'brien@contoso.com")
    assert "Get-CASMailbox 'o''brien@contoso.com' | Format-List Ews*" in d.commands
    scope = diagnose("impersonation_denied", platform="onprem", group_dn="CN=Sales $team,DC=contoso,DC=com",
                     scope_group="Sales $team")
    assert "\"MemberOfGroup -eq 'CN=Sales `$team,DC=contoso,DC=com'\"" in scope.remediation
    assert "Get-Group 'Sales $team' | Format-List Name,DistinguishedName" in scope.commands


def test_upn_service_account_is_found_by_filter_in_ad_commands():
    d = diagnose("account_locked", service_account="svc-cal@contoso.com")
    assert "Unlock-ADAccount -Identity (Get-ADUser -Filter \"UserPrincipalName -eq 'svc-cal@contoso.com'\")" \
        in d.commands
    down_level = diagnose("account_locked", service_account="CONTOSO\\svc-cal")
    assert "Unlock-ADAccount -Identity svc-cal" in down_level.commands


# --- shown in German ------------------------------------------------------------------------------------
SAME_IN_GERMAN = {"Exchange Online:", "Google Workspace:"}


@pytest.mark.parametrize("surface", ["cli", "gui"])
@pytest.mark.parametrize("code", diagnoses.codes())
def test_every_diagnosis_reads_in_german_with_its_commands_links_and_names_kept(code, surface,
                                                                               compiled_catalogs):
    from ec_console import i18n

    names = {"mailbox": "ceo@contoso.com", "service_account": "CONTOSO\\svc-cal", "host": "mail.contoso.com",
             "client_id": "1234567890", "error": "connection reset"}
    for platform in (None, *diagnoses.PLATFORMS):
        english = diagnoses.diagnose(code, surface=surface, platform=platform, **names)
        i18n.set_language("de")
        try:
            shown = diagnoses.localize(english, surface)
        finally:
            i18n.set_language(None)                                     # back to the environment's
        assert diagnoses.localize(english, surface) == english          # English: unchanged
        assert (shown.code, shown.commands, shown.links) == (english.code, english.commands, english.links)
        if code != "bad_input":                                         # its cause is the caller's message
            assert shown.cause != english.cause
        verbatim = {*english.commands, *english.links}
        for before, after in zip(english.remediation.split("\n"), shown.remediation.split("\n"), strict=True):
            if before.strip() in verbatim or before.startswith("    "):
                assert after == before
            elif before not in SAME_IN_GERMAN:
                assert after != before, f"{code} ({platform}, {surface}) left in English: {before}"
        for name in ("ceo@contoso.com", "mail.contoso.com"):
            assert english.cause.count(name) == shown.cause.count(name)
