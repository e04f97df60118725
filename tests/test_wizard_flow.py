"""The setup wizard's flow without a display: fields, validation, branching, scope guidance, test, save."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from ec_console.checks import CancelToken, StepStatus
from ec_console.errors import BadInput, KeychainUnavailable
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.secrets import MemoryStore, default_store
from ec_console.wizard import CONNECTION_PAGES, Page, Platform, SetupFlow, sandbox_values


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(google=True, graph=True) as box:
        yield box


@pytest.fixture
def registry():
    with Registry.for_region("us") as reg:
        yield reg


def filled(platform: Platform, sandbox: Sandbox, **changes: object) -> SetupFlow:
    flow = SetupFlow("us")
    flow.choose_platform(platform)
    assert flow.fill_from_sandbox(sandbox.info(), sandbox.google.info(), sandbox.graph.info()) == []
    for key, value in changes.items():
        flow.set_value(key, value)
    return flow


# --- pages and branching -------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", list(Platform))
def test_the_connection_page_branches_on_the_platform(platform):
    flow = SetupFlow("us")
    assert flow.next_page(Page.PLATFORM) is None and not flow.page_complete(Page.PLATFORM)
    flow.choose_platform(platform)
    connection = flow.next_page(Page.PLATFORM)
    assert connection is CONNECTION_PAGES[platform]
    assert [flow.next_page(connection), flow.next_page(Page.SCOPE), flow.next_page(Page.TEST),
            flow.next_page(Page.SUMMARY)] == [Page.SCOPE, Page.TEST, Page.SUMMARY, None]


def test_each_platform_asks_for_its_own_details():
    flow = SetupFlow("us")
    keys = {p: [f.key for f in flow.fields(CONNECTION_PAGES[p])] for p in Platform}
    assert "password" in keys[Platform.ONPREM] and "client_secret" not in keys[Platform.ONPREM]
    assert {"tenant_id", "client_id", "client_secret"} <= set(keys[Platform.ONLINE])
    assert {"key_file", "admin"} <= set(keys[Platform.GOOGLE]) and "password" not in keys[Platform.GOOGLE]


# --- validation as the user types ----------------------------------------------------------------------


def test_fields_are_validated_as_typed_with_specific_messages():
    flow = SetupFlow("us", name_taken=lambda name: name == "Taken")
    flow.choose_platform(Platform.ONLINE)
    assert "has no '@'" in flow.set_value("test_mailbox", "alice.contoso.com")
    assert flow.set_value("test_mailbox", "alice@contoso.com") is None
    assert "neither a tenant GUID nor a domain" in flow.set_value("tenant_id", "not a tenant")
    assert flow.set_value("tenant_id", "contoso.onmicrosoft.com") is None
    assert "is not a GUID" in flow.set_value("client_id", "12345")
    assert "must start with https://" in flow.set_value("ews_url", "ftp://mail.contoso.com/EWS/Exchange.asmx")
    assert "already exists" in flow.set_value("name", "Taken")
    assert "must be only a scheme and host" in flow.set_value("authority", "https://login.example.com/x")


def test_a_page_is_complete_only_when_every_required_field_is_valid():
    flow = SetupFlow("us")
    flow.choose_platform(Platform.ONPREM)
    page = Page.CONNECTION_ONPREM
    assert set(flow.page_errors(page)) == {"name", "ews_url", "username", "password", "test_mailbox"}
    for key, value in {"name": "Contoso", "ews_url": "https://mail.contoso.com/EWS/Exchange.asmx",
                       "username": "CONTOSO\\svc", "password": "pw", "test_mailbox": "a@contoso.com"}.items():
        assert not flow.page_complete(page)
        flow.set_value(key, value)
    assert flow.page_complete(page)
    flow.set_value("ews_url", "")
    assert not flow.page_complete(page)
    flow.set_value("autodiscover", True)          # autodiscover makes the URL optional
    assert flow.page_complete(page)
    assert "ews_url" not in flow.settings() and flow.settings()["autodiscover"] is True


def test_the_outside_mailbox_must_differ_from_the_test_mailbox():
    flow = SetupFlow("us")
    flow.choose_platform(Platform.ONPREM)
    flow.set_value("test_mailbox", "a@contoso.com")
    flow.set_value("scope_mode", "group")
    assert "must differ" in flow.set_value("outside_mailbox", "A@contoso.com")
    flow.set_value("test_mailbox", "b@contoso.com")   # re-checks the dependent field
    assert "outside_mailbox" not in flow.errors


def test_key_file_is_parsed_on_the_spot(sandbox, tmp_path):
    flow = SetupFlow("us")
    flow.choose_platform(Platform.GOOGLE)
    pem = tmp_path / "key.pem"
    pem.write_text("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n")
    assert "PEM file, not the JSON key file" in flow.set_value("key_file", str(pem))
    client = tmp_path / "client.json"
    client.write_text(json.dumps({"installed": {"client_id": "x"}}))
    assert "OAuth client file" in flow.set_value("key_file", str(client))
    assert "does not exist" in flow.set_value("key_file", str(tmp_path / "missing.json"))
    google = sandbox.google.info()
    assert flow.set_value("key_file", google.key_file) is None
    assert flow.key_summary.client_id == google.client_id
    assert google.service_account_email in flow.notes["key_file"]
    assert "private_key" not in flow.notes["key_file"]


# --- scope guidance and the test plan ------------------------------------------------------------------


def test_scope_commands_are_filled_in_with_the_names_entered():
    flow = SetupFlow("us")
    flow.choose_platform(Platform.ONPREM)
    for key, value in {"name": "Room booking", "username": "CONTOSO\\svc-cal", "scope_mode": "group",
                       "scope_group": "Calendar Users",
                       "group_dn": "CN=Calendar Users,OU=Groups,DC=contoso,DC=com"}.items():
        assert flow.set_value(key, value) is None, key
    guide = flow.scope_guide()
    joined = "\n".join(guide.commands)
    assert "New-ManagementScope -Name 'Enterprise Connect Room booking'" in joined
    assert "MemberOfGroup -eq 'CN=Calendar Users,OU=Groups,DC=contoso,DC=com'" in joined
    assert "-User CONTOSO\\svc-cal -CustomRecipientWriteScope" in joined and "<" not in joined
    # Each command stands on its own line right after the instruction that introduces it (the page puts
    # its Copy row there), not gathered after all the prose.
    lines = [line.strip() for line in guide.text.splitlines() if line.strip()]
    for command in guide.commands:
        at = lines.index(command)
        before = next(line for line in reversed(lines[:at]) if line not in guide.commands)
        assert before.endswith(":"), (before, command)

    flow.set_value("scope_mode", "all")
    assert "-Role ApplicationImpersonation -User 'CONTOSO\\svc-cal'" in flow.scope_guide().commands[0]


def test_google_scope_says_delegation_covers_the_whole_domain(sandbox):
    flow = filled(Platform.GOOGLE, sandbox)
    guide = flow.scope_guide()
    assert "cannot be limited to a group or organisational unit" in guide.text
    assert "profile list is the control" in guide.text
    assert any(f"clientIdToAdd={sandbox.google.info().client_id}" in link for link in guide.links)
    assert flow.test_plan().expect_denied is None


def test_the_test_plan_adds_a_denied_mailbox_only_when_a_scope_is_chosen(sandbox):
    info = sandbox.info()
    flow = filled(Platform.ONPREM, sandbox)
    plan = flow.test_plan()
    assert (plan.target, plan.expect_denied) == (info.mailboxes_in_scope[0], info.mailboxes_out_of_scope[0])
    assert [s.id for s in plan.steps][-1] == "restriction"
    flow.set_value("scope_mode", "all")
    assert flow.test_plan().expect_denied is None
    assert "restriction" not in [s.id for s in flow.test_plan().steps]


# --- the test and the save, against the sandbox --------------------------------------------------------


@pytest.mark.parametrize("platform", list(Platform))
def test_each_platform_passes_against_the_sandbox_and_saves(sandbox, registry, platform):
    flow = filled(platform, sandbox)
    seen: list[str] = []
    report = flow.run_test(secret=flow.resolve_secret(), observer=lambda step: seen.append(step.id))
    assert report.result is not StepStatus.FAIL, [(s.id, s.detail) for s in report.steps]
    assert seen == [s.id for s in flow.test_plan().steps]
    if platform is not Platform.GOOGLE:
        assert report.step("restriction").status is StepStatus.PASS
    flow.record_test(report)
    assert flow.can_finish

    app = flow.save(registry)
    assert (app.name, app.provider, app.status, app.health) == (flow.draft().name, platform.provider,
                                                                "active", None)
    stored = default_store().get(flow.secret_key())
    if flow.uses_certificate:       # the sandbox's certificate is a PEM file whose key has no password
        assert stored is None and app.settings["certificate"] == sandbox.graph.info().certificate_pem
    else:
        assert stored == flow.new_secret() and stored
        assert stored not in json.dumps(app.settings)
    assert registry.checks_for_application(app.id)[0].kind == "setup"
    assert registry.audit_entries(subject=app.name)[0].action == "application_added"


def test_a_failing_configuration_cannot_be_saved_unless_saved_anyway(sandbox, registry):
    flow = filled(Platform.ONPREM, sandbox, password="wrong password")
    report = flow.run_test(secret=flow.resolve_secret())
    flow.record_test(report)
    assert report.diagnosis.code == "auth_failed"
    assert not flow.can_finish
    with pytest.raises(BadInput, match="Run the test first"):
        flow.save(registry)
    assert registry.list_applications() == []

    flow.accept_failure()
    assert "Failed (auth_failed)" in dict(flow.summary())["Setup check"]
    app = flow.save(registry)
    assert app.health == "auth_failed"
    entry = registry.audit_entries(subject=app.name)[0]
    assert "saved anyway" in entry.detail and "auth_failed" in entry.detail
    assert registry.checks_for_application(app.id)[0].result == "fail"


def test_changing_a_field_after_the_test_asks_for_a_new_test(sandbox):
    flow = filled(Platform.ONPREM, sandbox)
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    assert flow.can_finish
    flow.set_value("test_mailbox", sandbox.info().mailboxes_in_scope[1])
    assert not flow.can_finish and flow.test_report is None


def test_save_anyway_needs_a_failed_test(sandbox):
    flow = filled(Platform.ONPREM, sandbox)
    with pytest.raises(BadInput, match="Save anyway"):
        flow.accept_failure()


def test_a_cancelled_test_does_not_pass(sandbox):
    flow = filled(Platform.ONPREM, sandbox)
    cancel = CancelToken()
    cancel.cancel()
    flow.record_test(flow.run_test(secret=flow.resolve_secret(), cancel=cancel))
    assert not flow.test_passed and not flow.can_finish


def test_no_keychain_means_nothing_is_written(sandbox, registry):
    flow = filled(Platform.ONPREM, sandbox)
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    store = MemoryStore(usable=False)
    with pytest.raises(KeychainUnavailable):
        flow.save(registry, store)
    assert registry.list_applications() == [] and list(store.item_names()) == []


def test_a_failed_registry_write_leaves_no_orphaned_secret(sandbox, registry, monkeypatch):
    flow = filled(Platform.ONPREM, sandbox)
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    store = MemoryStore()

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(registry, "audit", broken)
    with pytest.raises(OSError):
        flow.save(registry, store)
    assert registry.list_applications() == [] and list(store.item_names()) == []


def test_summary_says_what_goes_where_and_never_the_secret(sandbox):
    flow = filled(Platform.ONLINE, sandbox)
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    rows = dict(flow.summary(region_label="United States (US)", keychain="Secret Service"))
    assert rows["Application"] == "Sandbox Exchange Online" and rows["Region"] == "United States (US)"
    assert rows["Client secret"] == "Stored in the system keychain (Secret Service) when you finish."
    assert str(Registry.path_for_region("us")) in rows["Settings"]
    assert "tenant ID" in rows["Settings"] and "scoping group" in rows["Settings"]
    assert rows["Setup check"].startswith(f"Passed for {sandbox.info().mailboxes_in_scope[0]}")
    assert sandbox.info().client_secret not in json.dumps(rows)


@pytest.mark.parametrize("platform", list(Platform))
def test_the_summary_shows_no_setting_key_or_keychain_entry(sandbox, platform):
    """What an administrator reads: the fields' own words, never `tenant_id` or `us/<name>/client_secret`."""
    flow = filled(platform, sandbox)
    text = json.dumps(flow.summary(keychain="Secret Service"), ensure_ascii=False)
    text = text.replace(json.dumps(str(Registry.path_for_region("us")))[1:-1], "<registry file>")
    if flow.clean.get("certificate"):
        text = text.replace(json.dumps(str(flow.clean["certificate"]))[1:-1], "<certificate file>")
    assert flow.secret_key() not in text and "%20" not in text
    for key in flow.settings():
        if "_" in key:
            assert key not in text, key
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text


# --- editing --------------------------------------------------------------------------------------------


def test_editing_shows_the_secret_as_set_and_keeps_it(sandbox, registry):
    first = filled(Platform.ONPREM, sandbox)
    first.record_test(first.run_test(secret=first.resolve_secret()))
    app = first.save(registry)

    flow = SetupFlow.edit(app, "us")
    assert flow.platform is Platform.ONPREM and flow.value("name") == app.name
    assert flow.value("password") == "" and flow.new_secret() is None
    password = next(f for f in flow.fields(Page.CONNECTION_ONPREM) if f.key == "password")
    assert not password.required and password.placeholder.startswith("set")
    assert flow.page_complete(Page.CONNECTION_ONPREM) and flow.page_complete(Page.SCOPE)
    assert flow.set_value("name", "Renamed") is None and flow.draft().name == app.name
    with pytest.raises(BadInput):
        flow.choose_platform(Platform.GOOGLE)

    flow.set_value("outside_mailbox", sandbox.info().mailboxes_out_of_scope[1])
    secret = flow.resolve_secret()          # read from the keychain (on a worker thread in the UI)
    assert secret == sandbox.info().password
    flow.record_test(flow.run_test(secret=secret))
    edited = flow.save(registry)
    assert edited.id == app.id
    assert edited.settings["expect_denied"] == sandbox.info().mailboxes_out_of_scope[1]
    assert default_store().get(flow.secret_key()) == sandbox.info().password
    assert registry.audit_entries(subject=app.name)[0].action == "application_updated"
    assert "secret kept" in registry.audit_entries(subject=app.name)[0].detail


def test_sandbox_values_fill_every_required_field(sandbox):
    for platform in Platform:
        flow = filled(platform, sandbox)
        assert flow.first_incomplete_page() is None, platform
        values = sandbox_values(platform, sandbox.info(), sandbox.google.info(), sandbox.graph.info())
        assert {"name", "test_mailbox"} <= set(values)


def test_the_check_runs_on_the_calling_thread_only(sandbox):
    """The flow itself never starts threads: the UI decides where the blocking call runs."""
    flow = filled(Platform.GOOGLE, sandbox)
    threads: list[threading.Thread] = []
    flow.run_test(secret=flow.resolve_secret(),
                  on_step_started=lambda _id: threads.append(threading.current_thread()))
    assert set(threads) == {threading.current_thread()}


def test_no_secret_lands_in_the_registry_file(sandbox, registry):
    flow = filled(Platform.GOOGLE, sandbox)
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    flow.save(registry)
    registry.close()
    key = json.loads(Path(sandbox.google.info().key_file).read_text())
    raw = Registry.path_for_region("us").read_bytes()
    assert key["private_key"].split("\n")[1].encode() not in raw


@pytest.mark.parametrize("raw", ["x" * 5000, "~no-such-user-here/key.json", "/"])
@pytest.mark.parametrize("key", ["key_file", "client_secret_file"])
def test_file_fields_refuse_names_the_system_refuses_with_a_message(key, raw):
    flow = SetupFlow("us")
    flow.choose_platform(Platform.GOOGLE)
    message = flow.set_value(key, raw)
    assert message and ("cannot be read" in message or "not a usable file name" in message
                        or "is not a file" in message)


@pytest.mark.parametrize("platform", [Platform.ONPREM, Platform.ONLINE])
def test_the_exchange_scope_is_the_administrators_choice_never_all_by_default(platform):
    flow = SetupFlow("us")
    flow.choose_platform(platform)
    assert "scope_mode" not in flow.clean                          # nothing chosen for them
    assert "scope_mode" in flow.page_errors(Page.SCOPE)             # and the page cannot be passed without it
    assert "All mailboxes" not in flow.scope_guide().commands and not flow.scope_guide().commands
    flow.set_value("scope_mode", "all")                            # chosen explicitly, it is allowed
    assert "scope_mode" not in flow.page_errors(Page.SCOPE)


def test_an_inline_error_speaks_the_windows_words():
    from ec_console.wizard import describe_error

    text = describe_error(BadInput("--expect-denied must name another mailbox than --mailbox"))
    assert text == ("The \u201cMust be denied\u201d field must name another mailbox than the "
                    "\u201cMailbox\u201d field")


@pytest.fixture
def german():
    from ec_console import i18n

    i18n.set_language("de")
    yield
    i18n.set_language(None)


def test_the_flow_speaks_german_when_german_is_chosen(sandbox, german):
    """Labels, placeholders, choices, messages and the summary in German (docs/i18n.md); the summary's row
    keys, the stored settings and the commands do not change with the language."""
    from ec_console.wizard import PLATFORM_CHOICES

    legacy = next(c for c in PLATFORM_CHOICES if c.platform is Platform.ONLINE)
    assert legacy.title == "Exchange Online – veraltetes EWS (abgeschaltet am 1. April 2027)"
    flow = SetupFlow("us")
    flow.choose_platform(Platform.ONPREM)
    specs = {spec.key: spec for spec in flow.all_fields(Page.CONNECTION_ONPREM)}
    assert specs["password"].label == "Kennwort" and specs["test_mailbox"].label == "Testpostfach"
    assert dict(specs["auth"].choices)[""] == "Den Server fragen (NTLM bevorzugt)"
    assert flow.set_value("test_mailbox", "ada.lovelace@contoso.com") is None
    assert flow.set_value("outside_mailbox", "Ada.Lovelace@contoso.com") == \
        "Postfach außerhalb der Gruppe: muss sich vom Testpostfach unterscheiden, das erreichbar sein muss"
    assert flow.page_errors(Page.CONNECTION_ONPREM)["password"] == "Kennwort: Ein Wert ist erforderlich"

    flow = filled(Platform.ONLINE, sandbox)
    english_settings = flow.settings()
    flow.record_test(flow.run_test(secret=flow.resolve_secret()))
    rows = {key: (label, text) for key, label, text in flow.summary_rows(keychain="Secret Service")}
    assert rows["client_secret"] == ("Geheimer Clientschlüssel",
                                     "Wird beim Abschließen im Schlüsselbund des Systems (Secret Service) "
                                     "gespeichert.")
    assert rows["setup_check"][0] == "Einrichtungsprüfung"
    assert rows["setup_check"][1].startswith(f"Bestanden für {sandbox.info().mailboxes_in_scope[0]}")
    assert "Mandanten-ID" in rows["settings"][1]
    assert flow.settings() == english_settings
    guide = flow.scope_guide()
    assert guide.text.startswith("Microsoft schaltet EWS in Exchange Online am 1. April 2027 endgültig ab")
    assert all(command.startswith(("New-", "Get-", "Test-", "Add-", "Set-")) for command in guide.commands)


def test_a_field_label_starts_small_inside_an_english_sentence_only(german):
    from ec_console import i18n

    flow = SetupFlow("us")
    flow.choose_platform(Platform.ONPREM)
    flow.set_value("password", "secret-value")
    flow.sandbox_keys.add("password")
    hint = {spec.key: spec for spec in flow.fields(Page.CONNECTION_ONPREM)}["password"].placeholder
    assert hint == "Kennwort der Sandbox gesetzt"
    i18n.set_language("en")
    hint = {spec.key: spec for spec in flow.fields(Page.CONNECTION_ONPREM)}["password"].placeholder
    assert hint == "sandbox password set"


def test_a_certificate_date_is_written_as_the_language_writes_dates(german):
    from ec_console import i18n
    from ec_console.wizard import date_for_people

    assert date_for_people("2027-12-03") == "03.12.2027"
    i18n.set_language("en")
    assert date_for_people("2027-12-03") == "2027-12-03"
