"""The dashboard's operations: link, relink, revoke profiles; add and revoke applications (DESIGN.md,
"What the dashboard actions mean").

Each operation is a plain, blocking function over one region's `Registry` (the GUI calls them from a
worker thread that opened its own registry; the CLI from its main thread). Every unit of work is one
registry transaction — a profile's update, its check and its audit entry together — so a crash leaves the
previous state, never half of one, and re-running an operation finishes the job:

- `link_profiles` probes each account through the application and records it `linked`. An account that
  fails records no profile: its result is `not_linked` with the diagnosis, or `try_again` when the failure
  is transient (throttled, timed out, server busy); the attempt is audited (`profile_not_linked`) and its
  check report kept under the application. Accounts already linked through the application are skipped,
  so running the same link again finishes the job. `needs_relink` is only ever a linked profile that broke
  (relink, check all).
- `relink_profiles` probes again with the application's current credentials (revoked profiles too).
- `revoke_profiles` records `revoked` (no probe); the detail is the platform step that withdraws that one
  account's access.
- `ApplicationRevocation` is the three-step revoke of an application: `withdrawal_steps()`,
  `verify_withdrawal()` (a check that now expects a denial; only a refusal of the grant itself, a code in
  `WITHDRAWAL_DENIAL_CODES`, verifies it), and `complete()` (delete the keychain secret, mark the
  application and its profiles revoked, audit). `complete()` refuses (`WithdrawalNotVerified`, nothing
  changed) unless the withdrawal was verified or the administrator skipped the verification; the audit
  says which: verified (with the denial), skipped, or could not verify (or not withdrawn) and skipped.
- `add_application` is scripted setup (the wizard uses it too): validate, run the setup check, store the
  secret (after checking the keychain is usable: no keychain, exit status 3, nothing written), then the
  application and its audit entry in one transaction.

Probing runs through `checkall.run_probes` (bounded concurrency per application, back-off, cancel).
A throttled or timed-out probe never changes a profile's status; an application failure marks the
application's health, not its profiles. Qt-free.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ec_console import validation
from ec_console.checkall import (
    DEFAULT_CONCURRENCY,
    AppContext,
    BackOffPolicy,
    JobResult,
    ProbeJob,
    Progress,
    Recorder,
    RunSummary,
    region_of,
    run_probes,
    validate_concurrency,
)
from ec_console.checks import CancelToken, Diagnosis, Report, StepResult, StepStatus, utc_now_iso
from ec_console.errors import BadInput, ConsoleError
from ec_console.i18n import N_, _
from ec_console.providers.base import (
    ApplicationLike,
    Enumeration,
    ProbeKind,
    ProbeOutcome,
    ProviderAdapter,
    adapter_for,
)
from ec_console.registry import Application, AuditEntry, ChangedElsewhere, CheckRecord, Profile, Registry
from ec_console.words import count

log = logging.getLogger(__name__)


class ApplicationUnusable(ConsoleError):
    """The application cannot be used for this operation (revoked, or its secret is missing)."""

    code = "application_unusable"


class WithdrawalNotVerified(ConsoleError):
    """The withdrawal of an application's grant is not verified and the verification was not skipped:
    nothing was changed (exit status 1)."""

    code = "withdrawal_not_verified"


# --- lookups -----------------------------------------------------------------------------------------------


def resolve_application(registry: Registry, name_or_app: str | Application) -> Application:
    """The application named `name_or_app` (or a fresh copy of the one given); BadInput when unknown."""
    if isinstance(name_or_app, Application):
        return registry.get_application(name_or_app.id)
    app = registry.find_application(name_or_app)
    if app is None:
        names = ", ".join(a.name for a in registry.list_applications()) or _("none yet")
        raise BadInput(_("No application named {name} in this region (applications: {names})").format(
            name=repr(name_or_app), names=names))
    return app


def _store(store: Any) -> Any:
    if store is not None:
        return store
    from ec_console.secrets import default_store

    return default_store()


def application_secret(application: ApplicationLike, adapter: ProviderAdapter, *, region_id: str,
                       store: Any = None) -> str | None:
    """The application's secret from the credential store (None when there is none; "" for an application
    that keeps none, such as a Graph application signing in with a certificate file without a passphrase)."""
    from ec_console.secrets import secret_key

    secret = _store(store).get(secret_key(region_id, application.name, adapter.secret_kind(application)))
    required = getattr(adapter, "secret_required", None)
    if secret is None and required is not None and not required(application):
        return ""
    return secret


class CredentialMissing(BadInput):
    """This desktop's keychain holds no credential for the application (exit status 2): import it here. The
    GUI offers *Import credential…* for `application`."""

    def __init__(self, message: str, application: Any = None) -> None:
        super().__init__(message)
        self.application = application


IMPORT_ADVICE = N_("import it on this desktop: {command}, or Tools › Import credential… in the console")


def import_advice(name: str, *, english: bool = False) -> str:
    """What to do when this desktop's keychain holds no credential for the application `name` (the registry
    is shared and never holds one): import it here. In the current language unless `english` (a text kept
    for --json: check all's `not_checked`)."""
    import shlex

    command = f"ec-console applications import-credential {shlex.quote(name)}"
    return (IMPORT_ADVICE if english else _(IMPORT_ADVICE)).format(command=command)


def no_secret_message(name: str) -> str:
    """"No secret for 'X' in the keychain: import it on this desktop: …" in the current language."""
    return _("No secret for {name} in the keychain: {advice}").format(name=repr(name),
                                                                      advice=import_advice(name))


def _context(registry: Registry, application: Application, *, region_id: str | None, store: Any,
             adapters: Mapping[str, ProviderAdapter] | None) -> AppContext:
    if application.status != "active":
        raise ApplicationUnusable(_("The application {name} is revoked; add it again to use "
                                    "it").format(name=repr(application.name)))
    adapter = adapter_for(application.provider, adapters)
    secret = application_secret(application, adapter, region_id=region_id or region_of(registry), store=store)
    if secret is None:
        raise ApplicationUnusable(no_secret_message(application.name))
    return AppContext(application, adapter, secret)


# --- recording outcomes: one transaction per unit of work ---------------------------------------------------

# A result's message (`JobResult.message`, in --json) is kept in English; `JobResult.shown_message` shows it
# in the reader's language from these templates (the audit's details stay English).
_VANISHED = N_("the profile no longer exists")
_ALREADY_LINKED = N_("already linked through this application ({status})")
_REVOKED_MEANWHILE = N_("revoked while it was being checked")
RESULT_MESSAGES = (_VANISHED, _ALREADY_LINKED, _REVOKED_MEANWHILE)


def _diagnosis_text(outcome: ProbeOutcome) -> str:
    if outcome.diagnosis is None:
        return outcome.detail
    return f"{outcome.diagnosis.code}: {outcome.detail or outcome.diagnosis.cause}"


class ProfileRecorder(Recorder):
    """Applies the status rules for `kind` = "link", "relink" or "check" (see the module docstring)."""

    def __init__(self, kind: str) -> None:
        if kind not in ("link", "relink", "check"):
            raise ValueError(f"unknown probe kind {kind!r}")
        self.kind = kind

    def record(self, registry: Registry, job: ProbeJob, outcome: ProbeOutcome) -> JobResult:
        with registry.transaction():
            profile = self._profile(registry, job)
            if profile is None:
                return self._record_new(registry, job, outcome)
            return self._record_existing(registry, job, profile, outcome)

    @staticmethod
    def _profile(registry: Registry, job: ProbeJob) -> Profile | None:
        if job.profile_id is not None:
            try:
                return registry.get_profile(job.profile_id)
            except LookupError:
                return None
        return registry.find_profile(job.application_id, job.email)

    def _record_new(self, registry: Registry, job: ProbeJob, outcome: ProbeOutcome) -> JobResult:
        if self.kind != "link":  # the profile vanished while it was probed: nothing to update
            return JobResult(job, "skipped", None, None, _VANISHED, outcome)
        unverified = outcome.kind is ProbeKind.UNVERIFIED  # recorded; not probed by this console (a warn)
        app = registry.get_application(job.application_id)
        if not (outcome.ok or unverified):
            return self._not_linked(registry, job, app, outcome)
        profile = registry.add_profile(job.application_id, job.email, job.display_name, status="linked")
        self._store_check(registry, profile, outcome, "linked")
        if unverified:
            registry.audit("profile_linked", job.email,
                           f"recorded through {app.name}, not probed: {outcome.detail}"[:4000])
        else:
            registry.audit("profile_linked", job.email, f"linked through {app.name}: {outcome.detail}")
        return JobResult(job, "linked", "linked", profile.id, outcome.detail, outcome)

    def _not_linked(self, registry: Registry, job: ProbeJob, app: Application,
                    outcome: ProbeOutcome) -> JobResult:
        """A link attempt that failed: no profile. The check report is kept under the application and the
        attempt is audited; a transient failure (throttled, timed out, server busy) is `try_again`."""
        later = outcome.kind is ProbeKind.TRANSIENT
        why = _diagnosis_text(outcome)
        registry.record_check(kind="link", result=outcome.result, report=outcome.report.to_dict(),
                              application_id=app.id, diagnosis=outcome.code)
        verdict = "not linked, try again later" if later else "not linked"
        registry.audit("profile_not_linked", job.email, f"through {app.name}: {verdict}; {why}"[:4000])
        return JobResult(job, "try_again" if later else "not_linked", None, None, why, outcome)

    def _record_existing(self, registry: Registry, job: ProbeJob, profile: Profile,
                         outcome: ProbeOutcome) -> JobResult:
        if self.kind == "link":
            return JobResult(job, "skipped", profile.status, profile.id,
                             _ALREADY_LINKED.format(status=profile.status), previous_status=profile.status)
        if self.kind == "check" and profile.status == "revoked":
            return JobResult(job, "skipped", "revoked", profile.id, _REVOKED_MEANWHILE,
                             previous_status="revoked")
        if outcome.ok:
            new_status: str | None = "linked"
        elif outcome.kind is ProbeKind.PROFILE:
            new_status = "needs_relink"
        else:
            new_status = None  # throttled, timed out, server error: the status stands
        self._store_check(registry, profile, outcome, new_status)
        changed = new_status is not None and new_status != profile.status
        action = "unchanged" if new_status is None else new_status
        message = outcome.detail if outcome.ok else _diagnosis_text(outcome)
        if self.kind == "relink":
            verb = "profile_relinked" if outcome.ok else "profile_relink_failed"
            state = new_status or f"{profile.status} (unchanged)"
            registry.audit(verb, profile.email, f"through {profile.application_name}: {state}; {message}")
        elif changed:
            registry.audit("profile_status_changed", profile.email,
                           f"check all through {profile.application_name}: {profile.status} -> {new_status}; "
                           f"{message}")
        return JobResult(job, action, new_status or profile.status, profile.id, message, outcome,
                         previous_status=profile.status)

    def _store_check(self, registry: Registry, profile: Profile, outcome: ProbeOutcome,
                     status: str | None) -> None:
        registry.record_profile_check(profile.id, result=outcome.result, diagnosis=outcome.code,
                                      status=status,
                                      checked_at=outcome.checked_at)
        registry.record_check(kind=self.kind, result=outcome.result, report=outcome.report.to_dict(),
                              profile_id=profile.id, diagnosis=outcome.code)

    def application_failed(self, registry: Registry, application_id: int, outcome: ProbeOutcome) -> None:
        with registry.transaction():
            app = registry.update_application(application_id, health=outcome.code)
            registry.record_check(kind=self.kind, result="fail", report=outcome.report.to_dict(),
                                  application_id=application_id, diagnosis=outcome.code)
            registry.audit("application_health", app.name,
                           f"{self.kind} stopped: the application itself failed: {_diagnosis_text(outcome)}")

    def application_ok(self, registry: Registry, application_id: int) -> None:
        with registry.transaction():
            app = registry.get_application(application_id)
            if app.health is not None:
                registry.update_application(application_id, health=None)
                registry.audit("application_health", app.name, f"answered again (was {app.health})")


# --- link / relink / revoke profiles -----------------------------------------------------------------------


@dataclass
class LinkSummary:
    """What `link_profiles` did: the run's results plus the addresses skipped before any probe."""

    run: RunSummary
    already_linked: list[str] = field(default_factory=list)

    @property
    def results(self) -> list[JobResult]:
        return self.run.results


def clean_emails(emails: Iterable[str]) -> list[str]:
    """Validated, de-duplicated addresses (first kept); BadInput naming every bad one."""
    seen: set[str] = set()
    good: list[str] = []
    bad: list[str] = []
    for raw in emails:
        try:
            email = validation.email_address(raw, "address")
        except BadInput as exc:
            bad.append(exc.message)
            continue
        if email.lower() not in seen:
            seen.add(email.lower())
            good.append(email)
    if bad:
        more = _(" (and {n} more)").format(n=len(bad) - 5) if len(bad) > 5 else ""
        raise BadInput("; ".join(bad[:5]) + more)
    return good


def link_profiles(registry: Registry, application: str | Application, emails: Iterable[str], *,
                  names: Mapping[str, str] | None = None, concurrency: int = DEFAULT_CONCURRENCY,
                  cancel: CancelToken | None = None, on_progress: Callable[[Progress], None] | None = None,
                  on_result: Callable[[JobResult], None] | None = None, region_id: str | None = None,
                  store: Any = None, adapters: Mapping[str, ProviderAdapter] | None = None,
                  timeout: float | None = None, policy: BackOffPolicy | None = None) -> LinkSummary:
    """Probe each account through `application` and record it `linked`; a failure records no profile (the
    result is `not_linked` with the diagnosis, or `try_again` for a transient failure).

    Accounts already linked through the application are skipped (so re-running finishes an interrupted
    link). An application failure (bad secret ...) marks the application and links nothing more.
    """
    validate_concurrency(concurrency)
    app = resolve_application(registry, application)
    wanted = clean_emails(emails)
    ctx = _context(registry, app, region_id=region_id, store=store, adapters=adapters)
    names = {k.lower(): v for k, v in (names or {}).items()}
    jobs: list[ProbeJob] = []
    already: list[str] = []
    for email in wanted:
        if registry.find_profile(app.id, email) is not None:
            already.append(email)
        else:
            jobs.append(ProbeJob(app.id, email, None, names.get(email.lower(), "")))
    run = run_probes(registry, jobs, {app.id: ctx}, ProfileRecorder("link"), concurrency=concurrency,
                     cancel=cancel, on_progress=on_progress, on_result=on_result, timeout=timeout,
                     policy=policy)
    return LinkSummary(run, already)


def refuse_changed(profiles: Sequence[Profile], seen: Mapping[int, int] | None) -> None:
    """ChangedElsewhere when a profile's version is not the one the person deciding saw (`seen`: id ->
    version; profiles it does not name are not checked)."""
    for profile in profiles:
        if seen and profile.id in seen and profile.version != seen[profile.id]:
            raise ChangedElsewhere("profile", profile.email, profile.status)


def _profiles(registry: Registry, profile_ids: Sequence[int]) -> list[Profile]:
    found = registry.profiles_by_ids(list(profile_ids))
    missing = sorted(set(profile_ids) - {p.id for p in found})
    if missing:
        ids = ", ".join(map(str, missing[:10]))
        raise BadInput(_("No profile with id {ids} in this region").format(ids=ids))
    return found


def relink_profiles(registry: Registry, profile_ids: Sequence[int], *, concurrency: int = DEFAULT_CONCURRENCY,
                    cancel: CancelToken | None = None, on_progress: Callable[[Progress], None] | None = None,
                    on_result: Callable[[JobResult], None] | None = None, region_id: str | None = None,
                    store: Any = None, adapters: Mapping[str, ProviderAdapter] | None = None,
                    timeout: float | None = None, policy: BackOffPolicy | None = None,
                    seen: Mapping[int, int] | None = None) -> RunSummary:
    """Probe the profiles again with their application's current credentials; `linked` on success.

    Revoked profiles can be relinked (that is how a revoke is undone). A profile whose application is
    revoked or has no secret is refused before anything runs; so is the whole relink when another console
    changed one of the profiles since the person deciding saw it (`seen`: id -> version; ChangedElsewhere).
    The probes' results are then recorded as found (a check result carries no version).
    """
    validate_concurrency(concurrency)
    profiles = _profiles(registry, profile_ids)
    refuse_changed(profiles, seen)
    apps: dict[int, AppContext] = {}
    for profile in profiles:
        if profile.application_id not in apps:
            app = registry.get_application(profile.application_id)
            apps[app.id] = _context(registry, app, region_id=region_id, store=store, adapters=adapters)
    jobs = [ProbeJob(p.application_id, p.email, p.id, p.display_name) for p in profiles]
    return run_probes(registry, jobs, apps, ProfileRecorder("relink"), concurrency=concurrency, cancel=cancel,
                      on_progress=on_progress, on_result=on_result, timeout=timeout, policy=policy)


@dataclass(frozen=True)
class RevokeResult:
    profile: Profile
    changed: bool
    withdrawal_step: str


def profile_withdrawal_step(registry: Registry, profile: Profile,
                            adapters: Mapping[str, ProviderAdapter] | None = None) -> str:
    """The platform step that withdraws this one account's access (what the detail pane shows)."""
    app = registry.get_application(profile.application_id)
    return adapter_for(app.provider, adapters).profile_withdrawal_step(app, profile.email)


def revoke_profiles(registry: Registry, profile_ids: Sequence[int], *,
                    adapters: Mapping[str, ProviderAdapter] | None = None,
                    seen: Mapping[int, int] | None = None) -> list[RevokeResult]:
    """Record the profiles `revoked` (check all stops probing them), one transaction and audit entry each.

    `seen`: the version of each profile as the person deciding saw it (`Profile.version`). When another
    console changed one of them since, ChangedElsewhere is raised before anything is written (and, should
    the change land while this runs, that profile's own update is refused the same way)."""
    profiles = _profiles(registry, profile_ids)
    refuse_changed(profiles, seen)
    results = []
    for profile in profiles:
        step = profile_withdrawal_step(registry, profile, adapters)
        with registry.transaction():
            current = registry.get_profile(profile.id)
            changed = current.status != "revoked"
            if changed:
                current = registry.set_profile_status(profile.id, "revoked",
                                                      version=seen.get(profile.id) if seen else None)
                registry.audit("profile_revoked", profile.email,
                               f"through {profile.application_name} (was {profile.status}); platform step: "
                               f"{step}"[:4000])
        results.append(RevokeResult(current, changed, step))
    return results


def discover_accounts(registry: Registry, application: str | Application, *,
                      cancel: CancelToken | None = None,
                      region_id: str | None = None, store: Any = None,
                      adapters: Mapping[str, ProviderAdapter] | None = None) -> Enumeration:
    """The accounts in the application's scope (the provider's enumeration); raises EnumerationError."""
    app = resolve_application(registry, application)
    ctx = _context(registry, app, region_id=region_id, store=store, adapters=adapters)
    return ctx.adapter.enumerate(app, ctx.secret, cancel or CancelToken())


# --- revoke an application ----------------------------------------------------------------------------------


VERIFY_STEP = "verify_withdrawal"

# The answers that prove a grant is withdrawn: the platform refused the grant itself (the role, the service
# account, the app registration, its secret or key, the domain-wide delegation). Every other failed probe
# says nothing about the grant: the EWS host unreachable from here (off the VPN: dns_unresolved,
# tcp_unreachable, tls_*, proxy_auth_required, autodiscover_failed), an account that does not exist
# (mailbox_not_found, user_not_found: a mistyped --verify-mailbox), a mailbox-level setting
# (folder_access_denied, calendar_not_enabled), throttling or time-outs. oauth_tenant_not_found is not proof
# either: AADSTS90002 means no tenant answers at that authority (a wrong tenant ID or national cloud), which
# withdrawing the application never causes. ews_blocked proves it only as the policy block (see
# `EWS_POLICY_BLOCK`): EWS turned off for one mailbox is not a refusal of the application.
WITHDRAWAL_DENIAL_CODES = frozenset({
    # Exchange: the impersonation right or scope, the service account, the app registration
    "impersonation_denied", "impersonation_right_missing", "auth_failed", "account_locked",
    "oauth_invalid_client", "oauth_secret_expired", "oauth_permission_missing",
    "oauth_app_not_found",      # AADSTS700016: the application is not found in the directory (deleted)
    "oauth_app_disabled",       # AADSTS7000112: the application is disabled
    # Microsoft Graph: the RBAC for Applications assignment or its scope, the application's certificate
    "mailbox_access_denied", "access_policy_denied", "oauth_certificate_unknown",
    "oauth_no_service_principal",
    # Google: the domain-wide delegation entry, the service account and its key
    "dwd_unauthorized", "scope_not_authorized", "key_invalid_signature", "service_account_not_found",
})
# The X-EWS-Policy-Reason of a 403 that refuses the application (its app ID not on the organisation's EWS
# allow list); the other value, "EWS is disabled for this user or tenant", may be one mailbox's setting.
# Recognised in the diagnosis (its `policy_reason` name), the detail or the failed step's data.
EWS_POLICY_BLOCK = "EWS is blocked by policy for this user or tenant"

VERDICT_WITHDRAWN = "withdrawn"
VERDICT_NOT_WITHDRAWN = "not_withdrawn"
VERDICT_COULD_NOT_VERIFY = "could_not_verify"


class ApplicationRevocation:
    """Revoke an application in three steps (DESIGN.md): show the platform steps, verify the withdrawal
    (a check that now expects a denial, or skip it), then `complete()`.

        revocation = ApplicationRevocation(registry, "Contoso EWS")
        for line in revocation.withdrawal_steps(): ...
        report = revocation.verify_withdrawal()      # unless it verified: revocation.skip_verification()
        revocation.complete()                        # WithdrawalNotVerified when neither
    """

    def __init__(self, registry: Registry, application: str | Application, *, region_id: str | None = None,
                 store: Any = None, adapters: Mapping[str, ProviderAdapter] | None = None) -> None:
        self.registry = registry
        self.application = resolve_application(registry, application)
        # The version the person deciding saw: the application given (the window's), else the one read now.
        self.seen_version = (application.version if isinstance(application, Application)
                             else self.application.version)
        self.region_id = region_id or region_of(registry)
        self._store = store
        self._adapters = adapters
        self.adapter = adapter_for(self.application.provider, adapters)
        self.verification: Report | None = None
        self.skipped_verification = False

    def withdrawal_steps(self) -> list[str]:
        """Step 1: the platform-side steps that withdraw the grant, filled in for this application."""
        return self.adapter.withdrawal_steps(self.application)

    def _target(self, email: str | None) -> str:
        if email:
            return validation.email_address(email, "--verify-mailbox")
        settings = self.application.settings
        target = settings.get("test_mailbox") or settings.get("test_user")
        if target:
            return str(target)
        from ec_console.registry import ProfileQuery

        profiles = self.registry.list_profiles(ProfileQuery(application_id=self.application.id), limit=1)
        if profiles:
            return profiles[0].email
        raise BadInput(_("No account to verify the withdrawal with: {name} has no test mailbox and no "
                         "profiles; name one (--verify-mailbox) or skip verification").format(
                             name=repr(self.application.name)))

    def verify_withdrawal(self, email: str | None = None, *, cancel: CancelToken | None = None,
                          timeout: float | None = None) -> Report:
        """Step 2: probe an account with the stored secret; pass only when the grant itself is refused.

        `fail` (scope_not_enforced) when the calendar still answers; `warn`, could not verify, for any other
        answer (unreachable, no such account, throttled, timed out ...): see `verification_step`. The check
        is stored with the application.
        """
        target = self._target(email)
        secret = application_secret(self.application, self.adapter, region_id=self.region_id,
                                    store=self._store)
        started = utc_now_iso()
        unverifiable = getattr(self.adapter, "unverifiable_withdrawal", None)
        reason = unverifiable(self.application) if unverifiable is not None else None
        if reason:
            step = StepResult(VERIFY_STEP, _VERIFY_TITLE, StepStatus.WARN, 0, reason, {"denied": None})
        elif secret is None:
            step = StepResult(VERIFY_STEP, _VERIFY_TITLE, StepStatus.WARN, 0, _NO_SECRET_TO_VERIFY,
                              {"denied": None, "verdict": VERDICT_COULD_NOT_VERIFY, "code": None})
        else:
            outcome = self.adapter.probe(self.application, secret, target, cancel or CancelToken(), timeout)
            names = getattr(self.adapter, "diagnosis_names", None)
            step = verification_step(outcome, target, names(self.application) if callable(names) else None)
        report = Report(self.application.provider, target, started, (step,))
        diagnosis = report.diagnosis
        self.registry.record_check(kind=VERIFY_STEP, result=report.result.value, report=report.to_dict(),
                                   application_id=self.application.id,
                                   diagnosis=diagnosis.code if diagnosis else None)
        self.verification = report
        return report

    @property
    def verified(self) -> bool:
        """The last verification proved the withdrawal (the platform refused the grant)."""
        return self.verification is not None and self.verification.result is StepStatus.PASS

    def skip_verification(self) -> None:
        """Step 2, skipped by the administrator: `complete()` then goes ahead, and its audit entry says so
        (with what an earlier verification found, if one ran)."""
        self.skipped_verification = True

    def complete(self) -> Application:
        """Step 3: delete the keychain secret, mark the application and all its profiles revoked, audit.

        Refused (WithdrawalNotVerified, nothing changed) unless the withdrawal was verified or the
        administrator skipped the verification.
        """
        from ec_console.secrets import secret_key

        if not self.verified and not self.skipped_verification:
            raise WithdrawalNotVerified(_(
                "{name} was not revoked: {why}. Nothing was changed; verify again once the platform steps "
                "apply, or skip the verification explicitly").format(
                    name=repr(self.application.name), why=self._verification_summary(shown=True)))
        current = self.registry.get_application(self.application.id)
        if current.version != self.seen_version:      # another console changed it: keep the secret too
            raise ChangedElsewhere("application", current.name, current.status)
        store = _store(self._store)
        store.check_usable()
        store.delete(secret_key(self.region_id, self.application.name,
                                self.adapter.secret_kind(self.application)))
        if self.verified:
            verified = f"withdrawal verified: pass ({self._verification_summary()})"
        elif self.verification is not None:
            verified = (f"{self._verification_summary()}; verification skipped by the administrator")
        else:
            verified = "withdrawal verification skipped by the administrator"
        with self.registry.transaction():
            profiles = self.registry.set_application_profiles_status(self.application.id, "revoked")
            app = self.registry.update_application(self.application.id, status="revoked",
                                                   version=self.seen_version)
            revoked = count(profiles, "profile", "profiles")
            self.registry.audit("application_revoked", app.name,
                                f"secret deleted from the keychain; {revoked} revoked; {verified}"[:4000])
        self.application = app
        return app

    def _verification_summary(self, *, shown: bool = False) -> str:
        """What the verification found: English for the audit, the reader's language when `shown`."""
        t = _ if shown else str
        report = self.verification
        if report is None or not report.steps:
            return t(N_("the withdrawal was not verified"))
        step = report.steps[0]
        data = step.data or {}
        verdict, code = data.get("verdict"), data.get("code")
        if verdict == VERDICT_WITHDRAWN:
            return t(N_("access to {target} denied ({code})")).format(target=report.target, code=code)
        if verdict == VERDICT_NOT_WITHDRAWN:
            return t(N_("withdrawal not verified: the calendar of {target} still answers "
                        "(scope_not_enforced)")).format(target=report.target)
        detail = shown_verification_detail(step) if shown else step.detail
        if code:
            return t(N_("could not verify the withdrawal ({code}): {detail}")).format(code=code,
                                                                                      detail=detail)
        return t(N_("could not verify the withdrawal: {detail}")).format(detail=detail)


# The verification step's title and details are stored with the check (and in --json) in English;
# `shown_verification` gives them in the reader's language.
_VERIFY_TITLE = N_("Access is now denied")
_STILL_ANSWERS = N_("The calendar of {target} still answers: the grant has not been withdrawn yet (changes "
                    "can take a while to apply).")
_DENIED_AS_EXPECTED = N_("Access to {target} is denied as expected ({code}).")
_SAYS_NOTHING = N_("Could not verify the withdrawal: this answer says nothing about the grant ({why}). Only "
                   "a refusal of the grant itself proves it; check the account ({target}) and that this "
                   "computer reaches the platform.")
_NO_SECRET_TO_VERIFY = N_("Could not verify the withdrawal: the secret is no longer in the keychain, so the "
                          "console cannot test the grant.")


def shown_verification_detail(step: StepResult) -> str:
    """The verification step's detail in the current language (a provider's own reason as it is; the
    diagnosis' cause inside it translated from its catalog entry)."""
    from ec_console.shown_text import match, shown

    found = match(step.detail, (_SAYS_NOTHING,))
    if found is not None and step.diagnosis is not None:
        from ec_console.diagnoses import localize

        values = found[1]
        cause = step.diagnosis.cause
        if values["why"].endswith(cause):
            values["why"] = values["why"][:-len(cause)] + localize(step.diagnosis).cause
        return _(_SAYS_NOTHING).format(**values)
    return shown(step.detail, (_STILL_ANSWERS, _DENIED_AS_EXPECTED, _SAYS_NOTHING, _NO_SECRET_TO_VERIFY))


def shown_verification(report: Report) -> Report:
    """A withdrawal verification's report (English, as stored) with its step's title and detail in the
    current language, for a window to show (keep the original for `complete()` and the registry)."""
    from dataclasses import replace

    steps = tuple(replace(step, title=_(step.title) if step.title == _VERIFY_TITLE else step.title,
                          detail=shown_verification_detail(step)) if step.id == VERIFY_STEP else step
                  for step in report.steps)
    return replace(report, steps=steps)


def _policy_block(outcome: ProbeOutcome) -> bool:
    texts = [outcome.detail]
    if outcome.diagnosis is not None:
        texts.append(outcome.diagnosis.cause)
    failed = outcome.report.first_failure
    if failed is not None:
        texts.append(failed.detail)
        texts.extend(str(v) for v in (failed.data or {}).values())
    return any(EWS_POLICY_BLOCK.lower() in (text or "").lower() for text in texts)


def _proves_withdrawal(outcome: ProbeOutcome) -> bool:
    if outcome.code in WITHDRAWAL_DENIAL_CODES:
        return True
    return outcome.code == "ews_blocked" and _policy_block(outcome)


def verification_step(outcome: ProbeOutcome, target: str,
                      names: Mapping[str, Any] | None = None) -> StepResult:
    """The verification's one step for a probe of `target`: `pass` (verdict `withdrawn`) only when the
    platform refused the grant itself (`WITHDRAWAL_DENIAL_CODES`); `fail` (`not_withdrawn`) when the
    calendar still answers; `warn` (`could_not_verify`, with the probe's diagnosis) for any other answer."""
    title = _VERIFY_TITLE
    if outcome.ok:
        from ec_console.diagnoses import diagnose

        # The application's platform and names: only the fix that applies, with the real scoping group.
        diagnosis = diagnose("scope_not_enforced", **{**(names or {}), "mailbox": target})
        return StepResult(VERIFY_STEP, title, StepStatus.FAIL, 0, _STILL_ANSWERS.format(target=target),
                          {"denied": False, "verdict": VERDICT_NOT_WITHDRAWN, "code": None}, diagnosis)
    if _proves_withdrawal(outcome):
        return StepResult(VERIFY_STEP, title, StepStatus.PASS, 0,
                          _DENIED_AS_EXPECTED.format(target=target, code=outcome.code),
                          {"denied": True, "verdict": VERDICT_WITHDRAWN, "code": outcome.code})
    return StepResult(VERIFY_STEP, title, StepStatus.WARN, 0,
                      _SAYS_NOTHING.format(why=_diagnosis_text(outcome), target=target),
                      {"denied": None, "verdict": VERDICT_COULD_NOT_VERIFY, "code": outcome.code},
                      outcome.diagnosis)


# --- add an application -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationSpec:
    """An application to add: what the wizard or `applications add` collected (no secret)."""

    name: str
    provider: str
    domain: str
    settings: dict[str, Any]
    test_target: str                     # the mailbox / user the setup check reads
    expect_denied: str | None = None     # an account outside the scope: proves the restriction holds


@dataclass(frozen=True)
class SetupOutcome:
    report: Report
    application: Application | None      # None when the check failed (nothing was written)


def add_application(registry: Registry, spec: ApplicationSpec, secret: str, *, region_id: str | None = None,
                    store: Any = None, adapters: Mapping[str, ProviderAdapter] | None = None,
                    cancel: CancelToken | None = None) -> SetupOutcome:
    """Validate, run the setup check, store the secret, then save the application and audit it.

    Raises BadInput (bad values, name taken), KeychainUnavailable (exit 3: checked before the check runs,
    nothing written). A failed check returns the report with `application` None and writes nothing.
    """
    name = validation.application_name(spec.name, "application name")
    domain = validation.domain_name(spec.domain, "--domain")
    if spec.provider not in ("exchange", "google", "graph"):
        raise BadInput(_("provider must be exchange, google or graph, not {provider}").format(
            provider=repr(spec.provider)))
    target = validation.email_address(spec.test_target, "test account")
    expect_denied = validation.email_address(spec.expect_denied, "--expect-denied") if spec.expect_denied \
        else None
    if registry.find_application(name) is not None:
        raise BadInput(_("An application named {name} already exists in this region; pick another name or "
                         "revoke the old one").format(name=repr(name)))
    settings = {**spec.settings, ("test_user" if spec.provider == "google" else "test_mailbox"): target}
    from ec_console.secrets import secret_key

    adapter = adapter_for(spec.provider, adapters)
    candidate = ApplicationSpec(name, spec.provider, domain, settings, target, expect_denied)
    key = secret_key(region_id or region_of(registry), name, adapter.secret_kind(candidate))
    credential_store = _store(store)
    credential_store.check_usable()          # no keychain: KeychainUnavailable (exit 3) before any work
    report = adapter.setup_check(candidate, secret, target, expect_denied=expect_denied, cancel=cancel)
    if report.result is StepStatus.FAIL or report.cancelled:
        return SetupOutcome(report, None)
    app = save_new_application(
        registry, credential_store, key, secret, name=name, provider=spec.provider, domain=domain,
        settings=settings, report=report,
        audit_detail=f"{spec.provider} for {domain}; setup check {report.result.value} against {target}")
    return SetupOutcome(report, app)


def setup_findings(provider: str, report: Report) -> dict[str, Any]:
    """Settings the setup check found out, to keep with the application: a Graph application's service
    principal id; an Exchange application's sign-in method and server build (the probe session's quick-open
    hint, beside the administrator's own choice). The one place a setup check's result becomes settings:
    the wizard, `applications add`, the setup check run again and a checked new secret all use it."""
    learned = getattr(adapter_for(provider, None), "settings_from_report", None)
    return dict(learned(report)) if learned is not None else {}


def save_new_application(registry: Registry, store: Any, key: str, secret: str | None, *, name: str,
                         provider: str, domain: str, settings: dict[str, Any], report: Report,
                         audit_detail: str, health: str | None = None) -> Application:
    """One unit of work for a new application (scripted setup and the wizard alike): the secret goes to
    the keychain first, then the application, its setup check and the audit entry in one transaction;
    if that transaction fails, the secret is deleted again so no orphan is left. No `secret` (None or empty:
    an application with nothing to keep there, such as a certificate file whose key has no password) stores
    nothing."""
    settings = {**settings, **setup_findings(provider, report)}
    if secret:
        store.set(key, secret)
    try:
        with registry.transaction():
            app = registry.add_application(name, provider, domain, settings)
            diagnosis = report.diagnosis
            registry.record_check(kind="setup", result=report.result.value, report=report.to_dict(),
                                  application_id=app.id, diagnosis=diagnosis.code if diagnosis else None)
            if health is not None:
                app = registry.update_application(app.id, health=health)
            registry.audit("application_added", name, audit_detail[:4000])
    except BaseException:
        if secret:
            store.delete(key)     # the application was not saved: leave no orphaned secret
        raise
    return app


# --- profile details ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileDetails:
    """What the profile detail pane shows."""

    profile: Profile
    last_report: Report | None
    busy_blocks: list[dict[str, Any]]
    checks: list[CheckRecord]
    audit: list[AuditEntry]
    withdrawal_step: str
    diagnosis: Diagnosis | None


def profile_details(registry: Registry, profile_id: int, *,
                    adapters: Mapping[str, ProviderAdapter] | None = None) -> ProfileDetails:
    """The last report's steps, busy blocks of the next 7 days, check history, audit entries and the
    platform step that withdraws this account's access (registry reads only: no network)."""
    profile = registry.get_profile(profile_id)
    checks = registry.checks_for_profile(profile_id, limit=50)
    report = None
    for record in checks:
        try:
            report = Report.from_dict(record.report)
        except ValueError:
            log.warning("stored check %d of profile %d is not a readable report", record.id, profile_id)
            continue
        break
    blocks: list[dict[str, Any]] = []
    if report is not None:
        step = report.step("read_calendar")
        if step is not None and step.data:
            blocks = [b for b in step.data.get("blocks", []) if isinstance(b, dict)]
    audit = registry.audit_entries(subject=profile.email, limit=50)
    return ProfileDetails(profile, report, blocks, checks, audit,
                          profile_withdrawal_step(registry, profile, adapters),
                          report.diagnosis if report else None)


def profile_summary(details: ProfileDetails) -> dict[str, Any]:
    """One profile's details as plain values: what the detail pane shows and `ec-console profiles show`
    prints (`--json` is this object; docs/cli.md). Times are ISO 8601 UTC; calendar subjects never."""
    from ec_console.audit import entry_json
    from ec_console.render import report_json_object

    profile = details.profile
    diagnosis = details.diagnosis
    return {
        "email": profile.email,
        "display_name": profile.display_name,
        "application": profile.application_name,
        "provider": profile.provider,
        "status": profile.status,
        "linked_at": profile.created_at,
        "last_checked_at": profile.last_checked_at,
        "last_result": profile.last_result,
        "last_diagnosis": profile.last_diagnosis,
        "diagnosis": diagnosis.to_dict() if diagnosis is not None else None,
        "withdrawal_step": details.withdrawal_step,
        "busy_blocks": details.busy_blocks,
        "last_check": report_json_object(details.last_report) if details.last_report is not None else None,
        "checks": [{"time": c.created_at, "kind": c.kind, "result": c.result, "diagnosis": c.diagnosis}
                   for c in details.checks],
        "audit": [entry_json(e) for e in details.audit],
    }


def summary_json(summary: RunSummary) -> dict[str, Any]:
    """The `--json` shape of a run (docs/cli.md)."""
    return {"total": summary.total, "counts": summary.counts, "cancelled": summary.cancelled,
            "not_done": summary.not_done, "retries": summary.retries,
            "application_failures": {str(k): {"code": v.code, "detail": v.detail}
                                     for k, v in summary.application_failures.items()},
            "write_error": summary.write_error or None, "not_written": summary.not_written,
            "results": [r.to_dict() for r in summary.results]}


__all__ = [
    "EWS_POLICY_BLOCK", "WITHDRAWAL_DENIAL_CODES", "ApplicationRevocation", "ApplicationSpec",
    "ApplicationUnusable", "CredentialMissing", "LinkSummary", "ProfileDetails",
    "ProfileRecorder", "RevokeResult", "SetupOutcome",
    "WithdrawalNotVerified", "add_application", "application_secret", "import_advice", "clean_emails",
    "discover_accounts",
    "link_profiles", "profile_details", "profile_summary", "profile_withdrawal_step", "relink_profiles",
    "resolve_application", "revoke_profiles", "shown_verification", "shown_verification_detail",
    "summary_json", "verification_step",
]
