"""The quick-open hint (`auth_found`, `version_found`): an Exchange application whose setup leaves the sign-in
method to the server keeps what its setup check found, and its next check-all session opens in two requests
instead of four; a hint gone stale gives today's verdicts and is refreshed; the administrator's own choice
(`auth` empty) is never changed, and no secret reaches the settings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sandbox_setup import add_ews_application, sandbox_fixture

from ec_console import checkall
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox

sandbox = sandbox_fixture("module")


@pytest.fixture
def sb(sandbox: Sandbox) -> Any:
    sandbox.requests.clear()
    yield sandbox
    sandbox.ews.auth_methods = {"ntlm", "basic", "bearer"}


def ews(sb: Sandbox) -> list[Any]:
    return [r for r in sb.requests.all() if r.notes.get("endpoint") == "ews"]


def set_up_requests(sb: Sandbox) -> list[Any]:
    """The run's session set-up: every EWS request before the first FindItem."""
    sent = ews(sb)
    first = next(i for i, r in enumerate(sent) if r.notes.get("operation") == "FindItem")
    return sent[:first]


def check_all(sb: Sandbox, registry: Registry, store: Any) -> dict[str, str]:
    """One check-all run at concurrency 1 (the order of requests is then the session's); each profile's
    status after it."""
    sb.requests.clear()
    checkall.check_all(registry, store=store, concurrency=1, resume=False)
    return {p.email: p.status for p in registry.list_profiles()}


def add_with_profiles(sb: Sandbox, registry: Registry, store: Any) -> Any:
    app = add_ews_application(sb, registry, store).application
    registry.add_profiles(app.id, [(m, "") for m in sb.info().mailboxes_in_scope[:3]])
    return app


def test_the_setup_check_keeps_what_it_found_beside_the_probe_choice(sb: Sandbox, registry: Registry,
                                                                     store: Any) -> None:
    app = add_with_profiles(sb, registry, store)
    settings = registry.get_application(app.id).settings
    assert not settings.get("auth")                 # "probe the server" stays the administrator's choice
    assert settings["auth_found"] == "ntlm"         # the sandbox offers NTLM and Basic: NTLM is preferred
    assert settings["version_found"].startswith("15.")
    assert sb.info().password not in json.dumps(settings)


def test_an_application_left_to_probe_opens_its_next_check_all_in_two_requests(
        sb: Sandbox, registry: Registry, store: Any) -> None:
    app = add_with_profiles(sb, registry, store)
    statuses = check_all(sb, registry, store)
    assert set(statuses.values()) == {"linked"}
    setup = set_up_requests(sb)
    assert len(setup) == 2                          # 401, NTLM NEGOTIATE: the first FindItem signs in
    assert not any(r.notes.get("operation") for r in setup)   # no method probe, no version request
    # without the hint the same application opens as before: 4 requests
    bare = {k: v for k, v in registry.get_application(app.id).settings.items()
            if k not in ("auth_found", "version_found")}
    registry.update_application(app.id, settings=bare)
    assert check_all(sb, registry, store) == statuses
    assert len(set_up_requests(sb)) == 4
    # and that run found the method again for the next one
    assert registry.get_application(app.id).settings["auth_found"] == "ntlm"


def test_a_stale_hint_gives_todays_verdict_and_is_refreshed(sb: Sandbox, registry: Registry,
                                                           store: Any) -> None:
    app = add_with_profiles(sb, registry, store)
    assert registry.get_application(app.id).settings["auth_found"] == "ntlm"
    audited = len(registry.audit_entries(limit=1000))
    sb.ews.auth_methods = {"basic", "bearer"}       # the server now accepts Basic only
    # today's verdicts: the same run without any hint
    hinted = registry.get_application(app.id).settings
    registry.update_application(app.id, settings={k: v for k, v in hinted.items() if k != "auth_found"})
    expected = check_all(sb, registry, store)
    registry.update_application(app.id, settings=hinted)
    linked = {m: "linked" for m in sb.info().mailboxes_in_scope[:3]}
    assert check_all(sb, registry, store) == expected == linked
    settings = registry.get_application(app.id).settings
    assert settings["auth_found"] == "basic" and not settings.get("auth")
    # the refreshed hint works: the next run needs no set-up request at all with Basic
    check_all(sb, registry, store)
    assert set_up_requests(sb) == []
    # a hint is not a change of the administrator's: only the runs' own entries were audited
    entries = registry.audit_entries(limit=1000)
    actions = {e.action for e in entries[: len(entries) - audited]}   # newest first
    assert actions <= {"check_all_started", "check_all_finished", "profile_status_changed"}


def test_a_named_method_is_never_overwritten_by_a_finding(sb: Sandbox, registry: Registry,
                                                         store: Any) -> None:
    app = add_with_profiles(sb, registry, store)
    named = {**registry.get_application(app.id).settings, "auth": "basic"}   # its "ntlm" finding stays
    registry.update_application(app.id, settings=named)
    check_all(sb, registry, store)
    assert registry.get_application(app.id).settings == named


def test_the_setup_check_run_again_refreshes_the_hint_without_an_audited_change(
        sb: Sandbox, registry: Registry, store: Any) -> None:
    from ec_console.application_edit import recheck_application

    app = add_with_profiles(sb, registry, store)
    sb.ews.auth_methods = {"basic", "bearer"}
    before = len(registry.audit_entries(limit=1000))
    recheck_application(registry, app.name, store=store)
    settings = registry.get_application(app.id).settings
    assert settings["auth_found"] == "basic" and not settings.get("auth")
    entries = registry.audit_entries(limit=1000)
    assert [e.action for e in entries[: len(entries) - before]] == ["application_checked"]   # newest first
