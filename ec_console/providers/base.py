"""A small provider-neutral face over the Exchange, Google and Graph providers, for the dashboard and check
all.

The dashboard needs four things of a platform: probe one account's calendar through an application, list
the accounts in the application's scope, the setup check, and the platform steps that withdraw access.
`ProviderAdapter` names them; `ExchangeAdapter` and `GoogleAdapter` wrap the providers' own functions
(`probe_mailbox`, `enumerate_scope`, `run_exchange_check` / `probe_user`, `enumerate_users`,
`run_google_check`). The platform knowledge stays in the providers; what is added here is the one rule the
dashboard lives by — *whose* problem a failed probe is (`ProbeKind`):

- `ok`: the calendar answered.
- `profile`: this account cannot be reached (outside the scope, no mailbox, suspended ...): the profile
  needs a relink.
- `transient`: throttled, timed out, a server error: nothing is known about the account; its status
  never changes (the check is recorded as failed only).
- `application`: the application itself is broken (bad secret, locked account, EWS blocked for the
  organisation, OAuth / key / delegation problems, the endpoint unreachable): the application's health
  is marked, not each profile, and probing its other accounts stops.
- `cancelled`: the probe was cancelled before it could tell.
- `unverified`: the console cannot probe this account itself (an application installed from the Google
  Workspace Marketplace delegates to the vendor's client, not to a key of the customer's): the account is
  recorded, its status stands, and the check is stored as `warn` saying who can test it.

Qt-free; every call blocks (run it on a worker thread).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ec_console.checks import CancelToken, Diagnosis, Report, StepResult, StepStatus, utc_now_iso
from ec_console.diagnoses import ad_identity
from ec_console.i18n import _
from ec_console.texts import Said, say, say_n

# --- whose problem a failed probe is ----------------------------------------------------------------------


class ProbeKind(enum.StrEnum):
    OK = "ok"
    PROFILE = "profile"
    TRANSIENT = "transient"
    APPLICATION = "application"
    CANCELLED = "cancelled"
    UNVERIFIED = "unverified"


TRANSIENT_CODES = frozenset({"throttled", "timeout", "server_error", "unexpected_error"})
APPLICATION_CODES = frozenset({
    # service account / app registration / key
    "auth_failed", "auth_method_unsupported", "account_locked", "oauth_invalid_client",
    "oauth_secret_expired",
    "oauth_tenant_not_found", "oauth_permission_missing", "impersonation_right_missing",
    "oauth_app_not_found", "oauth_app_disabled", "oauth_no_service_principal", "oauth_certificate_unknown",
    "oauth_conditional_access", "oauth_request_refused", "oauth_token_rejected",
    "impersonation_header_required", "key_malformed", "key_invalid_signature", "service_account_not_found",
    "clock_skew", "dwd_unauthorized", "scope_not_authorized", "api_disabled", "not_admin", "reauth_required",
    # the application's endpoint cannot be reached at all
    "dns_unresolved", "tcp_unreachable", "tls_untrusted", "tls_name_mismatch", "tls_expired",
    "proxy_auth_required", "autodiscover_failed", "plain_http",
})
# Steps that run before any one account is touched: a failure there is the application's.
_APPLICATION_STEPS = frozenset({"resolve_endpoint", "dns", "tcp", "tls", "authenticate",
                                "key", "clock", "token"})


def classify(code: str | None, step_id: str | None = None) -> ProbeKind:
    """Whose problem a failed probe with diagnosis `code` (failing at `step_id`, when known) is."""
    if code is None:
        return ProbeKind.CANCELLED
    if code in TRANSIENT_CODES:
        return ProbeKind.TRANSIENT
    if code in APPLICATION_CODES or (step_id is not None and step_id in _APPLICATION_STEPS):
        return ProbeKind.APPLICATION
    # ews_blocked at `authenticate` is the organisation's switch or the application's allow-list entry (the
    # OAuth sign-in acts as the application's own test mailbox; handled by the step rule above); at
    # `impersonate` / `read_calendar` it is that one mailbox's CASMailbox setting: the profile's problem.
    return ProbeKind.PROFILE


@dataclass(frozen=True)
class ProbeOutcome:
    """One account probed through an application, in the dashboard's terms."""

    email: str
    kind: ProbeKind
    checked_at: str
    report: Report                       # what is stored with the check (busy times only, never subjects)
    diagnosis: Diagnosis | None = None
    detail: str = ""
    back_off: float | None = None        # seconds the server asked to wait (throttled answers)
    busy_count: int | None = None

    @property
    def ok(self) -> bool:
        return self.kind is ProbeKind.OK

    @property
    def code(self) -> str | None:
        return self.diagnosis.code if self.diagnosis else None

    @property
    def result(self) -> str:
        """`pass` / `warn` / `fail` as a check record stores it (a cancelled probe is never stored); `warn` is
        an account the console could not probe itself (`unverified`)."""
        if self.kind is ProbeKind.UNVERIFIED:
            return "warn"
        return "pass" if self.ok else "fail"


@dataclass(frozen=True)
class Account:
    """An account found in an application's scope.

    `role` says why the account is not pre-ticked for linking ("super administrator", "administrator",
    "executive"); `screened` whether the platform said anything about that at all (Google's users list does;
    a group's member list and Exchange's do not).
    """

    email: str
    name: str = ""
    role: str = ""
    screened: bool = False


@dataclass(frozen=True)
class Enumeration:
    """The accounts of an application's scope, plus notes the admin should read (nested groups ...)."""

    accounts: list[Account]
    notes: list[str] = field(default_factory=list)

    def preselected(self) -> set[str]:
        """The addresses to pre-tick for linking: none when more than a handful were found (the admin
        chooses), never an administrator or executive, never an account the platform said nothing about."""
        if len(self.accounts) > HANDFUL:
            return set()
        return {a.email for a in self.accounts if a.screened and not a.role}


HANDFUL = 5   # more accounts found than this: nothing is pre-ticked


class EnumerationError(Exception):
    """The scope could not be listed; `diagnosis` says why and how to fix it."""

    def __init__(self, diagnosis: Diagnosis | None, detail: str) -> None:
        super().__init__(detail)
        self.diagnosis = diagnosis
        self.detail = detail


class ApplicationLike(Protocol):
    """What an adapter reads of an application (a `registry.Application`, or a spec not yet saved)."""

    name: str
    provider: str
    domain: str
    settings: dict[str, Any]


class ProviderAdapter(Protocol):
    """The dashboard's view of one platform."""

    provider: str

    def secret_kind(self, application: ApplicationLike) -> str:
        """The kind of secret the application keeps in the keychain (`password`, `client_secret`, `key`)."""
        ...

    def probe(self, application: ApplicationLike, secret: str, email: str, cancel: CancelToken,
              timeout: float | None = None) -> ProbeOutcome: ...

    def enumerate(self, application: ApplicationLike, secret: str, cancel: CancelToken) -> Enumeration: ...

    def setup_check(self, application: ApplicationLike, secret: str, target: str, *,
                    expect_denied: str | None = None, cancel: CancelToken | None = None) -> Report: ...

    def withdrawal_steps(self, application: ApplicationLike) -> list[str]: ...

    def profile_withdrawal_step(self, application: ApplicationLike, email: str) -> str: ...


def _ps(value: str) -> str:
    """A single-quoted PowerShell literal."""
    return "'" + value.replace("'", "''") + "'"


# A probe's step titles and details: stored in English, shown in the reader's language (ec_console/texts.py).
PROBE_CANCELLED = say("the probe was cancelled")
GOOGLE_READ_TITLE = say("Read the calendar (busy blocks of the next 7 days)")
GRAPH_TOKEN_TITLE = say("Get a token for the application")
GRAPH_READ_TITLE = say("Read the next 7 days of busy times")
_BACK_OFF_RE = re.compile(r"(?:back off|wait)\s+([0-9]+(?:\.[0-9]+)?)\s*s\b", re.IGNORECASE)


def back_off_seconds(step: StepResult | None) -> float | None:
    """The wait a throttled answer asked for: `data["back_off"]`, else "back off N s" in the detail."""
    if step is None:
        return None
    raw = (step.data or {}).get("back_off")
    if raw is None:
        match = _BACK_OFF_RE.search(step.detail or "")
        raw = match.group(1) if match else None
    try:
        value = float(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
    return value if value is not None and value > 0 else None


# --- probe sessions (many accounts of one application in one run) -----------------------------------------


class ProbeSession(Protocol):
    """Probes accounts of one application within one run, sharing what the run may share (connections,
    sign-in, server version). Thread-safe; closed at the end of the run (nothing outlives it)."""

    def probe(self, email: str, cancel: CancelToken) -> ProbeOutcome: ...

    def close(self) -> None: ...


class _ResultSession:
    """A provider probe session (returning the provider's `ProbeResult`) in the dashboard's terms."""

    def __init__(self, session: Any, convert: Callable[[str, Any, CancelToken], ProbeOutcome]) -> None:
        self.session = session
        self._convert = convert

    def probe(self, email: str, cancel: CancelToken) -> ProbeOutcome:
        return self._convert(email, self.session.probe(email, cancel=cancel), cancel)

    @property
    def findings(self) -> dict[str, Any]:
        """Settings the run found out (the quick-open hint), {} when nothing new; read after the run."""
        return dict(getattr(self.session, "findings", None) or {})

    def close(self) -> None:
        self.session.close()


class SessionAdapter:
    """`adapter` whose `probe` goes through one open `ProbeSession` (for the engine of one run).

    Everything but `probe` is the adapter's own. `close()` closes the session.
    """

    def __init__(self, adapter: ProviderAdapter, session: ProbeSession) -> None:
        self.adapter = adapter
        self.session = session
        self.provider = adapter.provider

    def probe(self, application: ApplicationLike, secret: str, email: str, cancel: CancelToken,
              timeout: float | None = None) -> ProbeOutcome:
        return self.session.probe(email, cancel)

    def close(self) -> None:
        self.session.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.adapter, name)


def open_session_adapter(adapter: ProviderAdapter, application: ApplicationLike, secret: str, *,
                         concurrency: int, timeout: float | None = None) -> SessionAdapter | None:
    """`adapter` bound to a new probe session for one run, or None when it offers none (plain probes)."""
    opener = getattr(adapter, "probe_session", None)
    if opener is None:
        return None
    return SessionAdapter(adapter, opener(application, secret, concurrency=concurrency, timeout=timeout))


# --- Exchange ---------------------------------------------------------------------------------------------

# What the setup check (or a check-all run) found, kept in the settings as the probe session's quick-open hint
# only: never the user's choice (`auth`), never a secret (docs/registry.md).
AUTH_FOUND, VERSION_FOUND = "auth_found", "version_found"


class ExchangeAdapter:
    """EWS through a service account (on-premises) or an app registration (Exchange Online).

    Settings keys (non-secret, stored in the registry): `ews_url`, `autodiscover`, `username`, `auth`,
    `tenant_id`, `client_id`, `authority`, `scope_group`, `scope_group_address`, `ca_file`, `timeout`,
    `impersonation`, `test_mailbox`.
    """

    provider = "exchange"

    def __init__(self, probe_mailbox: Callable[..., Any] | None = None) -> None:
        self._probe_mailbox = probe_mailbox

    @staticmethod
    def settings_for(application: ApplicationLike, mailbox: str, *, timeout: float | None = None) -> Any:
        from ec_console.providers.exchange.check import DEFAULT_AUTHORITY, DEFAULT_TIMEOUT, ExchangeSettings

        s = application.settings
        return ExchangeSettings(
            mailbox=mailbox, ews_url=s.get("ews_url"), autodiscover=bool(s.get("autodiscover", False)),
            username=s.get("username"), auth=s.get("auth"), tenant_id=s.get("tenant_id"),
            client_id=s.get("client_id"), authority=s.get("authority") or DEFAULT_AUTHORITY,
            impersonation=bool(s.get("impersonation", True)), scope_group=s.get("scope_group"),
            ca_file=s.get("ca_file"), timeout=float(timeout or s.get("timeout") or DEFAULT_TIMEOUT),
            # OAuth's sign-in acts as the application's own test mailbox: an EWS block there is the
            # application's, a block on `mailbox` alone the profile's (see exchange._ExchangeCheck._anchor).
            anchor_mailbox=s.get("test_mailbox") or None,
            # what the last setup check or run found: the quick open's hint only (see exchange.probe)
            auth_found=s.get(AUTH_FOUND) or None, version_found=s.get(VERSION_FOUND) or None)

    @staticmethod
    def settings_from_report(report: Report) -> dict[str, Any]:
        """What the setup check found out: the sign-in method the server accepted and the server's build,
        kept as the probe session's quick-open hint (`auth_found`, `version_found`; never the user's `auth`).
        Nothing when the check did not sign in with a password (OAuth, or it failed before)."""
        step = report.step("authenticate")
        data = (step.data or {}) if step is not None and step.status in (StepStatus.PASS, StepStatus.WARN) \
            else {}
        method = data.get("auth_type")
        if method not in ("ntlm", "basic"):
            return {}
        build = (data.get("server_version") or {}).get("build")
        return {AUTH_FOUND: method, **({VERSION_FOUND: build} if isinstance(build, str) and build else {})}

    @staticmethod
    def uses_oauth(application: ApplicationLike) -> bool:
        s = application.settings
        return s.get("auth") == "oauth" or (s.get("auth") is None and bool(s.get("tenant_id")))

    def secret_kind(self, application: ApplicationLike) -> str:
        return "client_secret" if self.uses_oauth(application) else "password"

    def diagnosis_names(self, application: ApplicationLike) -> dict[str, Any]:
        """The platform and the real names a diagnosis about this application fills in."""
        s = application.settings
        oauth = self.uses_oauth(application)
        names = {"platform": "online" if oauth else "onprem",
                 "service_account": s.get("client_id") if oauth else s.get("username"),
                 "scope_group": s.get("scope_group_address") or s.get("scope_group"),
                 "client_id": s.get("client_id"), "tenant_id": s.get("tenant_id"),
                 "ews_url": s.get("ews_url"), "domain": application.domain}
        return {key: value for key, value in names.items() if value}

    def probe(self, application: ApplicationLike, secret: str, email: str, cancel: CancelToken,
              timeout: float | None = None) -> ProbeOutcome:
        probe = self._probe_mailbox
        if probe is None:
            from ec_console.providers.exchange.check import probe_mailbox as probe
        settings = self.settings_for(application, email, timeout=timeout)
        return self.outcome(email, probe(settings, secret, email, cancel=cancel), cancel)

    def probe_session(self, application: ApplicationLike, secret: str, *, concurrency: int,
                      timeout: float | None = None) -> ProbeSession:
        """A session for probing many of `application`'s mailboxes in one run (see `exchange.probe`): one
        signed-in connection per unit of `concurrency`, two EWS requests per probe. Close it at the end."""
        from ec_console.providers.exchange.probe import ExchangeProbeSession

        probe = self._probe_mailbox
        if probe is None:
            from ec_console.providers.exchange.check import probe_mailbox as probe
        settings = self.settings_for(application, application.settings.get("test_mailbox")
                                     or f"postmaster@{application.domain}", timeout=timeout)
        session = ExchangeProbeSession(settings, secret, max_connections=concurrency, full_probe=probe)
        return _ResultSession(session, self.outcome)

    @staticmethod
    def outcome(email: str, result: Any, cancel: CancelToken) -> ProbeOutcome:
        """A provider `ProbeResult` (of `probe_mailbox` or a probe session) in the dashboard's terms."""
        report: Report = result.report or Report("exchange", email, result.checked_at or utc_now_iso())
        if report.cancelled or cancel.cancelled and result.diagnosis is None:
            # a cancelled check proves nothing (probe_mailbox may report it as ok with no blocks)
            return ProbeOutcome(email, ProbeKind.CANCELLED, result.checked_at, report, None, PROBE_CANCELLED)
        if result.ok:
            return ProbeOutcome(email, ProbeKind.OK, result.checked_at, report, None, result.detail,
                                busy_count=len(result.blocks))
        failure = report.first_failure
        code = result.diagnosis.code if result.diagnosis else None
        kind = classify(code, failure.id if failure else None)
        return ProbeOutcome(email, kind, result.checked_at, report, result.diagnosis, result.detail,
                            back_off=back_off_seconds(failure) if code == "throttled" else None)

    def enumerate(self, application: ApplicationLike, secret: str, cancel: CancelToken) -> Enumeration:
        from ec_console.providers.exchange.check import ScopeError, enumerate_scope

        s = application.settings
        group = s.get("scope_group_address") or s.get("scope_group")
        if not group:
            raise EnumerationError(None, say("The application {name} has no scoping group to list; paste a "
                                             "list of mailboxes or import a Get-Mailbox CSV",
                                             name=repr(application.name)))
        settings = self.settings_for(application, s.get("test_mailbox") or f"postmaster@{application.domain}")
        try:
            listing = enumerate_scope(settings, secret, group)
        except ScopeError as exc:
            raise EnumerationError(exc.diagnosis, exc.detail) from None
        notes: list[str] = [
            say("{member} is a group nested in {group}: Exchange does not apply the scope to its members, so "
                "they are not listed", member=g.address or g.name, group=group)
            for g in listing.nested_groups]
        notes += [say("{member} ({kind}) is not a mailbox and is left out", member=o.address or o.name,
                      kind=o.kind) for o in listing.others]
        return Enumeration([Account(m.address, m.name) for m in listing.mailboxes if m.address], notes)

    def setup_check(self, application: ApplicationLike, secret: str, target: str, *,
                    expect_denied: str | None = None, cancel: CancelToken | None = None) -> Report:
        from dataclasses import replace

        from ec_console.providers.exchange.check import run_exchange_check

        settings = replace(self.settings_for(application, target), expect_denied=expect_denied)
        return run_exchange_check(settings, secret, cancel=cancel)

    def withdrawal_steps(self, application: ApplicationLike) -> list[str]:
        s = application.settings
        if self.uses_oauth(application):
            app_id = s.get("client_id") or "<application (client) ID>"
            tenant = s.get("tenant_id") or "<tenant ID>"
            # Each step is a sentence (shown in the reader's language) and its command (never translated).
            unassign = (f"Get-ManagementRoleAssignment -RoleAssignee {_ps(app_id)} | Where-Object Role -like "
                        "'Application *' | Remove-ManagementRoleAssignment -Confirm:$false")
            remove = f"Remove-ServicePrincipal -Identity {_ps(app_id)} -Confirm:$false"
            verify = f"Test-ServicePrincipalAuthorization -Identity {_ps(app_id)} -Resource <a mailbox>"
            return [
                say("Remove the RBAC for Applications role assignment (Exchange Online PowerShell): "
                    "{command}", command=unassign),
                say("Remove the Exchange service principal: {command}", command=remove),
                say("Delete the app registration's client secret (or the app registration), and any "
                    "tenant-wide consent of full_access_as_app: {link} (tenant {tenant})",
                    link=_entra_credentials(app_id), tenant=tenant),
                say("Changes take 30 minutes to 2 hours to apply in Exchange Online; verify with {command} "
                    "(InScope False)", command=verify),
            ]
        account = s.get("username") or "<service account>"
        group = (s.get("scope_group") or "<scoping group>").replace("'", "''")
        short_name = account.split("\\")[-1].split("@")[0]
        unassign = ("Get-ManagementRoleAssignment -Role ApplicationImpersonation -RoleAssignee "
                    f"{_ps(account)} | Remove-ManagementRoleAssignment -Confirm:$false")
        unscope = (f"Get-ManagementScope | Where-Object RecipientFilter -like '*{group}*' | "
                   "Remove-ManagementScope -Confirm:$false")
        disable = f"Disable-ADAccount -Identity {ad_identity(account)}"
        verify = ("Get-ManagementRoleAssignment -Role ApplicationImpersonation -GetEffectiveUsers | "
                  f"Where-Object EffectiveUserName -like {_ps('*' + short_name + '*')}")
        return [
            say("Remove the ApplicationImpersonation role assignment (Exchange Management Shell): {command}",
                command=unassign),
            say("Remove the management scope if nothing else uses it: {command}", command=unscope),
            say("Disable the service account or change its password: {command}", command=disable),
            say("Verify that the service account no longer holds the role (the command lists nothing): "
                "{command}", command=verify),
        ]

    def profile_withdrawal_step(self, application: ApplicationLike, email: str) -> str:
        s = application.settings
        group = s.get("scope_group_address") or s.get("scope_group") or "<scoping group>"
        command = (f"Remove-DistributionGroupMember -Identity {_ps(group)} -Member {_ps(email)} "
                   "-BypassSecurityGroupManagerCheck -Confirm:$false")
        if self.uses_oauth(application):
            app_id = s.get("client_id") or "<application (client) ID>"
            verify = f"Test-ServicePrincipalAuthorization -Identity {_ps(app_id)} -Resource {_ps(email)}"
            return say("Remove the mailbox from the scoping group: {command}; then verify: {verify} (InScope "
                       "False, after up to 2 hours)", command=command, verify=verify)
        return say("Remove the mailbox from the scoping group: {command}", command=command)


def _entra_credentials(app_id: str) -> str:
    """The Microsoft Entra admin center's page of an app registration's certificates and secrets."""
    return ("https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Credentials/"
            f"appId/{app_id}")


# --- Google -----------------------------------------------------------------------------------------------


class GoogleAdapter:
    """A service account with domain-wide delegation (or a Marketplace install).

    Settings keys: `admin`, `scopes`, `api_root`, `ca_file`, `timeout`, `client_id` (numeric, from the key),
    `client_email`, `install` ("dwd" or "marketplace"), `org_unit`, `group`, `test_user`. The secret is
    the key file's JSON.
    """

    provider = "google"

    def __init__(self, probe_user: Callable[..., Any] | None = None) -> None:
        self._probe_user = probe_user

    @staticmethod
    def key_info(secret: str) -> dict[str, Any] | None:
        try:
            info = json.loads(secret)
        except ValueError:
            return None
        return info if isinstance(info, dict) else None

    @classmethod
    def settings_for(cls, application: ApplicationLike, secret: str, user: str, *,
                     timeout: float | None = None) -> Any:
        from ec_console.providers.google.check import DEFAULT_GOOGLE_SCOPES, DEFAULT_TIMEOUT, GoogleSettings

        s = application.settings
        return GoogleSettings(
            admin=s.get("admin") or f"admin@{application.domain}", user=user,
            key_info=cls.key_info(secret) or {}, scopes=tuple(s.get("scopes") or DEFAULT_GOOGLE_SCOPES),
            api_root=s.get("api_root"), timeout=float(timeout or s.get("timeout") or DEFAULT_TIMEOUT),
            ca_file=s.get("ca_file"))

    def secret_kind(self, application: ApplicationLike) -> str:
        return "key"

    def diagnosis_names(self, application: ApplicationLike) -> dict[str, Any]:
        """The platform and the real names a diagnosis about this application fills in."""
        s = application.settings
        names = {"platform": "google", "service_account": s.get("client_email"),
                 "client_id": s.get("client_id"), "admin": s.get("admin"), "domain": application.domain}
        return {key: value for key, value in names.items() if value}

    def probe(self, application: ApplicationLike, secret: str, email: str, cancel: CancelToken,
              timeout: float | None = None) -> ProbeOutcome:
        if application.settings.get("install") == "marketplace":
            return self._marketplace_probe(application, secret, email, cancel, timeout)
        probe = self._probe_user
        if probe is None:
            from ec_console.providers.google.check import probe_user as probe
        settings = self.settings_for(application, secret, email, timeout=timeout)
        return self.outcome(email, probe(settings, email, cancel=cancel), cancel)

    def probe_session(self, application: ApplicationLike, secret: str, *, concurrency: int,
                      timeout: float | None = None) -> Any:
        """A session for probing many of `application`'s accounts in one run: the key parsed once, one
        connection pool, each user's token reused while valid, and the calendar reads of many users in one
        batch request once told the run's accounts (`expect`). Close it. A Marketplace install (or a probe
        given to this adapter) keeps probing account by account."""
        if application.settings.get("install") == "marketplace" or self._probe_user is not None:
            return _PlainSession(lambda email, cancel: self.probe(application, secret, email, cancel,
                                                                  timeout))
        from ec_console.providers.google.probe import GoogleProbeSession

        settings = self.settings_for(application, secret, application.settings.get("admin")
                                     or f"admin@{application.domain}", timeout=timeout)
        return _GoogleResultSession(GoogleProbeSession(settings, concurrency=concurrency), self.outcome)

    @staticmethod
    def outcome(email: str, result: Any, cancel: CancelToken) -> ProbeOutcome:
        """A provider `ProbeResult` in the dashboard's terms."""
        checked_at = result.checked_at or utc_now_iso()
        if result.ok:
            busy = [{"start": b.start, "end": b.end} for b in result.busy]
            detail = say_n("{n} busy block in the next 7 days (times only; no event details fetched)",
                           "{n} busy blocks in the next 7 days (times only; no event details fetched)",
                           len(busy))
            step = StepResult("read_calendar", GOOGLE_READ_TITLE,
                              StepStatus.PASS, 0, detail,
                              {"count": len(busy), "time_zone": result.time_zone, "blocks": busy})
            return ProbeOutcome(email, ProbeKind.OK, checked_at, Report("google", email, checked_at, (step,)),
                                None, detail, busy_count=len(busy))
        diagnosis = result.diagnosis
        if diagnosis is None or cancel.cancelled:
            return ProbeOutcome(email, ProbeKind.CANCELLED, checked_at, Report("google", email, checked_at),
                                None, PROBE_CANCELLED)
        step = StepResult("read_calendar", GOOGLE_READ_TITLE,
                          StepStatus.FAIL, 0, diagnosis.cause, None, diagnosis)
        return ProbeOutcome(email, classify(diagnosis.code), checked_at,
                            Report("google", email, checked_at, (step,)), diagnosis, diagnosis.cause,
                            back_off=result.back_off if diagnosis.code == "throttled" else None)

    def _marketplace_probe(self, application: ApplicationLike, secret: str, email: str, cancel: CancelToken,
                           timeout: float | None) -> ProbeOutcome:
        """A Marketplace application's account: the console cannot read the calendar as the vendor's client.

        It reads the user in the Directory (as the administrator): a user outside the organisational unit the
        app is installed for, unknown or suspended is the profile's problem; anyone else is recorded
        `unverified` (stored as `warn`), naming who can test the delegated access (the region's web
        dashboard).
        """
        from ec_console.providers.google.check import lookup_user
        from ec_console.providers.google.marketplace import VendorSide, org_unit_covers

        s = application.settings
        checked_at = utc_now_iso()
        title = GOOGLE_READ_TITLE
        org_unit, group = s.get("org_unit"), s.get("group")
        covered: Said | None = None
        if org_unit:
            settings = self.settings_for(application, secret, email, timeout=timeout)
            user, diagnosis = lookup_user(settings, email, cancel=cancel)
            if cancel.cancelled:
                return ProbeOutcome(email, ProbeKind.CANCELLED, checked_at,
                                    Report("google", email, checked_at), None, PROBE_CANCELLED)
            if diagnosis is None and user is not None and not org_unit_covers(org_unit, user.org_unit):
                from ec_console.diagnoses import diagnose

                diagnosis = diagnose("outside_install", user=email, scope_group=org_unit)
            if diagnosis is not None:
                kind = classify(diagnosis.code)
                if diagnosis.code in ("user_not_found", "user_deleted", "user_suspended", "outside_install"):
                    kind = ProbeKind.PROFILE
                step = StepResult("read_calendar", title, StepStatus.FAIL, 0, diagnosis.cause, None,
                                  diagnosis)
                return ProbeOutcome(email, kind, checked_at, Report("google", email, checked_at, (step,)),
                                    diagnosis, diagnosis.cause)
            if user is not None:
                covered = say("{email} is in {org_unit}, which the install for {install} covers. {vendor}",
                              email=email, org_unit=user.org_unit, install=org_unit,
                              vendor=VendorSide.from_settings(s).only_vendor_can_test(email))
        elif group:
            covered = say("Whether {email} is a member of {group} (the install's group) is not checked here. "
                          "{vendor}", email=email, group=group,
                          vendor=VendorSide.from_settings(s).only_vendor_can_test(email))
        detail = covered or VendorSide.from_settings(s).only_vendor_can_test(email)
        step = StepResult("read_calendar", title, StepStatus.WARN, 0, detail, {"tested": False})
        report = Report("google", email, checked_at, (step,))
        return ProbeOutcome(email, ProbeKind.UNVERIFIED, checked_at, report, None, detail)

    def enumerate(self, application: ApplicationLike, secret: str, cancel: CancelToken) -> Enumeration:
        from ec_console.providers.google.check import GoogleError, account_role, enumerate_users

        s = application.settings
        settings = self.settings_for(application, secret, s.get("admin") or f"admin@{application.domain}")
        accounts: list[Account] = []
        try:
            for user in enumerate_users(settings, domain=application.domain, org_unit=s.get("org_unit"),
                                        group=s.get("group"), cancel=cancel):
                if user.email:
                    accounts.append(Account(user.email.lower(), user.name, account_role(user),
                                            user.screened))
        except GoogleError as exc:
            raise EnumerationError(exc.diagnosis, str(exc)) from None
        notes = []
        if s.get("install", "dwd") == "dwd":
            notes.append(say("Domain-wide delegation cannot be limited to a group or organisational unit: "
                             "the application can reach every account of the domain, and this console's "
                             "profile list is the control."))
        return Enumeration(accounts, notes)

    def setup_check(self, application: ApplicationLike, secret: str, target: str, *,
                    expect_denied: str | None = None, cancel: CancelToken | None = None) -> Report:
        if application.settings.get("install") == "marketplace":
            from ec_console.providers.google.marketplace import check_settings_for, run_marketplace_check

            check = check_settings_for(application.settings, target, expect_denied)
            return run_marketplace_check(check, cancel=cancel)
        from dataclasses import replace

        from ec_console.providers.google.check import run_google_check

        settings = replace(self.settings_for(application, secret, target), expect_denied=expect_denied)
        return run_google_check(settings, cancel=cancel)

    def withdrawal_steps(self, application: ApplicationLike) -> list[str]:
        s = application.settings
        client_id = s.get("client_id") or "<client ID>"
        if s.get("install") == "marketplace":
            if s.get("vendor_dashboard"):
                verify = say("Verify: the app no longer appears in the list. Whether a delegated token "
                             "request for a user now fails can be tested only by the vendor, as its own "
                             "client: {dashboard}; this console cannot test it.",
                             dashboard=s["vendor_dashboard"])
            else:
                verify = say("Verify: the app no longer appears in the list. Whether a delegated token "
                             "request for a user now fails can be tested only by the vendor, as its own "
                             "client; this console cannot test it.")
            return [
                say("Uninstall the Marketplace app (Admin console > Apps > Google Workspace Marketplace apps "
                    "> Apps list > the app > Uninstall app): {link}",
                    link="https://admin.google.com/ac/apps/gmail/marketplace"),
                verify,
            ]
        account = s.get("client_email") or "<service account email>"
        list_keys = f"gcloud iam service-accounts keys list --iam-account {account}"
        delete_key = f"gcloud iam service-accounts keys delete <key ID> --iam-account {account}"
        return [
            say("Delete the domain-wide delegation entry of client ID {client_id} (Admin console > Security "
                "> Access and data control > API controls > Domain-wide delegation): {link}",
                client_id=client_id, link="https://admin.google.com/ac/owl/domainwidedelegation"),
            say("Delete the service account's keys: {list_command}, then {delete_command}",
                list_command=list_keys, delete_command=delete_key),
            say("Changes can take up to 24 hours to apply everywhere."),
        ]

    def unverifiable_withdrawal(self, application: ApplicationLike) -> str | None:
        """Why the console cannot verify the withdrawal of `application` itself (None: it can)."""
        s = application.settings
        if s.get("install") != "marketplace":
            return None
        from ec_console.providers.google.marketplace import VendorSide

        vendor = VendorSide.from_settings(s)
        if vendor.dashboard_url:
            return say("Not tested by this console: the Marketplace app delegates to the vendor's client, so "
                       "only {vendor} can tell whether a delegated token request is now refused (web "
                       "dashboard ({url})). Check that the app is gone from the Admin console's Marketplace "
                       "apps list.",
                       vendor=vendor.region_label, url=vendor.dashboard_url)
        return say("Not tested by this console: the Marketplace app delegates to the vendor's client, so "
                   "only {vendor} can tell whether a delegated token request is now refused (web dashboard). "
                   "Check that the app is gone from the Admin console's Marketplace apps list.",
                   vendor=vendor.region_label)

    def profile_withdrawal_step(self, application: ApplicationLike, email: str) -> str:
        s = application.settings
        if s.get("install") == "marketplace":
            where = s.get("group") or s.get("org_unit") or "<group or organisational unit>"
            return say("Take {email} out of {where}, the group or organisational unit the Marketplace app "
                       "is installed for (Admin console > Directory > Users or Groups)", email=email,
                       where=where)
        return say("Domain-wide delegation cannot be limited to single accounts: the grant still reaches "
                   "{email} at the platform; this console's revoke stops its use here. To withdraw it at the "
                   "platform, install the application from the Marketplace for a group or organisational "
                   "unit without {email}, or suspend the account.", email=email)


# --- Microsoft Graph -------------------------------------------------------------------------------------


class GraphAdapter:
    """Exchange Online through Microsoft Graph: an Entra app registration with app-only access, scoped by RBAC
    for Applications (or a legacy Application Access Policy) to a group's members.

    Settings keys: `tenant_id`, `client_id`, `cloud`, `authority`, `graph_url`, `certificate` (the PEM or PFX
    file's path: with it the keychain holds only the file's passphrase, if it has one), `scope_group`,
    `scope_group_address`, `group_dn`, `sp_object_id`, `ca_file`, `timeout`, `test_mailbox`. The secret is the
    client secret, or the certificate's passphrase (none: an unencrypted PEM file).
    """

    provider = "graph"
    share: Any = None   # a graph.probe.SignInShare every probe session of this adapter signs in through

    @staticmethod
    def settings_for(application: ApplicationLike, mailbox: str, *, timeout: float | None = None,
                     expect_denied: str | None = None, write_probe: bool = False) -> Any:
        from ec_console.providers.graph import CLOUDS, GraphSettings
        from ec_console.providers.graph.check import DEFAULT_TIMEOUT

        s = application.settings
        cloud = s.get("cloud") if s.get("cloud") in CLOUDS else "global"
        return GraphSettings(
            mailbox=mailbox, tenant_id=str(s.get("tenant_id") or ""),
            client_id=str(s.get("client_id") or ""),
            cloud=cloud, authority=s.get("authority"), graph_url=s.get("graph_url"),
            expect_denied=expect_denied, scope_group=s.get("group_dn") or s.get("scope_group"),
            write_probe=write_probe, ca_file=s.get("ca_file"),
            timeout=float(timeout or s.get("timeout") or DEFAULT_TIMEOUT))

    @staticmethod
    def credential(application: ApplicationLike, secret: str) -> Any:
        """The client secret, or the application's certificate opened with `secret` as its passphrase.

        CertificateProblem when the certificate file cannot be used (moved, replaced, wrong passphrase)."""
        path = application.settings.get("certificate")
        if not path:
            return secret
        from ec_console.providers.graph import is_certificate_text, load_certificate, parse_certificate

        if is_certificate_text(secret):      # the certificate itself, imported into this desktop's keychain
            certificate = parse_certificate(secret.encode("utf-8"))
        else:
            certificate = load_certificate(str(path), secret or None)
        from ec_console.logs import register_secret

        register_secret(certificate.private_key_pem)
        return certificate

    def secret_kind(self, application: ApplicationLike) -> str:
        return "certificate_password" if application.settings.get("certificate") else "client_secret"

    @staticmethod
    def settings_from_report(report: Report) -> dict[str, Any]:
        """Settings the setup check found out: the service principal's object id (the token's `oid`), which
        fixes name in `New-ServicePrincipal -ObjectId`."""
        step = report.step("authenticate")
        found = (step.data or {}).get("service_principal") if step is not None else None
        return {"sp_object_id": found} if isinstance(found, str) and found else {}

    def secret_required(self, application: ApplicationLike) -> bool:
        """Whether the keychain must hold a secret (a certificate file without a passphrase needs none)."""
        return not application.settings.get("certificate")

    def diagnosis_names(self, application: ApplicationLike) -> dict[str, Any]:
        """The platform and the real names a diagnosis about this application fills in."""
        from ec_console.providers.graph.check import scope_name_for

        s = application.settings
        group = s.get("scope_group_address") or s.get("scope_group")
        names = {"platform": "graph", "client_id": s.get("client_id"), "tenant_id": s.get("tenant_id"),
                 "service_account": f"application {s['client_id']}" if s.get("client_id") else None,
                 "scope_group": group, "group_dn": s.get("group_dn"),
                 "scope_name": scope_name_for(str(s["scope_group"])) if s.get("scope_group") else None,
                 "sp_object_id": s.get("sp_object_id"), "domain": application.domain}
        return {key: value for key, value in names.items() if value}

    def _failure(self, application: ApplicationLike, email: str, detail: str) -> ProbeOutcome:
        """The application's certificate cannot be used: the application's problem, said plainly."""
        from ec_console.diagnoses import diagnose

        checked_at = utc_now_iso()
        diagnosis = diagnose("bad_input", message=detail, field="the application's certificate")
        step = StepResult("authenticate", GRAPH_TOKEN_TITLE, StepStatus.FAIL, 0, detail, None, diagnosis)
        report = Report("graph", email, checked_at, (step,))
        return ProbeOutcome(email, ProbeKind.APPLICATION, checked_at, report, diagnosis, detail)

    def probe(self, application: ApplicationLike, secret: str, email: str, cancel: CancelToken,
              timeout: float | None = None) -> ProbeOutcome:
        session = self.probe_session(application, secret, concurrency=1, timeout=timeout)
        try:
            return session.probe(email, cancel)
        finally:
            session.close()

    def probe_session(self, application: ApplicationLike, secret: str, *, concurrency: int,
                      timeout: float | None = None, share: Any = None) -> Any:
        """A session for probing many of `application`'s mailboxes in one run: one sign-in (or the token of
        `share`, a `graph.probe.SignInShare`, while it is valid), and JSON batches of up to 20 mailboxes a
        request once told the run's mailboxes (`expect`). Close it."""
        from ec_console.providers.graph import CertificateProblem
        from ec_console.providers.graph.probe import GraphProbeSession

        try:
            credential = self.credential(application, secret)
        except CertificateProblem as exc:
            why = say("The certificate {certificate} of {name} cannot be used: {error}",
                      certificate=application.settings.get("certificate"), name=application.name,
                      error=str(exc))
            return _BrokenSession(lambda email: self._failure(application, email, why))
        settings = self.settings_for(application, application.settings.get("test_mailbox")
                                     or f"postmaster@{application.domain}", timeout=timeout)
        session = GraphProbeSession(settings, credential, share or self.share)
        return _GraphResultSession(session, self.outcome)

    @staticmethod
    def outcome(email: str, probe: Any, cancel: CancelToken) -> ProbeOutcome:
        """A `GraphProbe` in the dashboard's terms."""
        outcome = probe.outcome
        title = GRAPH_TOKEN_TITLE if probe.step == "authenticate" else GRAPH_READ_TITLE
        step = StepResult(probe.step, title, outcome.status, 0, outcome.detail, outcome.data,
                          outcome.diagnosis)
        report = Report("graph", email, probe.checked_at, (step,))
        if probe.ok:
            return ProbeOutcome(email, ProbeKind.OK, probe.checked_at, report, None, outcome.detail,
                                busy_count=len(probe.blocks))
        diagnosis = outcome.diagnosis
        if diagnosis is None and cancel.cancelled:
            return ProbeOutcome(email, ProbeKind.CANCELLED, probe.checked_at, report, None, PROBE_CANCELLED)
        code = diagnosis.code if diagnosis else None
        kind = classify(code, probe.step) if code else ProbeKind.APPLICATION
        return ProbeOutcome(email, kind, probe.checked_at, report, diagnosis, outcome.detail,
                            back_off=back_off_seconds(step) if code == "throttled" else None)

    def enumerate(self, application: ApplicationLike, secret: str, cancel: CancelToken) -> Enumeration:
        from ec_console.providers.graph.probe import GroupListingError

        s = application.settings
        group = s.get("scope_group_address") or s.get("scope_group")
        if not group:
            raise EnumerationError(None, say("The application {name} has no scoping group to list; paste a "
                                             "list of mailboxes or import a CSV of their addresses instead",
                                             name=repr(application.name)))
        session = self.probe_session(application, secret, concurrency=1)
        lister = getattr(getattr(session, "session", None), "list_group_members", None)
        if lister is None:  # the certificate cannot be used
            failure = session.probe(s.get("test_mailbox") or "", cancel)
            raise EnumerationError(failure.diagnosis, failure.detail)
        try:
            members = lister(group, cancel)
        except GroupListingError as exc:
            if exc.missing_roles:
                detail = say("{detail}. Grant the application GroupMember.Read.All and User.ReadBasic.All "
                             "(Microsoft Entra admin center: App registrations, the app, API permissions, "
                             "Microsoft Graph, Application permissions, then Grant admin consent), or paste "
                             "a list of mailboxes or import a CSV of their addresses instead",
                             detail=exc.outcome.detail)
            else:
                detail = say("{detail}; paste a list of mailboxes or import a CSV of their addresses instead",
                             detail=exc.outcome.detail)
            raise EnumerationError(exc.outcome.diagnosis, detail) from None
        finally:
            session.close()
        notes: list[str] = [say("Only the group's direct members are listed: RBAC for Applications does not "
                                "apply a management scope's MemberOfGroup filter to members of nested "
                                "groups.")]
        return Enumeration([Account(m.email, m.name) for m in members], notes)

    def setup_check(self, application: ApplicationLike, secret: str, target: str, *,
                    expect_denied: str | None = None, cancel: CancelToken | None = None,
                    write_probe: bool = False, observer: Callable[[StepResult], None] | None = None,
                    on_step_started: Callable[[str], None] | None = None) -> Report:
        from ec_console.errors import BadInput
        from ec_console.providers.graph import CertificateProblem, run_graph_check

        try:
            credential = self.credential(application, secret)
        except CertificateProblem as exc:
            raise BadInput(_("The certificate {certificate} cannot be used: {error}").format(
                certificate=application.settings.get("certificate"), error=exc)) from None
        settings = self.settings_for(application, target, expect_denied=expect_denied,
                                     write_probe=write_probe)
        return run_graph_check(settings, credential, cancel=cancel, observer=observer,
                               on_step_started=on_step_started)

    def withdrawal_steps(self, application: ApplicationLike) -> list[str]:
        from ec_console.providers.graph.check import scope_name_for

        s = application.settings
        app_id = s.get("client_id") or "<application (client) ID>"
        tenant = s.get("tenant_id") or "<tenant ID>"
        group = s.get("scope_group_address") or s.get("scope_group")
        # Each step is a sentence (shown in the reader's language) and its command (never translated).
        unassign = (f"Get-ManagementRoleAssignment -RoleAssignee {_ps(app_id)} | Where-Object Role -like "
                    "'Application *' | Remove-ManagementRoleAssignment -Confirm:$false")
        remove = f"Remove-ServicePrincipal -Identity {_ps(app_id)} -Confirm:$false"
        steps: list[str] = [
            say("Remove the RBAC for Applications role assignments (Exchange Online PowerShell): "
                "{command}", command=unassign),
            say("Remove the Exchange service principal: {command}", command=remove),
        ]
        if s.get("scope_group"):
            scope = _ps(scope_name_for(str(s["scope_group"])))
            unscope = f"Remove-ManagementScope -Identity {scope} -Confirm:$false"
            steps.append(say("Remove the management scope if nothing else uses it: {command}",
                             command=unscope))
        if s.get("certificate"):
            delete = say("Delete the app registration's certificate (or the app registration), and remove "
                         "any Calendars application permission with admin consent: {link} (tenant {tenant})",
                         link=_entra_credentials(app_id), tenant=tenant)
        else:
            delete = say("Delete the app registration's client secret (or the app registration), and "
                         "remove any Calendars application permission with admin consent: {link} (tenant "
                         "{tenant})",
                         link=_entra_credentials(app_id), tenant=tenant)
        verify = f"Test-ServicePrincipalAuthorization -Identity {_ps(app_id)} -Resource <a mailbox>"
        if group:
            steps += [delete, say("Changes take 30 minutes to 2 hours to reach Microsoft Graph; verify with "
                                  "{command} (InScope False) for a member of {group}", command=verify,
                                  group=group)]
        else:
            steps += [delete, say("Changes take 30 minutes to 2 hours to reach Microsoft Graph; verify with "
                                  "{command} (InScope False)", command=verify)]
        return steps

    def profile_withdrawal_step(self, application: ApplicationLike, email: str) -> str:
        s = application.settings
        group = s.get("scope_group_address") or s.get("scope_group") or "<scoping group>"
        app_id = s.get("client_id") or "<application (client) ID>"
        command = (f"Remove-DistributionGroupMember -Identity {_ps(group)} -Member {_ps(email)} "
                   "-BypassSecurityGroupManagerCheck -Confirm:$false")
        verify = f"Test-ServicePrincipalAuthorization -Identity {_ps(app_id)} -Resource {_ps(email)}"
        return say("Remove the mailbox from the scoping group: {command}; then verify: {verify} (InScope "
                   "False; Microsoft Graph follows within 30 minutes to 2 hours)", command=command,
                   verify=verify)


class _GraphResultSession(_ResultSession):
    """A `GraphProbeSession` in the dashboard's terms; `expect` passes the run's mailboxes on (batching)."""

    def expect(self, emails: list[str]) -> None:
        self.session.expect(emails)


class _GoogleResultSession(_ResultSession):
    """A `GoogleProbeSession` in the dashboard's terms; `expect` passes the run's accounts on (batching)."""

    def expect(self, emails: list[str]) -> None:
        self.session.expect(emails)


class _PlainSession:
    """A session that probes each account on its own (`probe(email, cancel)`)."""

    def __init__(self, probe: Callable[[str, CancelToken], ProbeOutcome]) -> None:
        self._probe = probe

    def probe(self, email: str, cancel: CancelToken) -> ProbeOutcome:
        return self._probe(email, cancel)

    def close(self) -> None:
        pass


class _BrokenSession:
    """A session whose every probe is the same failure of the application (its certificate is unusable)."""

    def __init__(self, failure: Callable[[str], ProbeOutcome]) -> None:
        self._failure = failure

    def probe(self, email: str, cancel: CancelToken) -> ProbeOutcome:
        return self._failure(email)

    def close(self) -> None:
        pass


# --- registry of adapters ---------------------------------------------------------------------------------

_DEFAULTS: dict[str, Callable[[], ProviderAdapter]] = {"exchange": ExchangeAdapter, "google": GoogleAdapter,
                                                       "graph": GraphAdapter}


def adapter_for(provider: str, overrides: Mapping[str, ProviderAdapter] | None = None) -> ProviderAdapter:
    """The adapter of `provider` (`overrides` first: tests and the sandbox pass their own)."""
    if overrides and provider in overrides:
        return overrides[provider]
    try:
        return _DEFAULTS[provider]()
    except KeyError:
        raise ValueError(f"no adapter for provider {provider!r}") from None
