"""Rendering: the readable step list, the --json contract, the bad_input error object and the HTML export."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from ec_console.checks import Report, StepResult, StepStatus
from ec_console.diagnoses import diagnose
from ec_console.render import (
    format_duration,
    render_error_json,
    render_html,
    render_json,
    render_step,
    render_text,
)

SCOPE_DIAGNOSIS = diagnose("impersonation_denied", platform="onprem", mailbox="ceo@contoso.com",
                           service_account="CONTOSO\\svc-calendar", scope_group="EC Calendar Users")


def _report(**overrides) -> Report:
    steps = (
        StepResult("dns", "DNS lookup", StepStatus.PASS, 12, "mail.contoso.com → 10.0.0.5",
                   {"addresses": ["10.0.0.5"], "a_first": 1}),
        StepResult("tls", "TLS certificate", StepStatus.WARN, 1530, "plain http to mail.contoso.com",
                   None, diagnose("plain_http", host="mail.contoso.com")),
        StepResult("impersonate", "Impersonate mailbox", StepStatus.FAIL, 87,
                   "ErrorImpersonateUserDenied", {"z": 1, "a": {"y": 2, "b": 3}}, SCOPE_DIAGNOSIS),
        StepResult("read_calendar", "Read calendar", StepStatus.SKIP, 0,
                   "Skipped: the step “Impersonate mailbox” failed.", {"skip_reason": "blocked"}),
    )
    values = {"provider": "exchange", "target": "ceo@contoso.com", "started_at": "2026-11-23T22:18:09Z",
              "steps": steps}
    values.update(overrides)
    return Report(**values)


# --- text -------------------------------------------------------------------------------------------------


def test_text_lists_every_step_with_status_title_duration_and_detail():
    text = render_text(_report())
    lines = text.splitlines()
    assert lines[0] == "Exchange check of ceo@contoso.com (started 2026-11-23T22:18:09Z)"
    dns = next(line for line in lines if "DNS lookup" in line)
    assert dns.lstrip().startswith("PASS") and "12 ms" in dns and "mail.contoso.com → 10.0.0.5" in dns
    assert "1.5 s" in next(line for line in lines if "TLS certificate" in line)
    skip = next(line for line in lines if "Read calendar" in line)
    assert skip.lstrip().startswith("SKIP") and " ms" not in skip
    assert lines[-1] == "Result: FAIL (1 passed, 1 warned, 1 failed, 1 skipped)"


def test_failure_shows_cause_and_fix_indented_with_commands_on_their_own_lines():
    text = render_text(_report())
    lines = text.splitlines()
    cause = next(line for line in lines if "Cause:" in line and "ceo@contoso.com" in line)
    assert cause.startswith("        Cause: The service account may not act as ceo@contoso.com")
    for command in SCOPE_DIAGNOSIS.commands:
        own_line = [line for line in lines if line.strip() == command]
        assert own_line and own_line[0].startswith(" " * 12), command
    for link in SCOPE_DIAGNOSIS.links:
        assert any(line.strip() == link for line in lines)
    assert "(diagnosis code: impersonation_denied)" in text


def test_titles_line_up():
    lines = render_text(_report()).splitlines()
    step_lines = [line for line in lines if line.startswith("  ") and line[2:6] in ("PASS", "WARN", "FAIL",
                                                                                     "SKIP")]
    assert len(step_lines) == 4
    width = len("Impersonate mailbox")
    for line in step_lines:
        title = line[8:8 + width]
        assert line[8 + width:8 + width + 2] == "  ", title


def test_no_colour_unless_asked():
    plain = render_text(_report())
    assert "\x1b[" not in plain
    coloured = render_text(_report(), color=True)
    assert "\x1b[31mFAIL\x1b[0m" in coloured and "\x1b[32mPASS\x1b[0m" in coloured
    assert "\x1b[1m\x1b[31mFAIL\x1b[0m" in coloured.splitlines()[-1]


def test_control_characters_from_a_server_cannot_reach_the_terminal():
    step = StepResult("authenticate", "Authenticate", StepStatus.FAIL, 5, "bad\x1b[2J\x07 answer\r\nsecond",
                      None, diagnose("server_error", host="h", error="x"))
    text = render_step(step)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "bad[2J answer" in text and "second" in text.splitlines()[1]


def test_cancelled_runs_say_so_in_the_summary():
    steps = (StepResult("dns", "DNS", StepStatus.PASS, 1),
             StepResult("tcp", "TCP", StepStatus.SKIP, 0, "Skipped: the check was cancelled.",
                        {"skip_reason": "cancelled"}))
    assert render_text(_report(steps=steps)).splitlines()[-1].endswith("1 skipped, cancelled)")


def test_duration_format():
    assert [format_duration(v) for v in (0, 999, 1000, 15250)] == ["0 ms", "999 ms", "1.0 s", "15.2 s"]


# --- JSON -------------------------------------------------------------------------------------------------


def test_json_is_the_contract_object_in_contract_order():
    report = _report()
    raw = json.loads(render_json(report))
    assert list(raw) == ["provider", "target", "started_at", "result", "steps"]
    assert raw["result"] == "fail"
    for step in raw["steps"]:
        assert list(step) == ["id", "title", "status", "duration_ms", "detail", "data", "diagnosis"]
    assert list(raw["steps"][2]["diagnosis"]) == ["code", "cause", "remediation", "commands", "links"]
    assert raw["steps"][2]["diagnosis"]["commands"] == SCOPE_DIAGNOSIS.commands
    assert raw["steps"][0]["diagnosis"] is None
    assert Report.from_dict(raw) == report


def test_json_data_keys_are_sorted_and_non_ascii_is_kept():
    text = render_json(_report())
    raw = json.loads(text)
    assert list(raw["steps"][2]["data"]) == ["a", "z"] and list(raw["steps"][2]["data"]["a"]) == ["b", "y"]
    assert "→" in text and "\\u2192" not in text
    assert render_json(_report()) == text  # stable


def test_json_compact_form():
    assert "\n" not in render_json(_report(), indent=None)


def test_error_json_is_the_contract_object():
    text = render_error_json("--mailbox: 'alice' has no '@'; expected an address like alice@contoso.com")
    assert json.loads(text) == {"error": {"code": "bad_input", "message":
                                          "--mailbox: 'alice' has no '@'; expected an address like "
                                          "alice@contoso.com"}}
    assert list(json.loads(text)["error"]) == ["code", "message"]
    assert "ü" in render_error_json("--user: 'jürgen' unknown")


# --- HTML -------------------------------------------------------------------------------------------------


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs.extend(v for k, v in attrs if k == "href")

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    return collector


def test_html_is_a_complete_page_with_every_step():
    page = render_html(_report())
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    parsed = _parse(page)
    text = "".join(parsed.text)
    for title in ("DNS lookup", "TLS certificate", "Impersonate mailbox", "Read calendar"):
        assert title in text
    assert "Result: FAIL" in text
    assert parsed.tags.count("tr") == 5  # header + 4 steps
    for command in SCOPE_DIAGNOSIS.commands:
        assert command in text
    assert set(SCOPE_DIAGNOSIS.links) <= set(parsed.hrefs)


def test_html_escapes_everything():
    hostile = '<script>alert("x")</script>'
    steps = (StepResult("dns", f"DNS {hostile}", StepStatus.FAIL, 1, f"detail {hostile}",
                        {"k": hostile}, diagnose("dns_unresolved", host=hostile, error=hostile)),)
    page = render_html(_report(target=f"x{hostile}@contoso.com", steps=steps))
    parsed = _parse(page)
    assert "script" not in parsed.tags
    assert "<script" not in page
    assert hostile in "".join(parsed.text)  # shown as text, not run


def test_html_links_only_for_web_addresses():
    diagnosis = diagnose("dns_unresolved", host="h")
    bad = type(diagnosis)(code="x", cause="c", remediation="javascript:alert(1)", commands=[],
                          links=["javascript:alert(1)"])
    steps = (StepResult("dns", "DNS", StepStatus.FAIL, 1, "d", None, bad),)
    parsed = _parse(render_html(_report(steps=steps)))
    assert parsed.hrefs == []


def test_safe_text_drops_escapes_and_bidirectional_overrides():
    from ec_console.render import safe_text

    hostile = "ok\x1b[31mred\u202eevil\u2066x\u2069\r\nnext"
    # With ESC gone, "[31m" is inert text; the overrides that reorder what a reader sees are gone too.
    assert safe_text(hostile) == "ok[31mredevilx \nnext"
    assert safe_text(hostile, keep_newlines=False) == "ok[31mredevilx  next"


def test_the_graph_checks_data_is_labelled_in_german_where_shown(cli_language):
    """The keys the Graph check writes for its sign-in, write probe and restriction (not in the Exchange
    sandbox run the report test uses) have German labels; the keys themselves are what --json keeps."""
    from ec_console.render import data_items

    data = {"credential": "secret", "roles": ["Calendars.Read"], "tenant_wide_roles": [],
            "token_source": "identity_provider", "service_principal": "0b8e-…", "request_id": "r-1",
            "created": True, "leftover": False, "denied_with": "ErrorAccessDenied", "scope_group": "Cal"}
    cli_language(True)
    labels = [label for label, _value in data_items(data)]
    for german in ("Anmeldeinformation", "Rollen", "Tokenquelle", "Dienstprinzipal", "Anforderungs-ID",
                   "erstellt", "zurückgeblieben", "verweigert mit", "Gruppe für den Bereich"):
        assert german in labels, (german, labels)
    assert not any("_" in label for label in labels)
    cli_language(False)
    assert "tenant-wide roles" in [label for label, _value in data_items(data)]
