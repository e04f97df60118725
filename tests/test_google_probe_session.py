"""The Google bulk probe session against the Google sandbox: the same verdicts as the single probe, one token
request per user, the calendar reads of many users in one batch, throttled parts answered with their wait."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace

import pytest

from ec_console import checkall
from ec_console.checks import CancelToken
from ec_console.providers.base import GoogleAdapter, ProbeKind
from ec_console.providers.google.check import GoogleSettings, probe_user
from ec_console.providers.google.probe import GoogleProbeSession
from ec_console.registry import Registry
from ec_console.sandbox.google.org import ADMIN
from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.tls import generate_tls_material
from ec_console.secrets import MemoryStore, secret_key


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("google-probe-tls"))


@pytest.fixture
def sandbox(tls, tmp_path):
    with GoogleSandbox(tmp_path / "google", tls=tls) as box:
        yield box


def settings_of(sandbox: GoogleSandbox) -> GoogleSettings:
    info = sandbox.info()
    return GoogleSettings(admin=ADMIN, user=ADMIN, key_file=info.key_file, api_root=info.api_root,
                          ca_file=info.ca_file, timeout=5)


def accounts(sandbox: GoogleSandbox) -> list[str]:
    """Every awkward account of the sandbox plus ordinary ones."""
    info = sandbox.info()
    ordinary = [u.primary_email for u in sandbox.org.active_users()
                if u.primary_email not in info.users.values()][:6]
    return [*info.users.values(), *ordinary]


def verdict(result) -> tuple[bool, str | None, int]:
    return result.ok, result.diagnosis.code if result.diagnosis else None, len(result.busy)


def token_requests(sandbox: GoogleSandbox) -> Counter:
    return Counter(r.notes.get("sub") for r in sandbox.requests.all() if r.notes.get("endpoint") == "token")


def batches(sandbox: GoogleSandbox) -> list:
    return [r for r in sandbox.requests.all() if r.notes.get("endpoint") == "batch"]


@pytest.mark.parametrize("rate_limit_mode", ["rate", "user", "429"])
def test_each_awkward_account_gets_the_single_probe_verdict_and_one_token_request(sandbox, rate_limit_mode):
    sandbox.set_rate_limit_mode(rate_limit_mode)
    settings = settings_of(sandbox)
    emails = accounts(sandbox)
    single = {e: verdict(probe_user(replace(settings, user=e), e)) for e in emails}
    assert {code for _ok, code, _n in single.values()} >= {None, "user_not_found",
                                                          "calendar_not_enabled", "throttled"}
    sandbox.requests.clear()
    session = GoogleProbeSession(settings, concurrency=1)
    session.expect(emails)
    try:
        bulk = {e: verdict(session.probe(e, CancelToken())) for e in emails}
    finally:
        session.close()
    assert bulk == single
    tokens = token_requests(sandbox)
    assert all(tokens[e] == 1 for e in emails), tokens
    sent = batches(sandbox)
    assert len(sent) == 1
    # each part carried its own user's token: the sandbox saw each subject's calendar reads
    inner = [r for r in sandbox.requests.all() if r.notes.get("batch")]
    signed_in = {e for e in emails if tokens[e] and e in {r.notes.get("subject") for r in inner}}
    assert signed_in and all(r.notes.get("subject") in emails for r in inner if r.notes.get("subject"))


def test_many_threads_share_the_run_in_batches_and_reuse_tokens(sandbox):
    settings = settings_of(sandbox)
    emails = [u.primary_email for u in sandbox.org.active_users()][:24]
    sandbox.requests.clear()
    session = GoogleProbeSession(settings, concurrency=4)
    session.expect(emails)
    found: dict[str, tuple] = {}

    def work(mine: list[str]) -> None:
        for email in mine:
            found[email] = verdict(session.probe(email, CancelToken()))

    threads = [threading.Thread(target=work, args=(emails[n::4],)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # probing an account again in the same run asks no new token
    again = verdict(session.probe(emails[0], CancelToken()))
    session.close()
    assert set(found) == set(emails)
    assert again == found[emails[0]]
    tokens = token_requests(sandbox)
    assert all(tokens[e] == 1 for e in emails), tokens
    # 24 accounts over 4 threads: a share of 6 per batch, plus the single re-read
    assert len(batches(sandbox)) == 24 // 6 + 1


def test_a_delegation_withdrawn_is_asked_once_and_answers_as_the_single_probe(sandbox):
    settings = settings_of(sandbox)
    emails = accounts(sandbox)[-6:]
    sandbox.revoke_delegation()
    single = verdict(probe_user(replace(settings, user=emails[0]), emails[0]))
    sandbox.requests.clear()
    session = GoogleProbeSession(settings, concurrency=1)
    session.expect(emails)
    try:
        first = verdict(session.probe(emails[0], CancelToken()))
    finally:
        session.close()
    assert first == single == (False, "dwd_unauthorized", 0)
    assert sum(token_requests(sandbox).values()) == 1   # the rest of the share was not asked
    assert batches(sandbox) == []


def test_a_throttled_part_answers_throttled_as_the_single_probe_does(sandbox):
    info = sandbox.info()
    adapter = GoogleAdapter()
    application = type("App", (), {})()
    application.name, application.provider, application.domain = "Google", "google", info.domain
    application.settings = {"admin": ADMIN, "api_root": info.api_root, "ca_file": info.ca_file, "timeout": 5}
    secret = open(info.key_file).read()
    emails = [info.users["rate_limited"], info.users["ok"]]
    session = adapter.probe_session(application, secret, concurrency=1)
    session.expect(emails)
    try:
        outcomes = {e: session.probe(e, CancelToken()) for e in emails}
    finally:
        session.close()
    single = adapter.probe(application, secret, info.users["rate_limited"], CancelToken())
    throttled = outcomes[info.users["rate_limited"]]
    assert (throttled.kind, throttled.code) == (single.kind, single.code)
    assert (throttled.kind, throttled.code) == (ProbeKind.TRANSIENT, "throttled")
    assert outcomes[info.users["ok"]].kind is ProbeKind.OK


def test_a_throttled_part_waits_what_its_retry_after_asked():
    # a part's own 429 with Retry-After, as Google's batch answer carries it per part
    import httplib2
    from googleapiclient.errors import HttpError

    from ec_console.providers.google.check import GoogleSession
    from ec_console.providers.google.errors import Names
    from ec_console.providers.google.net import Transport

    body = (b'{"error": {"code": 429, "message": "Rate Limit Exceeded", '
            b'"errors": [{"reason": "rateLimitExceeded"}]}}')
    part = HttpError(httplib2.Response({"status": 429, "retry-after": "7"}), body, uri="/calendar/v3/x")
    settings = GoogleSettings(admin=ADMIN, user=ADMIN, key_info={"type": "service_account"})
    names = Names(user="a@example.com")
    with Transport() as transport:
        google = GoogleSession(None, settings, transport, names)  # type: ignore[arg-type]
        session = GoogleProbeSession.__new__(GoogleProbeSession)
        result = session._conclude(google, "a@example.com", names, "now", False, None, (None, part))
    assert (result.ok, result.diagnosis.code, result.back_off) == (False, "throttled", 7.0)


def test_check_all_through_the_session_keeps_statuses_and_reuses_each_token_across_retries(sandbox):
    info = sandbox.info()
    emails = accounts(sandbox)
    settings = {"admin": ADMIN, "api_root": info.api_root, "ca_file": info.ca_file, "timeout": 5}
    secret = open(info.key_file).read()
    adapter = GoogleAdapter()
    application = type("App", (), {"name": "Google", "provider": "google", "domain": info.domain,
                                    "settings": settings})()
    expected = {}
    for email in emails:  # what the single probe concludes, and so what check all must record
        kind = adapter.probe(application, secret, email, CancelToken()).kind
        expected[email] = {ProbeKind.OK: "linked", ProbeKind.PROFILE: "needs_relink"}.get(kind, "linked")
    assert {"linked", "needs_relink"} <= set(expected.values())
    store = MemoryStore()
    with Registry.for_region("us") as registry:
        app = registry.add_application("Google", "google", info.domain, settings)
        store.set(secret_key("us", "Google", "key"), secret)
        registry.add_profiles(app.id, [(e, "") for e in emails], status="linked")
        sandbox.requests.clear()
        policy = checkall.BackOffPolicy(base=0.05, cap=0.1, max_retries=2)
        _, summary = checkall.check_all(registry, store=store, adapters={"google": adapter}, concurrency=2,
                                        policy=policy)
        statuses = {e: registry.find_profile(app.id, e).status for e in emails}
        throttled = registry.find_profile(app.id, info.users["rate_limited"])
    assert statuses == expected
    assert (throttled.status, throttled.last_result) == ("linked", "fail")
    assert throttled.last_diagnosis == "throttled"
    assert summary.retries == 2
    tokens = token_requests(sandbox)
    assert all(tokens[e] == 1 for e in emails), tokens   # the retries reused the token still valid
    reads = Counter(r.notes.get("subject") for r in sandbox.requests.all()
                    if r.notes.get("batch") and r.path.endswith("/freeBusy"))
    assert reads[info.users["rate_limited"]] == 3        # the first read and two retries
