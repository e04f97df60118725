"""Bulk probe sessions (`providers.exchange.probe`): the same verdicts as the interactive probe, in one EWS
request per mailbox over a pool of connections signed in once, closed with the session."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from defusedxml import ElementTree

from ec_console import checkall
from ec_console.checkall import ProbeJob, run_probes
from ec_console.checks import CancelToken
from ec_console.dashboard import ProfileRecorder
from ec_console.providers.base import (
    ExchangeAdapter,
    ProbeKind,
    SessionAdapter,
    open_session_adapter,
)
from ec_console.providers.exchange.check import ExchangeSettings, ProbeResult, probe_mailbox
from ec_console.providers.exchange.probe import ExchangeProbeSession
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox, SandboxInfo

M_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"
T_NS = "http://schemas.microsoft.com/exchange/services/2006/types"



@pytest.fixture(scope="module")
def module_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("sandbox")) as sandbox:
        yield sandbox


@pytest.fixture
def sb(module_sandbox: Sandbox) -> Iterator[Sandbox]:
    module_sandbox.requests.clear()
    yield module_sandbox
    module_sandbox.ews_server.latency = 0.0


def ntlm_settings(info: SandboxInfo, **changes: Any) -> ExchangeSettings:
    values: dict[str, Any] = dict(mailbox=info.mailbox_in_scope, ews_url=info.ews_url, username=info.username,
                                  ca_file=info.ca_file, timeout=5.0)
    values.update(changes)
    return ExchangeSettings(**values)


def oauth_settings(info: SandboxInfo, **changes: Any) -> ExchangeSettings:
    """An app-only application whose test mailbox is the first in-scope one (as the dashboard passes it)."""
    values: dict[str, Any] = dict(mailbox=info.mailbox_in_scope, ews_url=info.ews_url, auth="oauth",
                                  tenant_id=info.tenant_id, client_id=info.client_id,
                                  authority=info.authority, ca_file=info.ca_file, timeout=5.0,
                                  anchor_mailbox=info.mailbox_in_scope)
    values.update(changes)
    return ExchangeSettings(**values)


def awkward(info: SandboxInfo) -> list[str]:
    return [info.mailboxes_in_scope[0], info.mailboxes_in_scope[1], info.mailbox_out_of_scope,
            info.mailbox_nonexistent, info.mailbox_throttled, info.mailbox_ews_blocked,
            info.mailbox_folder_denied, info.mailbox_connection_limit]


def verdict(result: ProbeResult) -> dict[str, Any]:
    """What a probe concludes: everything the dashboard reads of it, minus timings."""
    failure = result.report.first_failure if result.report else None
    read = result.report.step("read_calendar") if result.report else None
    return {
        "ok": result.ok,
        "code": result.diagnosis.code if result.diagnosis else None,
        "cause": result.diagnosis.cause if result.diagnosis else None,
        "detail": result.detail,
        "blocks": result.blocks,
        "failed_step": failure.id if failure else None,
        "back_off": (failure.data or {}).get("back_off") if failure else None,
        "read_calendar": (read.status.value, read.detail) if read else None,
    }


def ews_requests(sb: Sandbox) -> list[Any]:
    return [r for r in sb.requests.all() if r.notes.get("endpoint") == "ews"]


def request_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "process_request" in t.name and t.is_alive()}


# --- the same verdicts -------------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["ntlm", "oauth"])
def test_each_verdict_is_the_interactive_probes(sb: Sandbox, auth: str) -> None:
    info = sb.info()
    settings = ntlm_settings(info) if auth == "ntlm" else oauth_settings(info)
    secret = info.password if auth == "ntlm" else info.client_secret
    mailboxes = awkward(info)
    expected = {m: verdict(probe_mailbox(settings, secret, m)) for m in mailboxes}
    with ExchangeProbeSession(settings, secret, max_connections=2) as session:
        got = {m: verdict(session.probe(m)) for m in mailboxes}
        assert session.opened_count == 1 and session.fallbacks == 0
    assert got == expected
    # the awkward ones really are awkward: the comparison covers every kind of answer
    codes = {m: v["code"] for m, v in got.items()}
    assert codes[info.mailbox_out_of_scope] == "impersonation_denied"
    assert codes[info.mailbox_nonexistent] == "mailbox_not_found"
    assert codes[info.mailbox_throttled] == "throttled"
    assert got[info.mailbox_throttled]["back_off"] == info.throttle_back_off_ms / 1000
    assert codes[info.mailbox_ews_blocked] == "ews_blocked"
    assert codes[info.mailbox_folder_denied] == "folder_access_denied"
    assert got[info.mailboxes_in_scope[0]]["ok"] and got[info.mailboxes_in_scope[0]]["blocks"]


def test_adapter_outcomes_match_the_plain_adapters(sb: Sandbox) -> None:
    info = sb.info()
    app = _App(settings={"ews_url": info.ews_url, "username": info.username, "ca_file": info.ca_file,
                         "timeout": 5})
    adapter = ExchangeAdapter()
    plain = {m: adapter.probe(app, info.password, m, CancelToken()) for m in awkward(info)}
    bound = open_session_adapter(adapter, app, info.password, concurrency=2)
    assert isinstance(bound, SessionAdapter)
    try:
        pooled = {m: bound.probe(app, info.password, m, CancelToken()) for m in awkward(info)}
    finally:
        bound.close()

    def seen(o: Any) -> tuple:
        return (o.kind, o.code, o.back_off, o.busy_count, o.detail)

    assert {m: seen(o) for m, o in pooled.items()} == {m: seen(o) for m, o in plain.items()}
    assert pooled[info.mailbox_throttled].kind is ProbeKind.TRANSIENT
    assert pooled[info.mailbox_throttled].back_off == info.throttle_back_off_ms / 1000
    assert pooled[info.mailbox_out_of_scope].kind is ProbeKind.PROFILE
    # everything but probing is still the adapter's own
    assert bound.secret_kind(app) == "password" and bound.provider == "exchange"


# --- fewer requests ----------------------------------------------------------------------------------------


def parent_folders(request: Any) -> list[tuple[str, str | None, str | None]]:
    """(element, Id, mailbox) of each parent folder a FindItem names, read from the request as sent."""
    envelope = ElementTree.fromstring(request.body)
    parents = envelope.find(f".//{{{M_NS}}}ParentFolderIds")
    assert parents is not None
    address = f"{{{T_NS}}}Mailbox/{{{T_NS}}}EmailAddress"
    return [(elem.tag.rsplit("}", 1)[-1], elem.get("Id"), elem.findtext(address)) for elem in parents]


def soap_operation(request: Any) -> str:
    """The EWS operation a request asked for, read from its SOAP body (also when the answer was a fault)."""
    body = ElementTree.fromstring(request.body).find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    assert body is not None and len(body) == 1
    return body[0].tag.rsplit("}", 1)[-1]


def test_each_probe_is_one_finditem_on_a_signed_in_connection(sb: Sandbox) -> None:
    info = sb.info()
    mailboxes = list(info.mailboxes_in_scope[:4])
    with ExchangeProbeSession(ntlm_settings(info), info.password, max_connections=1) as session:
        session.probe(mailboxes[0])          # opens: method probe, NTLM handshake, version learnt
        sb.requests.clear()
        for mailbox in mailboxes[1:]:
            assert session.probe(mailbox).ok
        sent = ews_requests(sb)
    assert len(sent) == 3                    # one request per mailbox
    for mailbox, request in zip(mailboxes[1:], sent, strict=True):
        assert request.notes.get("operation") == "FindItem"
        assert request.notes.get("impersonated") == mailbox
        assert request.header("Authorization") is None   # the connection is signed in
        assert request.status == 200
        # the mailbox's calendar by its distinguished id: nothing fetched before to learn a folder id
        assert parent_folders(request) == [("DistinguishedFolderId", "calendar", mailbox)]
        assert request.notes["base_shape"] == "IdOnly"
        # times and busy type only (exchangelib adds the time zones of start and end itself)
        assert set(request.notes["fields"]) == {"calendar:Start", "calendar:End", "calendar:StartTimeZone",
                                                "calendar:EndTimeZone", "calendar:LegacyFreeBusyStatus",
                                                "calendar:IsAllDayEvent"}
        assert ElementTree.fromstring(request.body).find(f".//{{{M_NS}}}CalendarView") is not None
    assert len({r.connection_id for r in sent}) == 1


def every_awkward_mailbox(info: SandboxInfo) -> list[str]:
    """Every kind of mailbox the sandbox organisation holds, one of each."""
    return [info.mailboxes_in_scope[0], info.mailbox_out_of_scope, info.mailbox_nonexistent,
            info.mailbox_throttled, info.mailbox_slow, info.mailbox_ews_blocked, info.mailbox_folder_denied,
            info.mailbox_write_denied, info.mailbox_connection_limit, info.mailbox_calendar_reviewer,
            "nested.member@sandbox.example", "undeletable@sandbox.example"]


def _variant(info: SandboxInfo, variant: str) -> tuple[ExchangeSettings, str]:
    if variant == "oauth":
        return oauth_settings(info), info.client_secret
    if variant == "delegate":
        return ntlm_settings(info, impersonation=False), info.password
    return ntlm_settings(info), info.password


@pytest.mark.parametrize("variant", ["ntlm", "oauth", "delegate"])
def test_every_awkward_mailbox_one_request_same_verdict_as_the_full_check(sb: Sandbox, variant: str) -> None:
    info = sb.info()
    slow_seconds = sb.org.slow_seconds
    sb.org.slow_seconds = 0.05
    try:
        settings, secret = _variant(info, variant)
        mailboxes = every_awkward_mailbox(info)
        assert {m.lower() for m in mailboxes} <= set(sb.org.mailboxes) | {info.mailbox_nonexistent}
        expected = {m: verdict(probe_mailbox(settings, secret, m)) for m in mailboxes}
        with ExchangeProbeSession(settings, secret, max_connections=1) as session:
            session.probe(info.mailboxes_in_scope[1])         # the session's own first requests
            sb.requests.clear()
            got = {}
            refused_by_http = False
            for mailbox in mailboxes:
                got[mailbox] = verdict(session.probe(mailbox))
                sent = ews_requests(sb)
                sb.requests.clear()
                operations = [r for r in sent if r.status != 401]    # 401: a connection signing in
                assert [soap_operation(r) for r in operations] == ["FindItem"], mailbox
                if refused_by_http:
                    # after a 403 the refused connection is replaced: only the new one's sign-in is extra
                    assert len(sent) <= 3, mailbox
                else:
                    assert len(sent) == 1, mailbox
                refused_by_http = operations[0].status == 403
                if variant != "delegate":
                    assert operations[0].notes.get("impersonated") == mailbox.lower()
            assert session.opened_count == 1 and session.fallbacks == 0
    finally:
        sb.org.slow_seconds = slow_seconds
    for mailbox in mailboxes:
        assert got[mailbox] == expected[mailbox], mailbox
    # the comparison covers failing answers, not only good ones
    assert len({v["code"] for v in got.values()}) >= (4 if variant != "delegate" else 3)


def test_the_session_opens_once_and_the_interactive_probe_does_not(sb: Sandbox) -> None:
    info = sb.info()
    mailboxes = list(info.mailboxes_in_scope[:5])
    with ExchangeProbeSession(ntlm_settings(info), info.password, max_connections=1) as session:
        for mailbox in mailboxes:
            session.probe(mailbox)
    pooled = ews_requests(sb)
    sb.requests.clear()
    for mailbox in mailboxes:
        probe_mailbox(ntlm_settings(info), info.password, mailbox)
    full = ews_requests(sb)

    def count(sent: list, operation: str) -> int:
        return sum(1 for r in sent if r.notes.get("operation") == operation)

    assert count(pooled, "ConvertId") == 1 and count(full, "ConvertId") == len(mailboxes)
    # the interactive check opens the calendar (GetFolder) then reads it; a bulk probe only reads it
    assert count(full, "GetFolder") == len(mailboxes) and count(pooled, "GetFolder") == 0
    assert count(pooled, "FindItem") == len(mailboxes) == count(full, "FindItem")
    handshakes = [r for r in pooled if (r.header("Authorization") or "").startswith("NTLM")]
    assert len(handshakes) == 2                        # NEGOTIATE + AUTHENTICATE, once
    assert len(pooled) < len(full) / 2


def test_concurrent_probes_share_at_most_max_connections_signed_in_once(sb: Sandbox) -> None:
    info = sb.info()
    sb.ews_server.latency = 0.02                       # keep several probes in flight at once
    mailboxes = list(info.mailboxes_in_scope) * 2
    results: dict[int, ProbeResult] = {}
    with ExchangeProbeSession(ntlm_settings(info), info.password, max_connections=3) as session:
        def worker(n: int) -> None:
            for i in range(n, len(mailboxes), 6):
                results[i] = session.probe(mailboxes[i])

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        protocol = session._opened.protocol
        assert 1 <= protocol.sessions_made <= 3
    assert len(results) == len(mailboxes) and all(r.ok for r in results.values())
    probes = [r for r in ews_requests(sb) if r.notes.get("impersonated")]
    assert len(probes) == len(mailboxes)   # one FindItem per mailbox
    assert len({r.connection_id for r in probes}) <= 3
    negotiates = [r for r in ews_requests(sb) if (r.header("Authorization") or "").startswith("NTLM")]
    assert len(negotiates) <= 2 * 3


# --- life cycle --------------------------------------------------------------------------------------------


def test_closing_the_session_closes_its_connections(sb: Sandbox) -> None:
    info = sb.info()
    before = request_threads()
    session = ExchangeProbeSession(ntlm_settings(info), info.password, max_connections=2)
    session.probe(info.mailboxes_in_scope[0])
    assert request_threads() - before, "the pooled connection stays open between probes (keep-alive)"
    session.close()
    deadline = time.monotonic() + 5
    while request_threads() - before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not request_threads() - before, "the server still holds a connection of the closed session"
    assert session.closed
    with pytest.raises(RuntimeError, match="closed"):
        session.probe(info.mailboxes_in_scope[1])


def test_a_cancelled_probe_sends_nothing_and_is_never_ok(sb: Sandbox) -> None:
    info = sb.info()
    cancel = CancelToken()
    cancel.cancel()
    with ExchangeProbeSession(ntlm_settings(info), info.password, max_connections=1) as session:
        result = session.probe(info.mailbox_in_scope, cancel=cancel)
    assert not result.ok and result.report is not None and result.report.cancelled
    assert ews_requests(sb) == []


def test_a_session_that_cannot_sign_in_answers_with_the_full_check(sb: Sandbox) -> None:
    info = sb.info()
    settings = ntlm_settings(info)
    expected = verdict(probe_mailbox(settings, "wrong-password", info.mailbox_in_scope))
    with ExchangeProbeSession(settings, "wrong-password", max_connections=2) as session:
        got = verdict(session.probe(info.mailbox_in_scope))
        assert session.fallbacks == 1 and session.opened_count == 0
    assert got == expected
    assert got["code"] == "auth_failed" and got["failed_step"] == "authenticate"


def test_an_unreachable_endpoint_is_diagnosed_step_by_step(sb: Sandbox) -> None:
    info = sb.info()
    settings = ntlm_settings(info, ews_url="https://127.0.0.1:9/EWS/Exchange.asmx", timeout=2.0)
    with ExchangeProbeSession(settings, info.password, max_connections=1) as session:
        result = session.probe(info.mailbox_in_scope)
    assert not result.ok and result.diagnosis is not None
    assert result.diagnosis.code == "tcp_unreachable" and result.report.first_failure.id == "tcp"


def test_bad_settings_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="user name"):
        ExchangeProbeSession(ExchangeSettings(mailbox="a@b.example", ews_url="https://x.example/EWS"), "pw",
                             max_connections=1)
    with pytest.raises(ValueError, match="max_connections"):
        ExchangeProbeSession(ExchangeSettings(mailbox="a@b.example", ews_url="https://x.example/EWS",
                                              username="u"), "pw", max_connections=0)


# --- through the check-all engine --------------------------------------------------------------------------


@dataclass
class _App:
    settings: dict[str, Any]
    name: str = "Bulk"
    provider: str = "exchange"
    domain: str = "sandbox.example"
    extra: dict[str, Any] = field(default_factory=dict)


def test_check_all_through_a_session_keeps_the_status_rules(sb: Sandbox) -> None:
    info = sb.info()
    throttled, outside = info.mailbox_throttled, info.mailbox_out_of_scope
    mailboxes = [*info.mailboxes_in_scope[:6], throttled, outside]
    with Registry.for_region("probe-session") as registry:
        app = registry.add_application("Bulk", "exchange", info.domain, {
            "ews_url": info.ews_url, "username": info.username, "ca_file": info.ca_file, "timeout": 5})
        registry.add_profiles(app.id, [(m, "") for m in mailboxes], status="linked")
        jobs = [ProbeJob(app.id, p.email, p.id) for p in registry.list_profiles()]
        bound = open_session_adapter(ExchangeAdapter(), app, info.password, concurrency=3)
        assert bound is not None
        try:
            summary = run_probes(registry, jobs, {app.id: checkall.AppContext(app, bound, info.password)},
                                 ProfileRecorder("check"), concurrency=3,
                                 policy=checkall.BackOffPolicy(max_wait=0.05, max_retries=1))
        finally:
            bound.close()
        statuses = {p.email: p.status for p in registry.list_profiles()}
        throttled_checks = registry.checks_for_profile(registry.find_profile(app.id, throttled).id, limit=5)
    assert summary.retries == 1                              # the throttled mailbox was retried once
    assert statuses[throttled] == "linked"                   # ... and kept its status
    assert statuses[outside] == "needs_relink"
    assert all(statuses[m] == "linked" for m in info.mailboxes_in_scope[:6])
    assert summary.counts["unchanged"] == 1 and summary.counts["needs_relink"] == 1
    assert throttled_checks and throttled_checks[0].result == "fail"
    busy = [r for r in ews_requests(sb) if r.notes.get("impersonated") == throttled]
    assert len(busy) == 2                                    # first try + one retry after the back-off


def test_a_timeout_on_a_pool_of_connections_is_a_timeout_not_throttling(sb: Sandbox) -> None:
    """exchangelib re-raises a timed-out request as ErrorServerBusy once its pool holds two sessions or more;
    the session maps the original answer, as the one-connection interactive check does."""
    info = sb.info()
    settings = ntlm_settings(info, timeout=1.0)
    expected = verdict(probe_mailbox(settings, info.password, info.mailbox_slow))
    sb.ews_server.latency = 0.2
    with ExchangeProbeSession(settings, info.password, max_connections=3) as session:
        threads = [threading.Thread(target=session.probe, args=(m,)) for m in info.mailboxes_in_scope[:3]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert session._opened.protocol.session_pool_size >= 2
        sb.ews_server.latency = 0.0
        got = verdict(session.probe(info.mailbox_slow))
    assert got["code"] == "timeout" and got["back_off"] is None
    assert got == expected


# --- Exchange Online's EWS access controls: the application's problem, or one mailbox's --------------------

# The two documented X-EWS-Policy-Reason values (Microsoft, "Control access to EWS in Exchange",
# https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange).
EWS_DISABLED = "EWS is disabled for this user or tenant"


def _oauth_app(info: SandboxInfo) -> dict[str, Any]:
    return {"ews_url": info.ews_url, "tenant_id": info.tenant_id, "client_id": info.client_id,
            "authority": info.authority, "ca_file": info.ca_file, "timeout": 5,
            "test_mailbox": info.mailbox_in_scope}


def _check_all(sb: Sandbox, settings: dict[str, Any], mailboxes: list[str],
               region: str) -> tuple[Any, dict[str, tuple[str, str | None]], Any]:
    info = sb.info()
    with Registry.for_region(region) as registry:
        app = registry.add_application("Online", "exchange", info.domain, settings)
        registry.add_profiles(app.id, [(m, "") for m in mailboxes], status="linked")
        jobs = [ProbeJob(app.id, p.email, p.id) for p in registry.list_profiles()]
        bound = open_session_adapter(ExchangeAdapter(), app, info.client_secret, concurrency=3)
        assert bound is not None
        try:
            contexts = {app.id: checkall.AppContext(app, bound, info.client_secret)}
            summary = run_probes(registry, jobs, contexts, ProfileRecorder("check"), concurrency=3,
                                 policy=checkall.BackOffPolicy(max_wait=0.05, max_retries=1))
        finally:
            bound.close()
        profiles = {p.email: (p.status, p.last_diagnosis) for p in registry.list_profiles()}
        health = registry.get_application(app.id).health
    return summary, profiles, health


def test_check_all_under_an_org_wide_ews_block_marks_the_application_not_the_profiles(sb: Sandbox) -> None:
    """Since October 2026 the common Exchange Online failure: EWS switched off for the tenant. It is found
    once, at the application's own sign-in, and no profile is marked for a relink."""
    info = sb.info()
    mailboxes = list(info.mailboxes_in_scope[:8])
    with sb.org.lock:
        sb.org.ews_enabled = False
    try:
        summary, profiles, health = _check_all(sb, _oauth_app(info), mailboxes, "ews-off")
    finally:
        with sb.org.lock:
            sb.org.ews_enabled = True
    assert health == "ews_blocked"
    [failure] = summary.application_failures.values()
    assert failure.kind is ProbeKind.APPLICATION and failure.code == "ews_blocked"
    step = failure.report.first_failure
    assert step.id == "authenticate" and step.data["ews_policy_reason"] == EWS_DISABLED
    assert all(profiles[m] == ("linked", None) for m in mailboxes)
    refused = [r for r in ews_requests(sb) if r.status == 403]
    assert 1 <= len(refused) <= 2                             # once per application, not once per mailbox
    assert all(r.notes.get("impersonated") in (None, info.mailbox_in_scope) for r in refused)


def test_an_application_block_is_answered_once_by_the_probe_session(sb: Sandbox) -> None:
    info = sb.info()
    with sb.org.lock:
        sb.org.ews_allowed_app_ids = {"11111111-2222-3333-4444-555555555555"}
    try:
        with ExchangeProbeSession(oauth_settings(info), info.client_secret, max_connections=2) as session:
            results = [session.probe(m) for m in info.mailboxes_in_scope[1:6]]
            assert session.application_failure is not None and session.fallbacks == 1
    finally:
        with sb.org.lock:
            sb.org.ews_allowed_app_ids = None
    assert [r.mailbox for r in results] == list(info.mailboxes_in_scope[1:6])
    failures = {(r.diagnosis.code, r.report.first_failure.id) for r in results}
    assert failures == {("ews_blocked", "authenticate")}
    assert {r.report.first_failure.data["ews_policy_reason"] for r in results} == {
        "EWS is blocked by policy for this user or tenant"}
    assert len([r for r in ews_requests(sb) if r.status == 403]) == 2   # the session's open + one full check


def test_a_mailbox_with_its_own_ews_off_is_the_profiles_problem(sb: Sandbox) -> None:
    info = sb.info()
    mailboxes = [*info.mailboxes_in_scope[:3], info.mailbox_ews_blocked]
    summary, profiles, health = _check_all(sb, _oauth_app(info), mailboxes, "ews-mailbox")
    assert health is None and not summary.application_failures
    assert profiles[info.mailbox_ews_blocked] == ("needs_relink", "ews_blocked")
    assert all(profiles[m] == ("linked", None) for m in info.mailboxes_in_scope[:3])
    refused = [r for r in ews_requests(sb) if r.status == 403]
    assert refused and {r.notes.get("impersonated") for r in refused} == {info.mailbox_ews_blocked}


def test_a_full_probe_tells_a_mailbox_block_from_the_applications(sb: Sandbox) -> None:
    """The interactive probe (one mailbox, as the dashboard runs it) signs in as the application's test
    mailbox: a mailbox-level block fails at `impersonate` (the profile's), an org-wide one at
    `authenticate` (the application's)."""
    info = sb.info()
    adapter, app = ExchangeAdapter(), _App(settings=_oauth_app(info))
    blocked = adapter.probe(app, info.client_secret, info.mailbox_ews_blocked, CancelToken())
    assert (blocked.kind, blocked.code) == (ProbeKind.PROFILE, "ews_blocked")
    assert blocked.report.first_failure.id == "impersonate"
    assert blocked.report.first_failure.data["ews_policy_reason"] == EWS_DISABLED
    with sb.org.lock:
        sb.org.ews_enabled = False
    try:
        org = adapter.probe(app, info.client_secret, info.mailboxes_in_scope[2], CancelToken())
    finally:
        with sb.org.lock:
            sb.org.ews_enabled = True
    assert (org.kind, org.code) == (ProbeKind.APPLICATION, "ews_blocked")
    assert org.report.first_failure.id == "authenticate"


def test_a_blocked_test_mailbox_is_named_as_the_one_refused(sb: Sandbox) -> None:
    """The sign-in acted as the application's test mailbox: when that mailbox's own EWS is off, the fix names
    it (Get-CASMailbox <test mailbox>), not the mailbox being probed."""
    info = sb.info()
    app = _App(settings={**_oauth_app(info), "test_mailbox": info.mailbox_ews_blocked})
    outcome = ExchangeAdapter().probe(app, info.client_secret, info.mailboxes_in_scope[3], CancelToken())
    assert (outcome.kind, outcome.code) == (ProbeKind.APPLICATION, "ews_blocked")
    step = outcome.report.first_failure
    assert step.id == "authenticate" and f"acting as {info.mailbox_ews_blocked}" in step.detail
    assert f"Get-CASMailbox {info.mailbox_ews_blocked} | Format-List Ews*" in outcome.diagnosis.commands


def test_a_test_mailbox_outside_the_scope_does_not_stop_the_probes(sb: Sandbox) -> None:
    """EWS answering about the test mailbox itself (ErrorImpersonateUserDenied) proves the application reached
    EWS: the sign-in warns and names it, and the probed mailbox is read."""
    info = sb.info()
    app = _App(settings={**_oauth_app(info), "test_mailbox": info.mailbox_out_of_scope})
    outcome = ExchangeAdapter().probe(app, info.client_secret, info.mailboxes_in_scope[3], CancelToken())
    assert outcome.kind is ProbeKind.OK
    sign_in = outcome.report.step("authenticate")
    assert sign_in.status.value == "warn" and info.mailbox_out_of_scope in sign_in.detail


# --- the probe's FindItem adapter (busy_view.py) on the wire ------------------------------------------------


def _view_free(body: bytes) -> tuple[bytes, str, str]:
    """A FindItem body without its CalendarView dates, and the dates."""
    from lxml import etree

    root = etree.fromstring(body)
    view = root.find(f".//{{{M_NS}}}CalendarView")
    start, end = view.attrib.pop("StartDate"), view.attrib.pop("EndDate")
    return etree.tostring(root, method="c14n"), start, end


def test_a_reused_request_body_is_the_one_exchangelib_builds(sb: Sandbox) -> None:
    from ec_console.providers.exchange.check import bound_calendar, make_account, read_busy_blocks

    info = sb.info()
    first, second, third = info.mailboxes_in_scope[:3]
    with ExchangeProbeSession(ntlm_settings(info), info.password, max_connections=1) as session:
        session.probe(first)                 # builds the body
        sb.requests.clear()
        ours = session.probe(second)         # a copy of it, with this mailbox and this week
        sent_ours = ews_requests(sb)
        sb.requests.clear()
        opened = session._opened
        assert opened is not None and opened.payloads.built == 1 and opened.payloads.copied >= 1
        account = make_account(second, opened.protocol, "impersonation")
        theirs = read_busy_blocks(bound_calendar(account))   # exchangelib's own request, built whole
        sent_theirs = ews_requests(sb)
        session.probe(third)
        assert parent_folders(ews_requests(sb)[-1]) == [("DistinguishedFolderId", "calendar", third)]
    assert ours.ok and ours.blocks == theirs and len(theirs) >= 3
    (body_ours, start_ours, end_ours), (body_theirs, start_theirs, end_theirs) = (
        _view_free(sent_ours[0].body), _view_free(sent_theirs[0].body))
    assert body_ours == body_theirs
    assert start_ours <= start_theirs and end_ours <= end_theirs and start_ours != end_ours


def _answer_replaced(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    """Every FindItem answer of the probe adapter goes through `change(content) -> content` first."""
    from ec_console.providers.exchange.busy_view import BusyViewFindItem

    original = BusyViewFindItem._get_response

    def replaced(self: Any, payload: Any, api_version: Any) -> Any:
        response = original(self, payload=payload, api_version=api_version)
        response._content = change(response.content)
        return response

    monkeypatch.setattr(BusyViewFindItem, "_get_response", replaced)


@pytest.mark.parametrize("cut", [0.5, 0.95], ids=["half", "near-the-end"])
def test_a_truncated_answer_is_a_diagnosis_not_a_traceback(sb: Sandbox, monkeypatch: pytest.MonkeyPatch,
                                                           cut: float) -> None:
    info = sb.info()
    with ExchangeProbeSession(ntlm_settings(info), info.password, max_connections=1) as session:
        assert session.probe(info.mailboxes_in_scope[0]).ok
        _answer_replaced(monkeypatch, lambda content: content[:int(len(content) * cut)])
        result = session.probe(info.mailboxes_in_scope[1])
    assert not result.ok and result.diagnosis is not None
    assert result.diagnosis.code == "server_error"
    assert result.report is not None and result.report.first_failure.id == "impersonate"
    assert "Traceback" not in (result.detail or "") and result.blocks == []


def test_a_busy_response_message_carries_its_back_off(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    info = sb.info()
    busy = (f'<m:FindItemResponseMessage xmlns:m="{M_NS}" xmlns:t="{T_NS}" ResponseClass="Error">'
            "<m:MessageText>The server cannot service this request right now.</m:MessageText>"
            "<m:ResponseCode>ErrorServerBusy</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
            '<m:MessageXml><t:Value Name="BackOffMilliseconds">1250</t:Value></m:MessageXml>'
            "</m:FindItemResponseMessage>").encode()

    def throttled(content: bytes) -> bytes:
        start = content.index(b"<m:FindItemResponseMessage")
        end = content.index(b"</m:FindItemResponseMessage>") + len(b"</m:FindItemResponseMessage>")
        return content[:start] + busy + content[end:]

    with ExchangeProbeSession(ntlm_settings(info), info.password, max_connections=1) as session:
        assert session.probe(info.mailboxes_in_scope[0]).ok
        _answer_replaced(monkeypatch, throttled)
        got = verdict(session.probe(info.mailboxes_in_scope[1]))
    assert got["ok"] is False and got["code"] == "throttled" and got["back_off"] == 1.25
    assert got["failed_step"] == "impersonate"


def test_a_pooled_connection_reads_the_proxy_environment_once_and_keeps_honouring_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    from ec_console.providers.exchange.probe import _settle_environment

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "bypassed.example")
    walks = []
    original = requests.utils.get_environ_proxies
    monkeypatch.setattr(requests.sessions, "get_environ_proxies",
                        lambda *a, **k: walks.append(a) or original(*a, **k))
    session = requests.Session()
    _settle_environment(session)
    url = "https://mail.example/EWS/Exchange.asmx"
    first = session.merge_environment_settings(url, {}, False, True, None)
    first["proxies"]["https"] = "changed by a caller"
    second = session.merge_environment_settings(url, {}, False, True, None)
    other = "https://bypassed.example/EWS/Exchange.asmx"
    bypassed = session.merge_environment_settings(other, {}, False, True, None)
    assert second["proxies"].get("https") == "http://proxy.example:3128"
    assert "https" not in bypassed["proxies"]
    assert len(walks) == 2            # once per endpoint, not once per request
    session.close()
