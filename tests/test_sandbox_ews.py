"""The EWS sandbox is faithful: the real exchangelib, used as the product uses it, sees what Exchange sends.

Every test trusts the sandbox CA through `ewsclient.trusted_protocol` (scoped to one protocol) while
REQUESTS_CA_BUNDLE points elsewhere, and closes its protocols so no connection or thread outlives it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    NTLM,
    UTC,
    CalendarItem,
    Configuration,
    Credentials,
    EWSDateTime,
    close_connections,
)
from exchangelib.account import Identity
from exchangelib.autodiscover.protocol import AutodiscoverProtocol
from exchangelib.errors import (
    CASError,
    ErrorAccessDenied,
    ErrorCreateItemAccessDenied,
    ErrorExceededConnectionCount,
    ErrorImpersonateUserDenied,
    ErrorImpersonationDenied,
    ErrorInvalidExchangeImpersonationHeaderData,
    ErrorNonExistentMailbox,
    ErrorServerBusy,
    ErrorTimeoutExpired,
    MalformedResponseError,
    TransportError,
    UnauthorizedError,
)
from exchangelib.protocol import BaseProtocol, Protocol
from exchangelib.version import Build, Version
from oauthlib.oauth2.rfc6749.errors import InvalidClientError, OAuth2Error

from ec_console.sandbox import Sandbox, SandboxInfo
from ec_console.sandbox.exchange.ewsclient import (
    AuthorityOAuth2Credentials,
    scoped_trust_adapter,
    trust_context,
    trusted_account,
    trusted_protocol,
)
from ec_console.sandbox.identity import decode_claims

TIMES_ONLY = ("start", "end", "is_all_day")


@pytest.fixture
def sandbox(monkeypatch) -> Iterator[Sandbox]:
    # The machine's bundle, not the sandbox CA: trust must come from the per-protocol context alone.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    with Sandbox() as sb:
        yield sb
    close_connections()


@pytest.fixture
def info(sandbox: Sandbox) -> SandboxInfo:
    return sandbox.info()


class Client:
    """Opens accounts the way the provider will, and closes every protocol it made."""

    def __init__(self, info: SandboxInfo) -> None:
        self.info = info
        self.protocols: list[Protocol] = []

    def account(
        self,
        mailbox: str,
        *,
        username: str | None = None,
        password: str | None = None,
        auth_type: str | None = NTLM,
        access_type: str = IMPERSONATION,
        url: str | None = None,
        ca_file: str | None = "default",
        timeout: float | None = None,
    ):
        creds = Credentials(username or self.info.username, password or self.info.password)
        config = Configuration(
            service_endpoint=url or self.info.ews_url, credentials=creds, auth_type=auth_type
        )
        return self._open(mailbox, config, access_type, ca_file, timeout)

    def oauth_account(
        self,
        mailbox: str | None,
        *,
        client_id: str | None = None,
        secret: str | None = None,
        tenant_id: str | None = None,
        identity: bool = True,
    ):
        creds = AuthorityOAuth2Credentials(
            client_id=client_id or self.info.client_id,
            client_secret=secret or self.info.client_secret,
            tenant_id=tenant_id or self.info.tenant_id,
            authority=self.info.authority,
            identity=Identity(primary_smtp_address=mailbox) if identity and mailbox else None,
        )
        config = Configuration(service_endpoint=self.info.ews_url, credentials=creds)
        return self._open(mailbox or self.info.mailbox_in_scope, config, IMPERSONATION, "default", None)

    def _open(self, mailbox, config, access_type, ca_file, timeout):
        trust = self.info.ca_file if ca_file == "default" else ca_file
        protocol = trusted_protocol(config, trust, timeout=timeout)
        self.protocols.append(protocol)
        return trusted_account(mailbox, config, protocol, access_type=access_type)

    def close(self) -> None:
        for protocol in self.protocols:
            protocol.close()


@pytest.fixture
def client(info: SandboxInfo) -> Iterator[Client]:
    c = Client(info)
    yield c
    c.close()


def _week() -> tuple[EWSDateTime, EWSDateTime]:
    start = EWSDateTime.now(UTC)
    return start, start + dt.timedelta(days=7)


def _server_events(sandbox: Sandbox, address: str, start: EWSDateTime, end: EWSDateTime) -> list:
    box = sandbox.org.mailbox(address)
    assert box is not None
    return [e for e in box.events if e.start < end and e.end > start]


# -- the happy path ------------------------------------------------------------------------------


@pytest.mark.parametrize("auth_type", [NTLM, BASIC])
def test_times_only_view_returns_the_calendar_and_never_fetches_subjects(sandbox, info, client, auth_type):
    mailbox = info.mailbox_in_scope
    account = client.account(mailbox, auth_type=auth_type)
    start, end = _week()
    items = list(account.calendar.view(start=start, end=end).only(*TIMES_ONLY))

    expected = _server_events(sandbox, mailbox, start, end)
    assert expected, "the sandbox gives every mailbox events in the coming week"
    assert sorted(i.id for i in items) == sorted(e.item_id for e in expected)
    assert {i.is_all_day for i in items} <= {True, False}
    assert all(i.subject is None and i.body is None for i in items)

    finds = sandbox.requests.find(operation="FindItem")
    assert len(finds) == 1
    assert finds[0].notes["impersonated"] == mailbox
    asked = set(finds[0].notes["fields"])
    assert {"calendar:Start", "calendar:End", "calendar:IsAllDayEvent"} <= asked
    assert not asked & {"item:Subject", "item:Body", "calendar:Location"}
    assert not set(finds[0].notes["returned_fields"]) & {"item:Subject", "item:Body", "calendar:Location"}
    assert sandbox.requests.find(operation="GetItem") == []
    ops = [r.notes.get("operation") for r in sandbox.requests if r.status == 200]
    assert ops == ["ConvertId", "GetFolder", "GetFolder", "FindItem"]
    assert {r.notes["auth"] for r in sandbox.requests if r.status == 200} == {auth_type.lower()}


def test_auth_probe_reads_the_offered_methods_and_prefers_ntlm(sandbox, info, client):
    account = client.account(info.mailbox_in_scope, auth_type=None)
    account.root  # noqa: B018 - first use triggers the probe, the version guess and GetFolder
    assert account.protocol.auth_type == NTLM
    probe = sandbox.requests.all()[0]
    assert probe.header("Authorization") is None
    assert probe.status == 401


def test_ntlm_authenticates_the_connection_once(sandbox, info, client):
    account = client.account(info.mailbox_in_scope, auth_type=NTLM)
    start, end = _week()
    list(account.calendar.view(start=start, end=end).only(*TIMES_ONLY))
    answered = [r for r in sandbox.requests if r.status == 200]
    # The handshake carried the first SOAP request; the rest rode on the authenticated connection.
    assert answered[0].header("Authorization") == "NTLM [redacted]"
    assert all(r.header("Authorization") is None for r in answered[1:])
    assert len({r.connection_id for r in sandbox.requests}) == 1


def test_upn_username_works_over_ntlm(info, client):
    account = client.account(info.mailbox_in_scope, username=info.upn, auth_type=NTLM)
    assert account.calendar.name == "Calendar"


def test_ews_server_version_comes_from_server_version_info(info, client):
    account = client.account(info.mailbox_in_scope)
    account.root  # noqa: B018
    build = account.protocol.version.build
    assert (
        f"{build.major_version}.{build.minor_version}.{build.major_build}.{build.minor_build}"
        == info.server_version
    )


# -- service-account failures -------------------------------------------------------------------


@pytest.mark.parametrize("auth_type", [NTLM, BASIC])
def test_bad_password_is_unauthorized(info, client, auth_type):
    account = client.account(info.mailbox_in_scope, password="not-the-password", auth_type=auth_type)
    with pytest.raises(UnauthorizedError, match="Invalid credentials"):
        account.root  # noqa: B018


@pytest.mark.parametrize("auth_type", [NTLM, BASIC])
def test_locked_account_is_reported_as_locked_out(info, client, auth_type):
    account = client.account(
        info.mailbox_in_scope,
        username=info.locked_username,
        password=info.locked_password,
        auth_type=auth_type,
    )
    with pytest.raises(UnauthorizedError, match="locked out"):
        account.root  # noqa: B018


def test_basic_disabled_on_the_server_leaves_only_ntlm(sandbox, info, client):
    sandbox.ews.auth_methods.discard("basic")
    account = client.account(info.mailbox_in_scope, auth_type=BASIC)
    with pytest.raises(UnauthorizedError):
        account.root  # noqa: B018
    challenge = sandbox.requests.all()[-1]
    assert challenge.status == 401


# -- impersonation and the scope -----------------------------------------------------------------


def test_mailbox_outside_the_scope_is_denied(sandbox, info, client):
    account = client.account(info.mailbox_out_of_scope)
    with pytest.raises(ErrorImpersonateUserDenied):
        account.root  # noqa: B018
    denied = sandbox.requests.find(error="ErrorImpersonateUserDenied")
    assert [r.status for r in denied] == [500]


def test_account_without_the_role_cannot_impersonate(info, client):
    account = client.account(
        info.mailbox_in_scope,
        username=info.no_impersonation_username,
        password=info.no_impersonation_password,
    )
    with pytest.raises(ErrorImpersonationDenied):
        account.root  # noqa: B018


def test_nonexistent_mailbox(info, client):
    account = client.account(info.mailbox_nonexistent)
    with pytest.raises(ErrorNonExistentMailbox):
        account.root  # noqa: B018


def test_delegate_access_reads_in_scope_and_is_denied_elsewhere(info, client):
    account = client.account(info.mailbox_in_scope, access_type=DELEGATE)
    start, end = _week()
    assert list(account.calendar.view(start=start, end=end).only(*TIMES_ONLY))
    other = client.account(info.mailbox_out_of_scope, access_type=DELEGATE)
    with pytest.raises(ErrorAccessDenied):
        other.root  # noqa: B018


# -- awkward mailboxes ---------------------------------------------------------------------------


def test_throttled_mailbox_raises_server_busy_with_the_back_off_once(sandbox, info, client):
    account = client.account(info.mailbox_throttled)
    with pytest.raises(ErrorServerBusy) as caught:
        account.root  # noqa: B018
    assert caught.value.back_off == info.throttle_back_off_ms / 1000
    # Fail-fast: exactly one request reached the throttled mailbox (no hidden retry loop).
    assert len(sandbox.requests.find(impersonated=info.mailbox_throttled)) == 1


def test_connection_limit(info, client):
    account = client.account(info.mailbox_connection_limit)
    with pytest.raises(ErrorExceededConnectionCount):
        account.root  # noqa: B018


def test_ews_blocked_mailbox_answers_403(sandbox, info, client):
    account = client.account(info.mailbox_ews_blocked)
    with pytest.raises(MalformedResponseError, match="Code: 403"):
        account.root  # noqa: B018


def test_ews_disabled_for_the_organisation_answers_403_to_everything(sandbox, info, client):
    sandbox.org.ews_enabled = False
    account = client.account(info.mailbox_in_scope)
    with pytest.raises(MalformedResponseError, match="Code: 403"):  # already the version guess (ConvertId)
        account.root  # noqa: B018
    assert [r.notes.get("operation") for r in sandbox.requests if r.status == 403] == [None]


# Microsoft, "Control access to EWS in Exchange" ("Understand HTTP 403 responses in Exchange Online",
# https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange):
# HTTP 403 with X-EWS-Policy-Reason, one of exactly two values.
@pytest.mark.parametrize(
    ("switch", "reason"),
    [
        ("mailbox", "EWS is disabled for this user or tenant"),
        ("organisation", "EWS is disabled for this user or tenant"),
        ("allow_list", "EWS is blocked by policy for this user or tenant"),
    ],
)
def test_policy_403s_carry_the_documented_reason(sandbox, info, client, switch: str, reason: str) -> None:
    mailbox = info.mailbox_ews_blocked if switch == "mailbox" else info.mailbox_in_scope
    if switch == "organisation":
        sandbox.org.ews_enabled = False
    elif switch == "allow_list":
        sandbox.org.ews_allowed_app_ids = {info.tenant_wide_client_id}  # not the RBAC-scoped app's id
    with pytest.raises(MalformedResponseError, match="Code: 403") as caught:
        client.oauth_account(mailbox).root  # noqa: B018
    assert f"'X-EWS-Policy-Reason': '{reason}'" in str(caught.value)
    assert "Content-Length': '0'" in str(caught.value)


def test_an_allow_listed_app_passes_the_allow_list(sandbox, info, client) -> None:
    sandbox.org.ews_allowed_app_ids = {info.client_id.upper()}
    assert client.oauth_account(info.mailbox_in_scope).calendar.name == "Calendar"


def test_a_bare_403_and_a_cas_error_are_what_their_switches_say(sandbox, info, client) -> None:
    sandbox.ews.forbid_without_reason = True
    with pytest.raises(MalformedResponseError, match="Code: 403") as caught:
        client.account(info.mailbox_in_scope).root  # noqa: B018
    assert "X-EWS-Policy-Reason" not in str(caught.value)
    sandbox.ews.forbid_without_reason = False
    sandbox.ews.cas_error = "ServerNotFound"
    with pytest.raises(CASError) as cas:  # exchangelib's own policy reads the header
        client.account(info.mailbox_in_scope).root  # noqa: B018
    assert cas.value.cas_error == "ServerNotFound" and cas.value.response.status_code == 500


def test_calendar_only_reviewer_denies_the_root_to_a_delegate(sandbox, info, client) -> None:
    """exchangelib #1222 / #1282: with folder permission on the calendar only, the mailbox root is refused."""
    from exchangelib.folders import Calendar, Root

    account = client.account(info.mailbox_calendar_reviewer, access_type=DELEGATE)
    with pytest.raises(ErrorAccessDenied):
        account.root  # noqa: B018
    calendar = Calendar.get_distinguished(root=Root(account=account))
    start, end = _week()
    assert list(calendar.view(start=start, end=end).only(*TIMES_ONLY))
    impersonated = client.account(info.mailbox_calendar_reviewer)
    assert impersonated.root.name  # impersonation is not limited by folder permissions


def test_calendar_folder_access_denied(sandbox, info, client):
    account = client.account(info.mailbox_folder_denied)
    with pytest.raises(ErrorAccessDenied):
        account.calendar  # noqa: B018
    # exchangelib falls back from GetFolder to a FindItem access test: both were refused.
    assert {r.notes["operation"] for r in sandbox.requests.find(error="ErrorAccessDenied")} == {
        "GetFolder",
        "FindItem",
    }


def test_slow_mailbox_runs_into_the_client_timeout(sandbox, info, client):
    sandbox.org.slow_seconds = 30
    account = client.account(info.mailbox_slow, timeout=0.5)
    with pytest.raises((ErrorTimeoutExpired, TransportError)):
        account.root  # noqa: B018


def test_silent_server_runs_into_the_client_timeout(sandbox, info, client):
    sandbox.ews_server.silent = True
    account = client.account(info.mailbox_in_scope, timeout=0.5)
    with pytest.raises((ErrorTimeoutExpired, TransportError)):
        account.root  # noqa: B018
    assert sandbox.requests.all(), "the request reached the server, which never answered"


# -- write probe ---------------------------------------------------------------------------------


def test_write_probe_creates_without_invitations_and_hard_deletes(sandbox, info, client):
    mailbox = info.mailbox_in_scope
    before = [e.item_id for e in sandbox.org.mailbox(mailbox).events]
    account = client.account(mailbox)
    start = EWSDateTime.now(UTC) + dt.timedelta(days=30)
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="EC write probe",
        start=start,
        end=start + dt.timedelta(minutes=5),
    )
    item.save(send_meeting_invitations="SendToNone")
    created = sandbox.requests.find(operation="CreateItem")[0]
    assert created.notes["send_meeting_invitations"] == "SendToNone"
    assert item.id in [e.item_id for e in sandbox.org.mailbox(mailbox).events]

    item.delete(send_meeting_cancellations="SendToNone")
    deleted = sandbox.requests.find(operation="DeleteItem")[0]
    assert deleted.notes["delete_type"] == "HardDelete"
    assert [e.item_id for e in sandbox.org.mailbox(mailbox).events] == before


def test_write_denied_mailbox(info, client):
    account = client.account(info.mailbox_write_denied)
    start = EWSDateTime.now(UTC) + dt.timedelta(days=30)
    item = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="EC write probe",
        start=start,
        end=start + dt.timedelta(minutes=5),
    )
    with pytest.raises(ErrorCreateItemAccessDenied):
        item.save(send_meeting_invitations="SendToNone")


# -- directory -----------------------------------------------------------------------------------


def test_expand_dl_lists_direct_members_of_the_scoping_group_only(sandbox, info, client):
    account = client.account(info.mailbox_in_scope)
    members = account.protocol.expand_dl(info.scope_group_address)
    addresses = {m.email_address for m in members}
    assert addresses == {m.address for m in sandbox.org.scope_members()} | {sandbox.org.nested_group_address}
    nested = [m for m in members if m.mailbox_type == "PublicDL"]
    assert [m.email_address for m in nested] == [sandbox.org.nested_group_address]
    assert not addresses & {m.address for m in sandbox.org.nested_members()}


def test_resolve_names_finds_a_mailbox(info, client):
    account = client.account(info.mailbox_in_scope)
    account.protocol.version  # noqa: B018 - exchangelib needs the server version before protocol-level calls
    resolved = account.protocol.resolve_names([info.mailbox_out_of_scope])
    assert [m.email_address for m in resolved] == [info.mailbox_out_of_scope]


# -- TLS trust scoped to one protocol ------------------------------------------------------------


def test_trust_is_scoped_to_the_protocol_not_the_process(info, client):
    ok = client.account(info.mailbox_in_scope)
    assert ok.calendar.name == "Calendar"
    assert BaseProtocol.HTTP_ADAPTER_CLS.__name__ == "HTTPAdapter"
    # A plain exchangelib Protocol in the same process does not trust the sandbox CA.
    config = Configuration(
        service_endpoint=info.ews_url, credentials=Credentials(info.username, info.password), auth_type=NTLM
    )
    close_connections()
    plain = Protocol(config=config)
    try:
        with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
            plain.version  # noqa: B018
    finally:
        close_connections()


def test_system_store_alone_does_not_trust_the_sandbox_even_with_requests_ca_bundle(
    info, client, monkeypatch
):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", info.ca_file)  # what requests would otherwise obey
    account = client.account(info.mailbox_in_scope, ca_file=None)
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        account.root  # noqa: B018


@pytest.mark.parametrize(
    ("variant", "reason"),
    [
        ("untrusted", "unable to get local issuer certificate|self.signed|CERTIFICATE_VERIFY_FAILED"),
        ("expired", "certificate has expired"),
        ("wrong_name", "IP address mismatch|Hostname mismatch|doesn't match"),
    ],
)
def test_bad_certificates_fail_verification(sandbox, info, client, variant, reason):
    account = client.account(info.mailbox_in_scope, url=sandbox.variant_url(variant))
    with pytest.raises(TransportError, match=reason):
        account.root  # noqa: B018


# -- Exchange Online: OAuth client credentials ---------------------------------------------------


def test_oauth_app_reads_an_in_scope_calendar(sandbox, info, client):
    account = client.oauth_account(info.mailbox_in_scope)
    start, end = _week()
    assert list(account.calendar.view(start=start, end=end).only(*TIMES_ONLY))
    token_requests = sandbox.requests.find(server="identity")
    assert len(token_requests) == 1
    assert info.client_secret not in token_requests[0].text
    assert "client_secret=%5Bredacted%5D" in token_requests[0].text
    assert {r.notes.get("auth") for r in sandbox.requests.find(server="ews") if r.status == 200} == {"bearer"}
    token = account.protocol.credentials.access_token["access_token"]
    assert "roles" not in decode_claims(token), "an RBAC-scoped app has no tenant-wide consent"


def test_oauth_without_identity_needs_the_impersonation_header(sandbox, info, client):
    account = client.oauth_account(info.mailbox_in_scope, identity=False)
    # A fault carries no ServerVersionInfo, so exchangelib's version guess wraps it (as with Exchange Online).
    with pytest.raises(TransportError, match="ErrorInvalidExchangeImpersonationHeaderData"):
        account.protocol.version  # noqa: B018
    assert [r.status for r in sandbox.requests.find(error="ErrorInvalidExchangeImpersonationHeaderData")] == [
        500
    ]


def test_oauth_header_error_surfaces_as_itself_once_the_version_is_known(sandbox, info, client):
    account = client.oauth_account(info.mailbox_in_scope, identity=False)
    account.protocol.config.version = Version(build=Build(15, 20, 8769, 21), api_version="Exchange2016")
    with pytest.raises(ErrorInvalidExchangeImpersonationHeaderData):
        account.protocol.resolve_names([info.mailbox_in_scope])


def test_oauth_scoped_app_is_denied_outside_the_scope(info, client):
    account = client.oauth_account(info.mailbox_out_of_scope)
    # The version guess already impersonates (OAuth identity): the denial arrives wrapped, as from EXO.
    with pytest.raises(TransportError, match="ErrorImpersonateUserDenied"):
        account.root  # noqa: B018


def test_oauth_tenant_wide_consent_bypasses_the_scope(info, client):
    account = client.oauth_account(
        info.mailbox_out_of_scope, client_id=info.tenant_wide_client_id, secret=info.tenant_wide_client_secret
    )
    assert account.calendar.name == "Calendar"
    token = account.protocol.credentials.access_token["access_token"]
    assert decode_claims(token)["roles"] == ["full_access_as_app"]


def test_oauth_app_without_permission_is_unauthorized(info, client):
    account = client.oauth_account(
        info.mailbox_in_scope, client_id=info.no_permission_client_id, secret=info.no_permission_client_secret
    )
    with pytest.raises(UnauthorizedError):
        account.root  # noqa: B018


def test_oauth_bad_secret(info, client):
    account = client.oauth_account(info.mailbox_in_scope, secret="wrong-secret")
    with pytest.raises(InvalidClientError, match="AADSTS7000215"):
        account.root  # noqa: B018


def test_oauth_expired_secret(info, client):
    account = client.oauth_account(
        info.mailbox_in_scope,
        client_id=info.expired_secret_client_id,
        secret=info.expired_secret_client_secret,
    )
    with pytest.raises(InvalidClientError, match="AADSTS7000222"):
        account.root  # noqa: B018


def test_oauth_unknown_tenant(info, client):
    account = client.oauth_account(info.mailbox_in_scope, tenant_id="00000000-1111-2222-3333-444444444444")
    with pytest.raises(OAuth2Error, match="AADSTS90002"):
        account.root  # noqa: B018


# -- SOAP autodiscover ---------------------------------------------------------------------------------

def _autodiscover_protocol(info: SandboxInfo):
    adapter = scoped_trust_adapter(trust_context(info.ca_file))
    cls = type("SandboxAutodiscoverProtocol", (AutodiscoverProtocol,), {"HTTP_ADAPTER_CLS": adapter})
    config = Configuration(service_endpoint=info.autodiscover_url,
                           credentials=Credentials(info.username, info.password), auth_type=None)
    return cls(config=config)


def test_soap_autodiscover_returns_the_ews_url(sandbox, info):
    protocol = _autodiscover_protocol(info)
    try:
        answer = protocol.get_user_settings(info.mailbox_in_scope,
                                            settings=["external_ews_url", "auto_discover_smtp_address"])
        assert protocol.auth_type == NTLM
        assert answer.ews_url == info.ews_url
        assert answer.autodiscover_smtp_address == info.mailbox_in_scope
        unknown = protocol.get_user_settings(info.mailbox_nonexistent, settings=["external_ews_url"])
        with pytest.raises(ErrorNonExistentMailbox):
            unknown.raise_errors()
    finally:
        protocol.close()
    assert sandbox.requests.find(operation="GetUserSettings")
