"""The Google Workspace Marketplace path says what the console can verify, and never passes on a guess.

A Marketplace domain install delegates to the vendor's OAuth client, so the customer's own service-account key
tests nothing of it. Against the Google sandbox, with a scripted browser for the administrator's sign-in.

Documented sources the expectations come from:
- Reports API activities.list, Admin audit log (applicationName=admin), scope admin.reports.audit.readonly:
  https://developers.google.com/workspace/admin/reports/reference/rest/v1/activities/list
- the ADD_APPLICATION event (type DOMAIN_SETTINGS; APP_ID, APPLICATION_NAME):
  https://developers.google.com/admin-sdk/reports/v1/reference/activity-ref-appendix-a/admin-domain-events
- the Marketplace API (customerLicense / userLicense) is the app's own (the vendor's) licensing API:
  https://developers.google.com/workspace/marketplace/example-calls-marketplace-api
- an app is made available to organisational units or groups under Apps > Google Workspace Marketplace apps >
  Apps list > the app > User access; changes take up to 24 hours: https://support.google.com/a/answer/172931
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_google_signin import ScriptedBrowser

from ec_console import dashboard
from ec_console.checkall import ProbeJob
from ec_console.checks import CancelToken, StepStatus
from ec_console.providers.base import GoogleAdapter, ProbeKind
from ec_console.providers.google.signin import SignInSettings, load_client_config, sign_in_admin
from ec_console.regions import MarketplaceListing, Region
from ec_console.registry import Registry
from ec_console.sandbox.google.org import ADMIN, DELEGATED_ADMIN, OUTSIDE_GROUP
from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.tls import generate_tls_material
from ec_console.secrets import MemoryStore, secret_key
from ec_console.wizard import Platform, SetupFlow

APP_ID = "123456789012"  # the listing's numeric ID; the vendor's client ID begins with this project number
DASHBOARD = "https://app.cronofy.com"  # the US region's web dashboard (resources/regions.toml)
REPORTS_SCOPE = "https://www.googleapis.com/auth/admin.reports.audit.readonly"
LISTING = MarketplaceListing(f"https://workspace.google.com/marketplace/app/enterprise_connect/{APP_ID}",
                             f"{APP_ID}-abcdefghijklmnop.apps.googleusercontent.com",
                             ("https://www.googleapis.com/auth/calendar",))
REGION = Region("us", "United States", DASHBOARD, "https://api.cronofy.com", LISTING)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("market-tls"))


@pytest.fixture
def sandbox(tls, tmp_path):
    with GoogleSandbox(tmp_path / "google", tls=tls) as box:
        yield box


def marketplace_flow(box: GoogleSandbox, *, client_file: bool = True, **changes: object) -> SetupFlow:
    flow = SetupFlow("us", region=REGION)
    flow.choose_platform(Platform.GOOGLE)
    assert flow.fill_from_sandbox(None, box.info()) == []
    if not client_file:
        flow.set_value("client_secret_file", "")
    flow.set_value("google_install", "marketplace")
    flow.set_value("marketplace_target", "/Sales")
    for key, value in changes.items():
        flow.set_value(key, value)
    return flow


def jwt_grants(box: GoogleSandbox) -> list[object]:
    """Token requests made with the customer's service-account key (JWT bearer grants)."""
    return [r for r in box.requests if "jwt-bearer" in str(r.notes.get("grant_type", ""))]


def steps(report) -> dict[str, object]:
    return {s.id: s for s in report.steps}


# --- the setup check --------------------------------------------------------------------------------------


def test_marketplace_setup_never_passes_with_the_customers_own_key(sandbox):
    """The sandbox's service account has domain-wide delegation, so a key check would pass: it must not
    be what the Marketplace path reports."""
    flow = marketplace_flow(sandbox, client_file=False)
    report = flow.run_test(secret=Path(sandbox.info().key_file).read_text())
    assert report.result is not StepStatus.PASS
    assert not {"key", "delegation", "read_calendar"} & set(steps(report))
    assert jwt_grants(sandbox) == []                        # the customer's key was never used
    sign_in = steps(report)["sign_in"]
    assert sign_in.status is StepStatus.WARN and "super administrator" in sign_in.detail


def test_signed_in_super_admin_and_recorded_install_still_warn_and_name_the_vendor_dashboard(sandbox):
    sandbox.set_browser_user(ADMIN)
    sandbox.record_app_install(APP_ID, "Enterprise Connect")
    flow = marketplace_flow(sandbox, outside_mailbox=OUTSIDE_GROUP)
    report = flow.run_test(secret="unused", open_browser=ScriptedBrowser(sandbox.info().ca_file))
    found = steps(report)
    assert found["sign_in"].status is StepStatus.PASS and ADMIN in found["sign_in"].detail
    assert found["install"].status is StepStatus.PASS and ADMIN in found["install"].detail
    vendor = found["vendor_delegation"]
    assert vendor.status is StepStatus.WARN
    assert DASHBOARD in vendor.detail and LISTING.client_id in vendor.detail
    assert found["restriction"].status is StepStatus.SKIP and OUTSIDE_GROUP in found["restriction"].detail
    assert report.result is StepStatus.WARN                 # never pass: delegation was not tested
    assert jwt_grants(sandbox) == []
    audit = [r for r in sandbox.requests if r.notes.get("method") == "activities.list"]
    assert len(audit) == 1 and audit[0].notes["event_name"] == "ADD_APPLICATION"
    assert flow.settings()["vendor_dashboard"] == DASHBOARD  # the dashboard names it for the app's profiles


def test_no_install_event_is_cannot_be_verified_not_a_pass(sandbox):
    sandbox.set_browser_user(ADMIN)
    report = marketplace_flow(sandbox).run_test(secret="unused", open_browser=ScriptedBrowser(
        sandbox.info().ca_file))
    install = steps(report)["install"]
    assert install.status is StepStatus.WARN and "cannot be verified from your side" in install.detail


def test_non_super_admin_signer_is_refused_with_not_admin(sandbox):
    sandbox.set_browser_user(DELEGATED_ADMIN)               # holds an admin role, but not super admin
    sandbox.record_app_install(APP_ID, "Enterprise Connect", actor=DELEGATED_ADMIN)
    report = marketplace_flow(sandbox, admin=DELEGATED_ADMIN).run_test(
        secret="unused", open_browser=ScriptedBrowser(sandbox.info().ca_file))
    sign_in = steps(report)["sign_in"]
    assert sign_in.status is StepStatus.FAIL and sign_in.diagnosis.code == "not_admin"
    assert "by a super administrator" in sign_in.detail
    assert steps(report)["install"].status is StepStatus.SKIP
    assert report.result is StepStatus.FAIL


def test_the_audit_scope_is_asked_only_on_the_marketplace_path(sandbox):
    sandbox.set_browser_user(ADMIN)
    config = load_client_config(sandbox.info().client_secret_file)
    base = {"client_config": config, "api_root": sandbox.info().api_root, "ca_file": sandbox.info().ca_file,
            "timeout": 5, "wait_seconds": 30}
    browser = ScriptedBrowser(sandbox.info().ca_file)
    plain = sign_in_admin(SignInSettings(**base), open_browser=browser)
    assert plain.ok and plain.install is None and REPORTS_SCOPE.replace(":", "%3A").replace("/", "%2F") \
        not in browser.visited[0]
    browser = ScriptedBrowser(sandbox.info().ca_file)
    market = sign_in_admin(SignInSettings(**base, audit_app_ids=(APP_ID,)), open_browser=browser)
    assert market.ok and market.install is not None and market.install.status == "not_recorded"
    assert "admin.reports.audit.readonly" in browser.visited[0]


# --- the dashboard: link, check all, revoke ---------------------------------------------------------------


def marketplace_app(box: GoogleSandbox) -> tuple[dict[str, object], str]:
    settings = {"admin": ADMIN, "install": "marketplace", "org_unit": "/Sales",
                "api_root": box.info().api_root, "ca_file": box.info().ca_file, "vendor_region": REGION.label,
                "vendor_dashboard": DASHBOARD, "vendor_client_id": LISTING.client_id,
                "listing_url": LISTING.listing_url}
    return settings, Path(box.info().key_file).read_text()


class _App:
    def __init__(self, settings: dict[str, object]) -> None:
        self.name, self.provider, self.domain = "EC Marketplace", "google", "gsandbox.example"
        self.settings = settings


def _sales_user(box: GoogleSandbox) -> str:
    return next(u.primary_email for u in box.state.org.users.values()
                if u.org_unit_path == "/Sales" and not u.suspended and not u.deleted)


def test_user_outside_the_install_is_a_profile_problem(sandbox):
    settings, key = marketplace_app(sandbox)
    outcome = GoogleAdapter().probe(_App(settings), key, OUTSIDE_GROUP, CancelToken())  # in /Executives
    assert outcome.kind is ProbeKind.PROFILE and outcome.code == "outside_install"
    assert "/Sales" in outcome.diagnosis.cause
    assert "https://support.google.com/a/answer/172931" in outcome.diagnosis.links


def test_user_inside_the_install_is_recorded_not_probed_with_the_dashboard_link(sandbox):
    settings, key = marketplace_app(sandbox)
    inside = _sales_user(sandbox)
    outcome = GoogleAdapter().probe(_App(settings), key, inside, CancelToken())
    assert outcome.kind is ProbeKind.UNVERIFIED and outcome.result == "warn" and not outcome.ok
    assert DASHBOARD in outcome.detail and "Not tested by this console" in outcome.detail
    reads = [r for r in sandbox.requests if r.notes.get("api") == "calendar"]
    assert reads == []                                      # no calendar read through the customer's key


def test_linking_a_marketplace_profile_records_it_as_not_probed(sandbox):
    settings, key = marketplace_app(sandbox)
    store = MemoryStore()
    with Registry.for_region("us") as registry:
        app = registry.add_application("EC Marketplace", "google", "gsandbox.example", settings)
        store.set(secret_key("us", "EC Marketplace", "key"), key)
        inside = _sales_user(sandbox)
        outcome = GoogleAdapter().probe(_App(settings), key, inside, CancelToken())
        result = dashboard.ProfileRecorder("link").record(registry, ProbeJob(app.id, inside), outcome)
        profile = registry.get_profile(result.profile_id)
        assert (profile.status, profile.last_result) == ("linked", "warn")
        assert "not probed" in registry.audit_entries(limit=1)[0].detail
        revocation = dashboard.ApplicationRevocation(registry, "EC Marketplace", store=store)
        report = revocation.verify_withdrawal(inside)
        assert report.result is StepStatus.WARN and DASHBOARD in report.steps[0].detail
        assert json.dumps(report.to_dict()).count("denied as expected") == 0
