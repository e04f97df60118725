"""The administrator's Google sign-in end to end, with a scripted browser, and the Marketplace path."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
import requests

from ec_console.checks import CancelToken
from ec_console.providers.google.signin import (
    AdminSignIn,
    SignInSettings,
    load_client_config,
    marketplace_path,
    sign_in_admin,
)
from ec_console.regions import MarketplaceListing, Region, load_regions
from ec_console.sandbox.google.org import ADMIN, DELEGATED_ADMIN, REAUTH_ADMIN
from ec_console.sandbox.google.sandbox import GoogleSandbox
from ec_console.sandbox.tls import generate_tls_material


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return generate_tls_material(tmp_path_factory.mktemp("signin-tls"))


@pytest.fixture
def sandbox(tls, tmp_path):
    with GoogleSandbox(tmp_path / "google", tls=tls) as box:
        yield box


def settings(sandbox: GoogleSandbox, **changes: object) -> SignInSettings:
    info = sandbox.info()
    values: dict[str, object] = {"client_config": load_client_config(info.client_secret_file),
                                 "api_root": info.api_root, "timeout": 5, "wait_seconds": 30,
                                 "ca_file": info.ca_file}
    values.update(changes)
    return SignInSettings(**values)  # type: ignore[arg-type]


class ScriptedBrowser:
    """Follows the authorization URL to the consent answer, then to the console's loopback receiver."""

    def __init__(self, ca_file: str) -> None:
        self.ca_file = ca_file
        self.visited: list[str] = []
        self.final_status: int | None = None

    def __call__(self, url: str) -> None:
        with requests.Session() as browser:
            answer = browser.get(url, allow_redirects=False, verify=self.ca_file, timeout=10)
            self.visited.append(url)
            assert answer.status_code == 302, answer.text
            location = answer.headers["Location"]
            self.visited.append(location)
            self.final_status = browser.get(location, timeout=10).status_code


def test_super_admin_signs_in(sandbox):
    sandbox.set_browser_user(ADMIN)
    browser = ScriptedBrowser(sandbox.info().ca_file)
    result = sign_in_admin(settings(sandbox), open_browser=browser)
    assert result.ok, result
    assert (result.email, result.is_admin) == (ADMIN, True)
    assert browser.final_status == 200
    authorize = browser.visited[0]
    assert "code_challenge_method=S256" in authorize and "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in authorize
    code_exchange = [r for r in sandbox.requests if r.notes.get("grant_type") == "authorization_code"]
    assert len(code_exchange) == 1 and code_exchange[0].status == 200


@pytest.mark.parametrize("who", ["ada.lovelace@gsandbox.example", DELEGATED_ADMIN])
def test_anyone_but_a_super_admin_is_rejected_with_not_admin(sandbox, who):
    sandbox.set_browser_user(who)
    result = sign_in_admin(settings(sandbox), open_browser=ScriptedBrowser(sandbox.info().ca_file))
    assert result.status == "not_admin"
    assert result.diagnosis is not None and result.diagnosis.code == "not_admin"
    assert who in result.diagnosis.cause
    assert "Only a super administrator can grant organisation-wide access" in result.diagnosis.remediation


def test_reauthentication_policy_gives_reauth_required(sandbox):
    sandbox.set_browser_user(REAUTH_ADMIN)
    result = sign_in_admin(settings(sandbox), open_browser=ScriptedBrowser(sandbox.info().ca_file))
    assert result.status == "failed"
    assert result.diagnosis is not None and result.diagnosis.code == "reauth_required"


def test_declined_consent_is_denied(sandbox):
    sandbox.set_browser_user(ADMIN)
    sandbox.set_browser_consent(False)
    result = sign_in_admin(settings(sandbox), open_browser=ScriptedBrowser(sandbox.info().ca_file))
    assert result.status == "denied" and not result.ok


def test_an_answer_with_another_state_is_refused_and_the_real_one_still_counts(sandbox):
    sandbox.set_browser_user(ADMIN)
    with AdminSignIn(settings(sandbox)) as flow:
        url = flow.begin()
        forged = requests.get(flow.redirect_uri + "?code=forged&state=not-the-right-one", timeout=5)
        assert forged.status_code == 400
        ScriptedBrowser(sandbox.info().ca_file)(url)
        result = flow.finish()
    assert result.ok and result.email == ADMIN


def test_cancel_from_another_thread_ends_the_wait(sandbox):
    cancel = CancelToken()
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    try:
        result = sign_in_admin(settings(sandbox), open_browser=None, cancel=cancel)
    finally:
        timer.join()
    assert result.status == "cancelled"
    assert not any(r.notes.get("grant_type") for r in sandbox.requests)


def test_no_browser_answer_times_out(sandbox):
    urls: list[str] = []
    result = sign_in_admin(settings(sandbox, wait_seconds=0.3), open_browser=None, on_url=urls.append)
    assert result.status == "timed_out"
    assert urls and urls[0].startswith(sandbox.info().auth_uri)


def test_the_receiver_is_closed_after_the_sign_in(sandbox):
    with AdminSignIn(settings(sandbox, wait_seconds=0.2)) as flow:
        flow.begin()
        redirect = flow.redirect_uri
        flow.finish()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(redirect, timeout=2)


def test_no_secret_or_token_reaches_the_log(sandbox):
    from ec_console import logs

    log_file = logs.setup_logging(verbose=True)
    try:
        sandbox.set_browser_user(ADMIN)
        result = sign_in_admin(settings(sandbox), open_browser=ScriptedBrowser(sandbox.info().ca_file))
        assert result.ok
    finally:
        logs.reset_logging()
    secret = json.loads(Path(sandbox.info().client_secret_file).read_text())["installed"]["client_secret"]
    texts = [p.read_text(errors="replace") for p in Path(os.environ["EC_CONSOLE_HOME"]).rglob("*.log*")]
    assert texts and Path(log_file).exists()
    for text in texts:
        assert secret not in text and "ya29." not in text and "4/0Asbx" not in text


# --- the Marketplace path --------------------------------------------------------------------------------


def test_shipped_regions_say_not_configured():
    for region in load_regions().regions.values():
        path = marketplace_path(region)
        assert not path.configured
        assert "not configured" in path.summary and region.name in path.summary
        assert path.install_link == ""


def test_configured_region_gives_install_link_client_id_and_scopes():
    listing = MarketplaceListing("https://workspace.google.com/marketplace/app/ec/123456789012",
                                 "123456789012345678901", ("https://www.googleapis.com/auth/calendar",))
    region = Region("us", "United States", "https://app.example.com", "https://api.example.com", listing)
    path = marketplace_path(region)
    assert path.configured
    assert path.install_link == listing.listing_url and path.client_id == listing.client_id
    assert path.scopes == listing.scopes
    assert any(listing.listing_url in step for step in path.steps)
    assert any(listing.client_id in step for step in path.steps)
