"""The probe session's quick open (`providers.exchange.probe`): when the application names its sign-in method
(NTLM or Basic), the session opens with the run's first FindItem, without the authentication-method probe and
without exchangelib's separate server-version request; every verdict stays what the ordinary open gives."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_setup import sandbox_fixture

from ec_console.providers.exchange.check import ExchangeSettings, ProbeResult
from ec_console.providers.exchange.probe import ExchangeProbeSession
from ec_console.sandbox import Sandbox, SandboxInfo

sandbox = sandbox_fixture("module")


@pytest.fixture
def sb(sandbox: Sandbox) -> Any:
    sandbox.requests.clear()
    yield sandbox
    server = sandbox.ews
    server.api_versions = None
    server.auth_methods = {"ntlm", "basic", "bearer"}


def settings(info: SandboxInfo, auth: str | None) -> ExchangeSettings:
    return ExchangeSettings(mailbox=info.mailbox_in_scope, ews_url=info.ews_url, username=info.username,
                            ca_file=info.ca_file, timeout=5.0, auth=auth)


def awkward(info: SandboxInfo) -> list[str]:
    return [info.mailboxes_in_scope[0], info.mailboxes_in_scope[1], info.mailbox_out_of_scope,
            info.mailbox_nonexistent, info.mailbox_throttled, info.mailbox_ews_blocked,
            info.mailbox_folder_denied]


def verdict(result: ProbeResult) -> dict[str, Any]:
    """Everything the dashboard reads of a probe, minus timings (as tests/test_exchange_probe.py reads it)."""
    report = result.report
    failure = report.first_failure if report else None
    steps = {s.id: (s.status.value, s.detail, {k: v for k, v in (s.data or {}).items()})
             for s in (report.steps if report else [])}
    return {"ok": result.ok, "code": result.diagnosis.code if result.diagnosis else None,
            "detail": result.detail, "blocks": result.blocks, "failed_step": failure.id if failure else None,
            "steps": steps}


def ews(sb: Sandbox) -> list[Any]:
    return [r for r in sb.requests.all() if r.notes.get("endpoint") == "ews"]


def before_first_probe(sent: list[Any]) -> list[Any]:
    """The session's set-up: every EWS request before the first FindItem that reached the server's handler."""
    first = next(i for i, r in enumerate(sent) if r.notes.get("operation") == "FindItem")
    return sent[:first]


def refused_sign_ins(sent: list[Any]) -> int:
    """401 answers to requests that carried credentials (the sandbox logs them redacted): a refused Basic
    sign-in gives one, a refused NTLM one two (NEGOTIATE's challenge, then AUTHENTICATE refused)."""
    return sum(1 for r in sent if r.status == 401 and r.header("Authorization"))


def run(sb: Sandbox, auth: str | None, mailboxes: list[str], password: str | None = None,
        quick_open: bool = True) -> tuple[list[ProbeResult], ExchangeProbeSession, list[Any]]:
    info = sb.info()
    sb.requests.clear()
    with ExchangeProbeSession(settings(info, auth), password or info.password, max_connections=1,
                              quick_open=quick_open) as session:
        results = [session.probe(m) for m in mailboxes]
    sent = ews(sb)
    sb.requests.clear()
    return results, session, sent


def test_a_named_ntlm_sign_in_opens_the_session_in_two_requests_instead_of_four(sb: Sandbox) -> None:
    info = sb.info()
    mailboxes = list(info.mailboxes_in_scope[:3])
    _, ordinary, sent_before = run(sb, None, mailboxes)
    results, quick, sent_after = run(sb, "ntlm", mailboxes)
    assert all(r.ok for r in results) and quick.quick_opened and not ordinary.quick_opened
    assert len(before_first_probe(sent_before)) == 4   # method probe, 401, NTLM NEGOTIATE, ConvertId
    setup = before_first_probe(sent_after)
    assert len(setup) == 2                              # 401, NTLM NEGOTIATE: the first FindItem signs in
    assert not any(r.notes.get("operation") for r in setup)
    assert [r.notes.get("operation") for r in sent_after[2:]] == ["FindItem"] * len(mailboxes)
    assert quick.opened_count == 1 and quick.fallbacks == 0 and quick.quick_fallbacks == 0


def test_a_named_basic_sign_in_needs_no_set_up_request(sb: Sandbox) -> None:
    info = sb.info()
    results, session, sent = run(sb, "basic", list(info.mailboxes_in_scope[:2]))
    assert all(r.ok for r in results) and session.quick_opened
    assert [r.notes.get("operation") for r in sent] == ["FindItem", "FindItem"]


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_every_verdict_is_the_ordinary_opens(sb: Sandbox, auth: str) -> None:
    info = sb.info()
    for first in awkward(info):   # whichever mailbox comes first, the quick open must not change a verdict
        mailboxes = [first, *[m for m in awkward(info) if m != first][:3]]
        expected, _, _ = run(sb, auth, mailboxes, quick_open=False)
        got, _, _ = run(sb, auth, mailboxes)
        assert [verdict(r) for r in got] == [verdict(r) for r in expected], first


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_a_wrong_password_falls_back_to_the_method_probe_with_todays_verdict(sb: Sandbox, auth: str) -> None:
    info = sb.info()
    mailboxes = list(info.mailboxes_in_scope[:2])
    expected, _, _ = run(sb, auth, mailboxes, password="wrong-password", quick_open=False)
    got, session, sent = run(sb, auth, mailboxes, password="wrong-password")
    assert [verdict(r) for r in got] == [verdict(r) for r in expected]
    assert {(r.diagnosis.code, r.report.first_failure.id) for r in got} == {("auth_failed", "authenticate")}
    assert session.quick_fallbacks == 1 and not session.quick_opened
    # after the refused quick open the full check probed the server's methods (a POST with no credentials)
    assert any(r.status == 401 and not r.header("Authorization") and r.notes.get("operation") is None
               for r in sent[1:])
    # and the service account met no more refused sign-ins than with the ordinary open (lockout counts them)
    _, _, ordinary = run(sb, auth, mailboxes, password="wrong-password", quick_open=False)
    _, _, quick = run(sb, auth, mailboxes, password="wrong-password")
    assert refused_sign_ins(quick) == refused_sign_ins(ordinary) > 0


def test_a_named_method_the_server_no_longer_offers_gets_todays_verdict(sb: Sandbox) -> None:
    info = sb.info()
    sb.ews.auth_methods = {"ntlm", "bearer"}   # Basic switched off on the server since the setup
    mailboxes = list(info.mailboxes_in_scope[:2])
    expected, _, _ = run(sb, "basic", mailboxes, quick_open=False)
    got, session, _ = run(sb, "basic", mailboxes)
    assert [verdict(r) for r in got] == [verdict(r) for r in expected]
    assert got[0].diagnosis is not None and got[0].diagnosis.code == "auth_method_unsupported"
    assert session.quick_fallbacks == 1


def test_a_server_refusing_the_guessed_version_is_asked_the_older_ones(sb: Sandbox) -> None:
    info = sb.info()
    sb.ews.api_versions = {"Exchange2013_SP1", "Exchange2013"}   # an older server
    mailboxes = list(info.mailboxes_in_scope[:3])
    expected, _, _ = run(sb, "ntlm", mailboxes, quick_open=False)
    got, session, sent = run(sb, "ntlm", mailboxes)
    assert all(r.ok for r in got) and [verdict(r) for r in got] == [verdict(r) for r in expected]
    refused = [i for i, r in enumerate(sent) if r.status == 500]
    assert refused and sent[refused[0]].notes.get("api_version") == "Exchange2016"
    assert "Exchange2016" not in sb.ews.api_versions
    # the version the server accepted is kept for the run: no probe after the first is refused again
    after = sent[refused[-1] + 1:]
    assert [(r.notes.get("operation"), r.status, r.notes.get("api_version")) for r in after] == [
        ("FindItem", 200, "Exchange2013_SP1")] * len(mailboxes)
    assert session.quick_opened and session.quick_fallbacks == 0


def test_a_server_refusing_every_version_gets_todays_verdict(sb: Sandbox) -> None:
    info = sb.info()
    sb.ews.api_versions = {"Exchange2000"}   # none of the versions exchangelib knows
    mailboxes = list(info.mailboxes_in_scope[:2])
    expected, _, _ = run(sb, "ntlm", mailboxes, quick_open=False)
    got, session, _ = run(sb, "ntlm", mailboxes)
    assert [verdict(r) for r in got] == [verdict(r) for r in expected]
    assert not got[0].ok and session.quick_fallbacks == 1


def test_an_application_without_a_named_method_opens_as_before(sb: Sandbox) -> None:
    info = sb.info()
    _, session, sent = run(sb, None, list(info.mailboxes_in_scope[:2]))
    assert not session.quick_opened and session.quick_fallbacks == 0
    assert sum(1 for r in sent if r.notes.get("operation") == "ConvertId") == 1

