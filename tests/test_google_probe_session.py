"""The Google bulk probe session against the Google sandbox: the same verdicts as the single probe, one token
request per user, the calendar reads of many users in one batch, throttled parts answered with their wait."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace

import pytest

from ec_console.checks import CancelToken
from ec_console.providers.base import GoogleAdapter, ProbeKind
from ec_console.providers.google.check import GoogleSettings, probe_user
from ec_console.providers.google.probe import GoogleProbeSession
from ec_console.sandbox.google.org import ADMIN
from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.tls import generate_tls_material


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


def test_each_awkward_account_gets_the_single_probe_verdict_and_one_token_request(sandbox):
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


def test_a_throttled_part_answers_with_its_wait_and_check_all_retries_it_later(sandbox):
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
