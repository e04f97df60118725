"""Edit an application after setup: rename it, rotate its secret or key, change its scope group, run its setup
check again, and remove a revoked one with its history after an export (Qt-free; the GUI's "Edit
application" and "Remove application" dialogs and `ec-console applications rename|rotate-secret|set-scope|
recheck|remove` call these).

- `rename_application`: unique in the region; the keychain secret (filed under the name) moves with it: the
  secret is copied to the new name first, then the name and an `application_renamed` audit entry are written
  in one transaction, then the old keychain item is deleted. A failure leaves the old name and secret.
- `SecretRotation`: the new secret is *checked* first (the application's setup check against its test
  mailbox, with the new secret); only when the check passes, or warns and the administrator accepts the
  warning, does `replace()` overwrite the keychain item, with an `application_secret_rotated` audit entry
  (never the secret). A failed check leaves the old secret in place.
- `set_scope_group`: the group the application is scoped to (Exchange; a Google Marketplace install's group
  or organisational unit), audited `application_scope_changed`. Domain-wide delegation has no group.
- `recheck_application`: the setup check again with the stored secret; stored with the application, its
  health updated, audited `application_checked`.
- `remove_application`: only a revoked application. Its history (settings, profiles, checks with their
  reports, audit entries) is written to a JSON file first; then its rows are deleted in one transaction with
  one `application_removed` audit entry naming the file and its SHA-256. The audit trail is append-only, so
  the application's earlier audit entries stay too (and are in the export).
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ec_console import validation
from ec_console.checks import CancelToken, Report, StepStatus
from ec_console.errors import BadInput, ConsoleError
from ec_console.i18n import N_, _
from ec_console.providers.base import ProviderAdapter, adapter_for
from ec_console.registry import Application, ChangedElsewhere, Registry, utc_now

log = logging.getLogger(__name__)

EXPORT_KIND = "ec-console application history"
EXPORT_VERSION = 1
# What each kind of secret is called: English in the audit log (`what`), translated in messages (`shown`).
SECRET_WORDS = {"password": N_("password"), "client_secret": N_("client secret"),
                "key": N_("service-account key"), "certificate_password": N_("certificate passphrase")}


def _audit_count(n: int, one: str, many: str) -> str:
    """A count in the audit log's words: English whatever the language (the log is shared and parsed)."""
    return f"{n:,} {one if n == 1 else many}"


class SecretNotVerified(ConsoleError):
    """The new secret's check did not pass (or warned without the administrator accepting it): the old secret
    stays in the keychain (exit status 1)."""

    code = "secret_not_verified"


def _store(store: Any) -> Any:
    if store is not None:
        return store
    from ec_console.secrets import default_store

    return default_store()


def _region(registry: Registry, region_id: str | None) -> str:
    if region_id:
        return region_id
    from ec_console.checkall import region_of

    return region_of(registry)


def _resolve(registry: Registry, application: str | Application) -> Application:
    from ec_console.dashboard import resolve_application

    return resolve_application(registry, application)


# What `_active` says cannot be changed, by what is being changed.
_NOT_CHANGED = {
    "scope": N_("{name} is revoked: its scope cannot be changed (add it again to use it)"),
    "setup check": N_("{name} is revoked: its setup check cannot be changed (add it again to use it)"),
    "secret": N_("{name} is revoked: its secret cannot be changed (add it again to use it)"),
}


def _active(app: Application, doing: str) -> None:
    if app.status != "active":
        raise BadInput(_(_NOT_CHANGED[doing]).format(name=repr(app.name)))


def check_target(app: Application) -> str | None:
    """The account the application's setup check reads (its test mailbox or test user)."""
    target = app.settings.get("test_mailbox") or app.settings.get("test_user")
    return str(target) if target else None


def _target(app: Application, mailbox: str | None) -> str:
    if mailbox:
        return validation.email_address(mailbox, "--mailbox")
    target = check_target(app)
    if target is None:
        raise BadInput(_("{name} has no test mailbox: name the account to check with (--mailbox)")
                       .format(name=repr(app.name)))
    return target


def _expect_denied(app: Application) -> str | None:
    value = app.settings.get("expect_denied")
    return str(value) if value else None


# --- rename -------------------------------------------------------------------------------------------------


def rename_application(registry: Registry, application: str | Application, new_name: str, *,
                       region_id: str | None = None, store: Any = None,
                       adapters: Mapping[str, ProviderAdapter] | None = None) -> Application:
    """Rename the application (unique in the region); its keychain secret moves to the new name. Given an
    Application (what the person saw), refused (ChangedElsewhere, nothing changed, the secret where it was)
    when another console changed the application since."""
    from ec_console.secrets import secret_key

    app = _resolve(registry, application)
    seen = application.version if isinstance(application, Application) else app.version
    name = validation.application_name(new_name, "new name")
    if name == app.name:
        raise BadInput(_("The application is already named {name}").format(name=repr(name)))
    other = registry.find_application(name)
    if other is not None and other.id != app.id:
        raise BadInput(_("An application named {name} already exists in this region; pick another name")
                       .format(name=repr(other.name)))
    region = _region(registry, region_id)
    moved: tuple[Any, str, str] | None = None
    if app.status == "active":
        kind = adapter_for(app.provider, adapters).secret_kind(app)
        old_key, new_key = secret_key(region, app.name, kind), secret_key(region, name, kind)
        credential_store = _store(store)
        credential_store.check_usable()          # no keychain: exit 3, nothing changed
        secret = credential_store.get(old_key)
        if secret is not None:
            credential_store.set(new_key, secret)
            moved = (credential_store, old_key, new_key)
    try:
        with registry.transaction():
            renamed = registry.rename_application(app.id, name, version=seen)
            registry.audit("application_renamed", name, f"renamed from {app.name!r} to {name!r}"
                           + ("; keychain secret moved to the new name" if moved else ""))
    except BaseException:
        if moved is not None:
            moved[0].delete(moved[2])            # the name did not change: leave no copy under the new one
        raise
    if moved is not None:
        try:
            moved[0].delete(moved[1])
        except ConsoleError as exc:              # renamed; only a stale copy is left under the old name
            log.warning("renamed %r but could not delete the old keychain item: %s", name, exc.message)
    return renamed


# --- scope group --------------------------------------------------------------------------------------------


def scope_group_of(app: Application) -> str | None:
    """The group (or organisational unit) the application is scoped to, as the console records it."""
    s = app.settings
    value = s.get("scope_group_address") or s.get("scope_group") or s.get("group") or s.get("org_unit")
    return str(value) if value else None


def set_scope_group(registry: Registry, application: str | Application, group: str) -> Application:
    """Record the group the application is scoped to (the platform's own scope is changed by the admin).

    Given an Application (what the person saw), the change is refused (ChangedElsewhere, nothing changed)
    when another console changed the application since (docs/registry.md, "Row versions")."""
    app = _resolve(registry, application)
    seen = application.version if isinstance(application, Application) else app.version
    _active(app, "scope")
    settings = dict(app.settings)
    if app.provider == "google":
        if settings.get("install") != "marketplace":
            raise BadInput(_("Domain-wide delegation covers the whole Google Workspace domain and cannot be "
                             "limited to a group; the console's profile list is the control. Only a "
                             "Marketplace install is limited to groups or organisational units."))
        value = validation.group(group, "scope group")
        for key in ("group", "org_unit"):
            settings.pop(key, None)
        settings["group" if "@" in value else "org_unit"] = value
    else:
        value = validation.group(group, "scope group")
        for key in ("scope_group", "scope_group_address", "group_dn"):
            settings.pop(key, None)
        settings["scope_group"] = value
        if "@" in value:
            settings["scope_group_address"] = value
    before = scope_group_of(app)
    if before == value:
        raise BadInput(_("{name} is already scoped to {group}").format(name=repr(app.name),
                                                                       group=repr(value)))
    with registry.transaction():
        updated = registry.update_application(app.id, settings=settings, version=seen)
        registry.audit("application_scope_changed", app.name,
                       f"scope group changed from {before or 'none (every mailbox)'!r} to {value!r}; "
                       "run the setup check again to prove the new scope holds"[:4000])
    return updated


# --- setup check again --------------------------------------------------------------------------------------


def recheck_application(registry: Registry, application: str | Application, *, mailbox: str | None = None,
                        region_id: str | None = None, store: Any = None,
                        adapters: Mapping[str, ProviderAdapter] | None = None,
                        cancel: CancelToken | None = None) -> Report:
    """The application's setup check again with its stored secret: stored with the application, its health
    set (None on pass or warn, the failure's code on fail) and audited. A cancelled check is not stored."""
    from ec_console.dashboard import application_secret

    app = _resolve(registry, application)
    _active(app, "setup check")
    target = _target(app, mailbox)
    adapter = adapter_for(app.provider, adapters)
    secret = application_secret(app, adapter, region_id=_region(registry, region_id), store=store)
    if secret is None:
        from ec_console.dashboard import CredentialMissing, import_advice

        raise CredentialMissing(_("No secret for {name} in the keychain: {advice}").format(
            name=repr(app.name), advice=import_advice(app.name)), app)
    report = adapter.setup_check(app, secret, target, expect_denied=_expect_denied(app), cancel=cancel)
    if report.cancelled:
        return report
    diagnosis = report.diagnosis
    code = diagnosis.code if diagnosis else None
    from ec_console.dashboard import setup_findings

    found = setup_findings(app.provider, report)   # the quick-open hint: kept, not audited as a change
    with registry.transaction():
        registry.record_check(kind="setup", result=report.result.value, report=report.to_dict(),
                              application_id=app.id, diagnosis=code)
        learned = any(app.settings.get(key) != value for key, value in found.items())
        registry.update_application(app.id, settings={**app.settings, **found} if learned else None,
                                    health=code if report.result is StepStatus.FAIL else None)
        registry.audit("application_checked", app.name,
                       f"setup check run again: {report.result.value} against {target}"
                       + (f" ({code})" if code else ""))
    return report


# --- rotate the secret ------------------------------------------------------------------------------------


def _key_summary(secret: str) -> dict[str, str]:
    """The new Google key's service account (client_email, client_id, project_id), {} if unreadable."""
    try:
        from ec_console.providers.google.key import load_key, parse_key_text

        summary = load_key(parse_key_text(secret)).summary()
    except Exception:      # noqa: BLE001 - the check says what is wrong with the key; here it is only a label
        return {}
    return {k: summary[k] for k in ("client_email", "client_id", "project_id") if summary.get(k)}


MAX_KEY_FILE_BYTES = 64 * 1024
# The audit action of an imported credential (a helpdesk may append it: registry_pg.HELPDESK_AUDIT_ACTIONS).
CREDENTIAL_IMPORTED = "application_credential_imported"
# The setting a Graph application records its certificate's SHA-256 thumbprint in (rotate-secret
# --certificate), against which an imported certificate is compared.
CERTIFICATE_THUMBPRINT = "certificate_thumbprint"


def read_key_file(path: str | Path, field: str = "key file") -> str:
    """A Google key file's text (the secret: handed to the log redactor at once); BadInput when it cannot
    be read. Whether it is a usable key is the check's `key` step to say."""
    from ec_console.logs import register_secret

    target = Path(path).expanduser()
    try:
        if target.stat().st_size > MAX_KEY_FILE_BYTES:
            raise BadInput(_("{field}: {file} is too large for a service-account key file").format(
                field=field, file=target))
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(_("{field}: {file} cannot be read as text ({error})").format(
            field=field, file=target, error=exc)) from None
    register_secret(text)
    return text


def read_certificate_file(path: str | Path, passphrase: str | None = None,
                          field: str = "certificate file") -> str:
    """A Graph certificate file (PEM with its private key, or PFX opened with `passphrase`) as the text the
    keychain keeps: the certificate and its unencrypted private key, PEM (registered with the log redactor).
    BadInput says what is wrong with it."""
    from ec_console.graph_application import open_certificate

    certificate = open_certificate(str(Path(path).expanduser()), passphrase or None, field)
    text = certificate.certificate_pem + certificate.private_key_pem
    from ec_console.logs import register_secret

    register_secret(text)
    return text


class SecretRotation:
    """Rotate an application's secret (Exchange password, OAuth client secret, Google key JSON):

        rotation = SecretRotation(registry, "Contoso EWS", new_secret)
        report = rotation.check()                  # the setup check with the new secret (blocking)
        rotation.replace(accept_warning=False)     # SecretNotVerified unless it passed (or warned + accepted)

    Nothing is written to the keychain before `replace()`; a failed check leaves the old secret in place.
    """

    def __init__(self, registry: Registry, application: str | Application, secret: str, *,
                 region_id: str | None = None, store: Any = None,
                 adapters: Mapping[str, ProviderAdapter] | None = None) -> None:
        from ec_console.logs import register_secret
        from ec_console.secrets import secret_key

        self.registry = registry
        self.application = _resolve(registry, application)
        # The version the person deciding saw: the application given (the window's), else the one read now.
        self.seen_version = (application.version if isinstance(application, Application)
                             else self.application.version)
        _active(self.application, "secret")
        if not isinstance(secret, str) or not secret.strip():
            raise BadInput(_("The new {what} is empty").format(what=self.shown))
        register_secret(secret)
        self._secret = secret
        self.adapter = adapter_for(self.application.provider, adapters)
        self.kind = self.adapter.secret_kind(self.application)
        self._fits_sign_in()
        self.key = secret_key(_region(registry, region_id), self.application.name, self.kind)
        self.store = _store(store)
        self.report: Report | None = None

    @property
    def what(self) -> str:
        """The secret's name for an administrator: password, client secret, service-account key or
        certificate."""
        if self.certificate is not None:
            return "certificate"
        return SECRET_WORDS.get(self.kind, "secret")

    @property
    def shown(self) -> str:
        """`what` in the current language, for messages."""
        if self.certificate is not None:
            return _("certificate")
        return _(SECRET_WORDS[self.kind]) if self.kind in SECRET_WORDS else _("secret")

    @property
    def certificate(self) -> Any:
        """The new Graph certificate (a `ClientCertificate`) when the secret is one, else None."""
        from ec_console.providers.graph import is_certificate_text

        if self.application.provider != "graph" or not is_certificate_text(self._secret):
            return None
        from ec_console.graph_application import certificate_from_text

        return certificate_from_text(self._secret, "the certificate")

    def check(self, mailbox: str | None = None, *, cancel: CancelToken | None = None) -> Report:
        """The setup check with the new secret against the test mailbox (blocking: a worker thread). The
        keychain is checked first (no keychain: KeychainUnavailable, nothing run). Stored with the
        application as a `secret_check`; a cancelled check is not."""
        self.store.check_usable()
        app = self.application
        target = _target(app, mailbox)
        candidate = app
        if app.provider == "google":
            # Check the new key as it will be saved: settings naming the new key's service account.
            candidate = replace(app, settings={**app.settings, **_key_summary(self._secret)})
        self.report = None
        report = self.adapter.setup_check(candidate, self._secret, target, expect_denied=_expect_denied(app),
                                          cancel=cancel)
        if report.cancelled:
            return report
        diagnosis = report.diagnosis
        self.registry.record_check(kind="secret_check", result=report.result.value, report=report.to_dict(),
                                   application_id=app.id, diagnosis=diagnosis.code if diagnosis else None)
        self.report = report
        return report

    def _fits_sign_in(self) -> None:
        """A Graph certificate only for an application that signs in with one, and the other way round."""
        app = self.application
        if app.provider != "graph":
            return
        from ec_console.providers.graph import is_certificate_text

        with_certificate = bool(app.settings.get("certificate"))
        if is_certificate_text(self._secret) and not with_certificate:
            raise BadInput(_("{name} signs in with a client secret, not a certificate: give its client "
                             "secret (EC_CLIENT_SECRET or the prompt), or add the application again with "
                             "--certificate").format(name=repr(app.name)))
        if with_certificate and not is_certificate_text(self._secret) and self.requires_certificate:
            raise BadInput(_("{name} signs in with a certificate: give the certificate file "
                             "(--certificate PEM|PFX)").format(name=repr(app.name)))

    requires_certificate = False     # rotate-secret may still replace a certificate file's passphrase

    def _verified(self, accept_warning: bool) -> Report:
        """The check's report when the new secret may be kept; SecretNotVerified (nothing changed) unless
        the check passed, or warned and `accept_warning`."""
        report = self.report
        if report is None:
            raise SecretNotVerified(_("The new {what} has not been checked: nothing was changed")
                                    .format(what=self.shown))
        diagnosis = report.diagnosis
        if report.result is StepStatus.FAIL:
            why = f" ({diagnosis.code}: {diagnosis.cause})" if diagnosis else ""
            raise SecretNotVerified(_("The check with the new {what} failed{why}; {unchanged}")
                                    .format(what=self.shown, why=why, unchanged=self.unchanged))
        if self.warned and not accept_warning:
            raise SecretNotVerified(_("The check with the new {what} warned; accept the warning to keep the "
                                      "new {what} anyway. Nothing was changed").format(what=self.shown))
        return report

    @property
    def unchanged(self) -> str:
        return _("the old {what} stays in the keychain").format(what=self.shown)

    def _accepted(self, report: Report) -> str:
        if not self.warned:
            return ""
        diagnosis = report.diagnosis
        return f"; the administrator accepted its warning ({diagnosis.code if diagnosis else 'warn'})"

    @property
    def passed(self) -> bool:
        return self.report is not None and self.report.result is StepStatus.PASS

    @property
    def warned(self) -> bool:
        return self.report is not None and self.report.result is StepStatus.WARN

    def replace(self, *, accept_warning: bool = False) -> Application:
        """Overwrite the keychain secret with the checked one and audit it; SecretNotVerified (nothing
        changed) unless the check passed, or warned and `accept_warning`."""
        report = self._verified(accept_warning)
        app = self.application
        settings = dict(app.settings)
        note = ""
        if app.provider == "google":
            summary = _key_summary(self._secret)
            if summary.get("client_email") and summary["client_email"] != settings.get("client_email"):
                note = (f"; the key belongs to another service account: {settings.get('client_email')} -> "
                        f"{summary['client_email']}")
            settings.update(summary)
        from ec_console.dashboard import setup_findings

        settings.update(setup_findings(app.provider, report))   # the quick-open hint (not audited)
        certificate = self.certificate
        if certificate is not None:
            # Recorded so that each desktop importing the certificate can be told it is the right one.
            settings[CERTIFICATE_THUMBPRINT] = certificate.thumbprint_sha256
            note += f"; certificate SHA-256 thumbprint {certificate.thumbprint_sha256}"
        seen = self.seen_version
        current = self.registry.get_application(app.id)
        if current.version != seen:      # another console changed it since: the keychain is not touched
            raise ChangedElsewhere("application", current.name, current.status)
        previous = self.store.get(self.key)
        self.store.set(self.key, self._secret)
        try:
            with self.registry.transaction():
                if settings != app.settings:
                    self.registry.update_application(app.id, settings=settings, version=seen)
                    updated = self.registry.update_application(app.id, health=None)
                else:   # the conditional update still refuses a change that lands meanwhile
                    updated = self.registry.update_application(app.id, health=None, version=seen)
                accepted = self._accepted(report)
                self.registry.audit(
                    "application_secret_rotated", app.name,
                    f"{self.what} replaced in the keychain after a setup check {report.result.value} against "
                    f"{report.target}{accepted}{note}"[:4000])
        except BaseException:
            if previous is None:
                self.store.delete(self.key)
            else:
                self.store.set(self.key, previous)
            raise
        self.application = updated
        return updated


def _host() -> str:
    import socket

    try:
        return socket.gethostname() or "an unnamed computer"
    except OSError:
        return "an unnamed computer"


class CredentialImport(SecretRotation):
    """Put an application's credential into *this desktop's* keychain (a helpdesk desktop, a second
    administrator): the registry is shared and never holds a secret, so each desktop that runs checks holds
    its own copy of the credential.

        credential = CredentialImport(registry, "Contoso Graph", certificate_pem)   # BadInput: not its own
        report = credential.check()                # the setup check with it (blocking), as rotation does
        credential.store(accept_warning=False)     # SecretNotVerified unless it passed (or warned + accepted)

    The same check as `SecretRotation`; unlike it, `store()` never changes the application's row (a helpdesk
    login cannot edit applications): it writes the keychain and appends one `application_credential_imported`
    audit entry naming this computer and its user (never the secret). A key file or certificate that does not
    belong to the application (the service account or the certificate thumbprint the registry records) is
    refused before any check.
    """

    requires_certificate = True

    def __init__(self, registry: Registry, application: str | Application, secret: str, *,
                 region_id: str | None = None, store: Any = None,
                 adapters: Mapping[str, ProviderAdapter] | None = None) -> None:
        super().__init__(registry, application, secret, region_id=region_id, store=store, adapters=adapters)
        self._belongs()

    @property
    def unchanged(self) -> str:
        return _("nothing was stored in this desktop's keychain")

    def _belongs(self) -> None:
        """BadInput when the key file or certificate is another application's."""
        app = self.application
        s = app.settings
        if app.provider == "google":
            summary = _key_summary(self._secret)
            for field, label in (("client_email", N_("service account")), ("client_id", N_("client ID"))):
                recorded, given = s.get(field), summary.get(field)
                if recorded and given and str(recorded) != given:
                    raise BadInput(_("The key file is for the {label} {given}, but {name} uses {recorded}: "
                                     "give the key file of the application's own service account").format(
                        label=_(label), given=given, name=repr(app.name), recorded=recorded))
            return
        certificate = self.certificate
        recorded = s.get(CERTIFICATE_THUMBPRINT)
        if certificate is not None and recorded and str(recorded).upper() != certificate.thumbprint_sha256:
            raise BadInput(_("The certificate's SHA-256 thumbprint is {thumbprint}, but {name} signs in with "
                             "the certificate {recorded}: give the application's own certificate").format(
                thumbprint=certificate.thumbprint_sha256, name=repr(app.name), recorded=recorded))

    @property
    def present(self) -> bool:
        """Whether this desktop's keychain holds a credential for the application already."""
        return self.store.get(self.key) is not None

    def store_credential(self, *, accept_warning: bool = False) -> None:
        """Write the checked credential to this desktop's keychain and audit it (the application's row is
        not touched); SecretNotVerified (nothing stored) unless the check passed, or warned and
        `accept_warning`."""
        report = self._verified(accept_warning)
        from ec_console.registry import _os_user

        previous = self.store.get(self.key)
        self.store.set(self.key, self._secret)
        app = self.application
        replaced = "; it replaces the one that was there" if previous is not None else ""
        try:
            with self.registry.transaction():
                self.registry.audit(
                    CREDENTIAL_IMPORTED, app.name,
                    f"{self.what} imported on {_host()} by {_os_user()} into that computer's keychain "
                    f"after a setup check {report.result.value} against {report.target}"
                    f"{self._accepted(report)}{replaced}"[:4000])
        except BaseException:
            if previous is None:
                self.store.delete(self.key)
            else:
                self.store.set(self.key, previous)
            raise


# --- remove a revoked application -------------------------------------------------------------------------


@dataclass(frozen=True)
class Removal:
    """What `remove_application` did."""

    name: str
    export: Path
    sha256: str
    profiles: int
    checks: int
    audit_entries: int


def _application_json(app: Application) -> dict[str, Any]:
    return {"id": app.id, "name": app.name, "provider": app.provider, "domain": app.domain,
            "settings": app.settings, "status": app.status, "health": app.health,
            "created_at": app.created_at, "updated_at": app.updated_at}


def _former_names(registry: Registry, name: str) -> list[str]:
    """The application's names, current first, followed back through its `application_renamed` entries."""
    names = [name]
    pattern = re.compile(r"^renamed from (?P<old>'.*'|\".*\") to ")
    while len(names) < 50:
        found = None
        for entry in registry.iter_audit(subject=names[-1]):
            if entry.action == "application_renamed":
                match = pattern.match(entry.detail)
                if match:
                    try:
                        found = str(ast.literal_eval(match.group("old")))
                    except (ValueError, SyntaxError):
                        found = None
                break
        if not found or found in names:
            return names
        names.append(found)
    return names


def application_history(registry: Registry, application: str | Application, *,
                        region_id: str | None = None) -> dict[str, Any]:
    """Everything the registry holds about the application, as one JSON object: its settings, profiles,
    stored checks (with their reports) and audit entries (under any of its names, and its profiles' entries
    that name it). No secret: the registry never holds one."""
    from ec_console.audit import entry_json
    from ec_console.registry import ProfileQuery

    app = _resolve(registry, application)
    profiles = registry.list_profiles(ProfileQuery(application_id=app.id))
    checks = registry.checks_for_application(app.id, limit=None)
    names = _former_names(registry, app.name)
    entries: dict[int, Any] = {}
    for subject in names:
        for entry in registry.iter_audit(subject=subject):
            entries[entry.id] = entry
    for profile in profiles:
        for entry in registry.iter_audit(subject=profile.email):
            if any(n in entry.detail for n in names):
                entries[entry.id] = entry
    return {
        "kind": EXPORT_KIND, "version": EXPORT_VERSION, "exported_at": utc_now(),
        "region": _region(registry, region_id), "application": _application_json(app),
        "names": names,
        "profiles": [{"email": p.email, "display_name": p.display_name, "status": p.status,
                      "last_checked_at": p.last_checked_at, "last_result": p.last_result,
                      "last_diagnosis": p.last_diagnosis, "created_at": p.created_at,
                      "updated_at": p.updated_at} for p in profiles],
        "checks": [{"time": c.created_at, "kind": c.kind, "result": c.result, "diagnosis": c.diagnosis,
                    "profile_id": c.profile_id, "report": c.report} for c in reversed(checks)],
        "audit": [entry_json(entries[i]) for i in sorted(entries)],
    }


def export_target(text: str, flag: str = "--export") -> Path:
    """The file the history goes to: a .json file in a folder that exists; BadInput (before any work)."""
    path = Path(text).expanduser()
    shown = text if len(text) <= 80 else text[:77] + "..."
    if path.suffix.lower() != ".json":
        raise BadInput(_("{flag}: {file} must end in .json (the history is written as JSON)").format(
            flag=flag, file=repr(shown)))
    if path.is_dir():
        raise BadInput(_("{flag}: {file} is a folder; give a file name").format(flag=flag, file=repr(shown)))
    if not path.parent.is_dir():
        raise BadInput(_("{flag}: the folder of {file} does not exist").format(flag=flag, file=repr(shown)))
    return path


def remove_application(registry: Registry, application: str | Application, export: str | Path, *,
                       region_id: str | None = None) -> Removal:
    """Export the revoked application's history to `export` (JSON, replaced atomically, 0600), then delete
    its application, profile and check rows and audit the removal with the file's SHA-256, all under one
    write lock: what is deleted is exactly what was exported. Refused for an active application."""
    from ec_console.paths import private_atomic_writer

    path = export_target(str(export))
    app = _resolve(registry, application)
    if app.status != "revoked":
        raise BadInput(_("{name} is not revoked: only a revoked application can be removed (revoke it first)")
                       .format(name=repr(app.name)))
    with registry.transaction():
        history = application_history(registry, app, region_id=region_id)
        data = (json.dumps(history, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        try:
            with private_atomic_writer(path) as handle:
                handle.write(data)
        except OSError as exc:
            raise BadInput(_("The history cannot be written to {file} ({error}); nothing was removed").format(
                file=path, error=exc.strerror or exc)) from None
        profiles, checks = registry.delete_application(app.id)
        kept = len(history["audit"])
        registry.audit("application_removed", app.name,
                       f"removed with {_audit_count(profiles, 'profile', 'profiles')} and "
                       f"{_audit_count(checks, 'stored check', 'stored checks')} after exporting its history "
                       f"to "
                       f"{path} (sha256 {digest}); its earlier audit entries "
                       f"({_audit_count(kept, 'entry', 'entries')}) stay in the audit log"[:4000])
    return Removal(app.name, path, digest, profiles, checks, kept)


__all__ = [
    "CERTIFICATE_THUMBPRINT", "CREDENTIAL_IMPORTED", "CredentialImport",
    "EXPORT_KIND", "MAX_KEY_FILE_BYTES", "read_certificate_file",
    "Removal", "SecretNotVerified", "SecretRotation",
    "application_history", "check_target", "export_target", "read_key_file", "recheck_application",
    "remove_application", "rename_application", "scope_group_of", "set_scope_group",
]
