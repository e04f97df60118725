"""The setup wizard's flow as plain Python: pages, fields, validation, branching, test plan, summary, save.

The Qt wizard (`ec_console/ui/wizard.py`) is a thin view over one `SetupFlow`: each page shows the fields
`fields(page)` names, hands every keystroke to `set_value` (which validates that field with
`ec_console.validation` and returns the message to show inline), asks `page_complete(page)` to enable Next
and `next_page(page)` to branch. Nothing here imports Qt, so the whole flow is tested without a display.

    flow = SetupFlow("us", name_taken=lambda name: registry.find_application(name) is not None)
    flow.choose_platform(Platform.ONPREM)
    flow.set_value("name", "Contoso EWS")            # None, or the message to show under the field
    ...
    report = flow.run_test(secret=flow.secret(), observer=..., cancel=token)   # blocking: a worker thread
    flow.record_test(report)                          # or flow.accept_failure() ("save anyway")
    flow.save(registry, store)                        # blocking: keychain, then one registry transaction

Pages, in order: platform → connection details (one page per platform) → scope → test → summary.
Editing an existing application (`SetupFlow.edit`) starts on its values; its secret is shown as set and
never read back into the flow: leave it empty to keep it (the test then reads it from the keychain on the
worker thread).
"""

from __future__ import annotations

import copy
import json
import logging
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from ec_console import validation
from ec_console.checks import CancelToken, Report, StepResult, StepSpec, StepStatus
from ec_console.errors import BadInput, ConsoleError
from ec_console.i18n import N_, _, current_language
from ec_console.texts import localized

log = logging.getLogger(__name__)

MAX_KEY_FILE_BYTES = 64 * 1024
SCOPE_NAME_PREFIX = "Enterprise Connect"


class Platform(StrEnum):
    ONPREM = "exchange_onprem"
    GRAPH = "graph"                 # Exchange Online through Microsoft Graph
    ONLINE = "exchange_online"      # Exchange Online through EWS: legacy, switched off on 1 April 2027
    GOOGLE = "google"

    @property
    def provider(self) -> str:
        return {Platform.GOOGLE: "google", Platform.GRAPH: "graph"}.get(self, "exchange")


EWS_SHUTDOWN_DATE = N_("1 April 2027")
_LEGACY_EWS_NOTE = N_("Microsoft switches EWS in Exchange Online off for good on {date} (since October 2026 "
                      "it works only in tenants that allow it). Prefer Exchange Online (Office 365) through "
                      "Microsoft Graph; an application set up here can be moved to Graph later (Tools › Move "
                      "to Microsoft Graph…).")
LEGACY_EWS_NOTE = _LEGACY_EWS_NOTE.format(date=EWS_SHUTDOWN_DATE)   # English; legacy_ews_note() translates


def legacy_ews_note() -> str:
    """The note on legacy EWS in Exchange Online, in the current language."""
    return _(_LEGACY_EWS_NOTE).format(date=_(EWS_SHUTDOWN_DATE))


def date_for_people(iso_date: str) -> str:
    """A certificate's YYYY-MM-DD date as people of the current language write it ("03.12.2027"); English
    keeps the ISO form the wizard has always shown."""
    if current_language() == "en":
        return iso_date
    from datetime import date

    from ec_console.i18n import format_date

    try:
        return format_date(date.fromisoformat(iso_date[:10]))   # type: ignore[arg-type]
    except ValueError:
        return iso_date


def _lowered(label: str) -> str:
    """A field's label inside an English sentence starts small ("sandbox password set"); German nouns keep
    their capital."""
    return label.lower() if current_language() == "en" else label


@dataclass(frozen=True)
class PlatformChoice:
    platform: Platform
    title_text: str     # marked for translation; `title` and `needs` are in the current language
    needs_text: str     # one sentence: what the administrator will need

    @property
    def title(self) -> str:
        return _(self.title_text).format(date=_(EWS_SHUTDOWN_DATE))

    @property
    def needs(self) -> str:
        return _(self.needs_text).format(date=_(EWS_SHUTDOWN_DATE))


PLATFORM_CHOICES: tuple[PlatformChoice, ...] = (
    PlatformChoice(Platform.ONPREM, N_("Exchange on-premises"),
                   N_("You will need the EWS address (or autodiscover), a service account with its password, "
                      "and an Exchange administrator to grant it the ApplicationImpersonation role.")),
    PlatformChoice(Platform.GRAPH, N_("Exchange Online (Office 365)"),
                   N_("Through Microsoft Graph. You will need a Microsoft Entra app registration — its "
                      "tenant ID and application (client) ID, with a certificate (this wizard can create "
                      "one) or a client secret — and an Exchange administrator to limit it to a group of "
                      "mailboxes.")),
    PlatformChoice(Platform.ONLINE, N_("Exchange Online — legacy EWS (switched off {date})"),
                   N_("Only for a tenant that still allows EWS, until {date}. You will need an Entra ID app "
                      "registration — its tenant ID, application (client) ID and a client secret — and an "
                      "Exchange administrator to grant it access to mailboxes.")),
    PlatformChoice(Platform.GOOGLE, "Google Workspace",
                   N_("You will need a service account's JSON key file with domain-wide delegation, and a "
                      "super administrator's address for the directory look-ups.")),
)


class Page(StrEnum):
    PLATFORM = "platform"
    CONNECTION_ONPREM = "connection_onprem"
    CONNECTION_GRAPH = "connection_graph"
    CONNECTION_ONLINE = "connection_online"
    CONNECTION_GOOGLE = "connection_google"
    SCOPE = "scope"
    TEST = "test"
    SUMMARY = "summary"


CONNECTION_PAGES = {Platform.ONPREM: Page.CONNECTION_ONPREM, Platform.GRAPH: Page.CONNECTION_GRAPH,
                    Platform.ONLINE: Page.CONNECTION_ONLINE, Platform.GOOGLE: Page.CONNECTION_GOOGLE}
_PAGE_NAMES = {Page.PLATFORM: N_("platform"), Page.CONNECTION_ONPREM: N_("connection details"),
               Page.CONNECTION_GRAPH: N_("connection details"),
               Page.CONNECTION_ONLINE: N_("connection details"),
               Page.CONNECTION_GOOGLE: N_("connection details"),
               Page.SCOPE: N_("scope"), Page.TEST: N_("test"), Page.SUMMARY: N_("summary")}


@dataclass(frozen=True)
class FieldSpec:
    """One input. `kind`: text, secret, file, choice or bool. `choices`: (value, label) pairs."""

    key: str
    label: str
    kind: str = "text"
    required: bool = True
    placeholder: str = ""
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ScopeGuide:
    """What the scope page shows: the statement, and the commands and links (each with Copy). A command or
    link that stands on its own line of `text` is shown right there, after the instruction that names it;
    the others follow the text."""

    text: str
    commands: tuple[str, ...] = ()
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestPlan:
    target: str
    expect_denied: str | None
    steps: tuple[StepSpec, ...]


@dataclass(frozen=True)
class KeySummary:
    """What the console shows of a parsed key file (never the private key)."""

    client_email: str
    client_id: str
    project_id: str
    private_key_id: str

    def describe(self) -> str:
        if self.project_id:
            return _("Service account {email} (client ID {client_id}, project {project})").format(
                email=self.client_email, client_id=self.client_id, project=self.project_id)
        return _("Service account {email} (client ID {client_id})").format(email=self.client_email,
                                                                             client_id=self.client_id)


@dataclass(frozen=True)
class _Draft:
    """An application not saved yet, in the shape the provider adapters read."""

    name: str
    provider: str
    domain: str
    settings: dict[str, Any]


# --- fields ---------------------------------------------------------------------------------------------

_NAME = FieldSpec("name", N_("Application name"), placeholder=N_("e.g. Scheduling app"),
                  help=N_("How this connection is listed in the console; unique in the region."))
_CA_FILE = FieldSpec("ca_file", N_("Extra trusted CA (PEM)"), "file", required=False,
                     placeholder=N_("optional: only for a private or TLS-inspection certificate authority"))

FIELDS: dict[Page, tuple[FieldSpec, ...]] = {
    Page.CONNECTION_ONPREM: (
        _NAME,
        FieldSpec("ews_url", N_("EWS URL"), placeholder="https://mail.contoso.com/EWS/Exchange.asmx"),
        FieldSpec("autodiscover", N_("Find the EWS URL with autodiscover"), "bool", required=False),
        FieldSpec("username", N_("Service account"),
                  placeholder=N_("CONTOSO\\svc-calendar or svc-calendar@contoso.com")),
        FieldSpec("password", N_("Password"), "secret"),
        FieldSpec("auth", N_("Sign-in method"), "choice", required=False,
                  choices=(("", N_("Ask the server (NTLM preferred)")), ("ntlm", "NTLM"),
                           ("basic", "Basic"))),
        FieldSpec("test_mailbox", N_("Test mailbox"), placeholder=N_("a mailbox the application must reach"),
                  help=N_("The check opens this mailbox's calendar through the service account.")),
        _CA_FILE,
    ),
    Page.CONNECTION_ONLINE: (
        _NAME,
        FieldSpec("tenant_id", N_("Tenant ID"), placeholder=N_("00000000-0000-0000-0000-000000000000 or "
                                                           "contoso.onmicrosoft.com")),
        FieldSpec("client_id", N_("Application (client) ID"),
                  placeholder="00000000-0000-0000-0000-000000000000"),
        FieldSpec("client_secret", N_("Client secret"), "secret"),
        FieldSpec("test_mailbox", N_("Test mailbox"), placeholder=N_("a mailbox the application must reach")),
        FieldSpec("ews_url", N_("EWS URL"), required=False,
                  placeholder=N_("optional: Exchange Online's own endpoint is used when empty")),
        FieldSpec("authority", N_("Sign-in authority"), required=False,
                  placeholder="optional: https://login.microsoftonline.com"),
        _CA_FILE,
    ),
    Page.CONNECTION_GRAPH: (
        _NAME,
        FieldSpec("tenant_id", N_("Tenant ID"), placeholder=N_("00000000-0000-0000-0000-000000000000 or "
                                                           "contoso.onmicrosoft.com")),
        FieldSpec("client_id", N_("Application (client) ID"),
                  placeholder="00000000-0000-0000-0000-000000000000"),
        FieldSpec("credential", N_("Sign in with"), "choice",
                  choices=(("certificate", N_("A certificate (recommended)")),
                           ("secret", N_("A client secret (not for production, says Microsoft)")))),
        FieldSpec("certificate", N_("Certificate (PEM or PFX)"), "file",
                  placeholder=N_("the private key and certificate; or create one below"),
                  help=N_("A PEM file with the private key and the certificate, or a PFX file. The console "
                       "signs in with it; the app registration holds its public part (.cer).")),
        FieldSpec("certificate_password", N_("Certificate password"), "secret", required=False,
                  placeholder=N_("only for a PFX file or an encrypted key")),
        FieldSpec("client_secret", N_("Client secret"), "secret",
                  help=N_("Microsoft advises certificates instead of client secrets for applications in "
                       "production.")),
        FieldSpec("cloud", N_("Cloud"), "choice", required=False,
                  choices=(("global", N_("Microsoft 365 (global, and GCC)")),
                           ("usgov", N_("GCC High (US government)")),
                           ("usgovdod", N_("DoD (US government)")),
                           ("china", N_("Operated by 21Vianet (China)")))),
        FieldSpec("test_mailbox", N_("Test mailbox"), placeholder=N_("a mailbox the application must reach"),
                  help=N_("The check opens this mailbox's calendar through Microsoft Graph.")),
        FieldSpec("authority", N_("Sign-in authority"), required=False,
                  placeholder=N_("optional: the cloud's own, e.g. https://login.microsoftonline.com")),
        FieldSpec("graph_url", N_("Graph URL"), required=False,
                  placeholder=N_("optional: the cloud's own, e.g. https://graph.microsoft.com")),
        _CA_FILE,
    ),
    Page.CONNECTION_GOOGLE: (
        _NAME,
        FieldSpec("key_file", N_("Service-account key file"), "file", placeholder=N_("the JSON key file"),
                  help=N_("Read and checked on the spot; stored in the keychain, never in the registry.")),
        FieldSpec("admin", N_("Administrator"), placeholder="admin@example.com",
                  help=N_("A super administrator: the directory look-ups act as this account.")),
        FieldSpec("client_secret_file", N_("OAuth client file for sign-in"), "file", required=False,
                  placeholder=N_("optional: your organisation's client_secret_….json, to sign in as the "
                              "administrator")),
        FieldSpec("test_mailbox", N_("Test user"),
                  placeholder=N_("a user whose calendar the application must read")),
        FieldSpec("api_root", N_("Google API address"), required=False,
                  placeholder=N_("optional: Google's own APIs are used when empty")),
        _CA_FILE,
    ),
}

_EXCHANGE_SCOPE = (
    # No default: reaching every mailbox is a choice the administrator makes, never one made for them.
    FieldSpec("scope_mode", N_("Mailboxes the application may reach"), "choice",
              choices=(("", N_("Choose…")), ("group", N_("Only the members of one group (recommended)")),
                       ("all", N_("All mailboxes of the organisation")))),
    FieldSpec("scope_group", N_("Scoping group"), placeholder=N_("name or address, e.g. EC Calendar Scope")),
    FieldSpec("group_dn", N_("Group's distinguished name"), required=False,
              placeholder="optional: CN=EC Calendar Scope,OU=Groups,DC=contoso,DC=com"),
    FieldSpec("outside_mailbox", N_("Mailbox outside the group"),
              placeholder=N_("must be denied, e.g. ceo@contoso.com"),
              help=N_("The test proves the restriction holds: access to this mailbox must be refused.")),
)
_ONLINE_EXTRA = (FieldSpec("sp_object_id", N_("Enterprise application's object ID"), required=False,
                           placeholder=N_("optional: filled into the New-ServicePrincipal command below")),)
_GOOGLE_SCOPE = (
    FieldSpec("google_install", N_("How the application is granted access"), "choice", required=False,
              choices=(("dwd", N_("Domain-wide delegation (the whole domain)")),
                       ("marketplace", N_("Marketplace install limited to organisational units or groups")))),
    FieldSpec("marketplace_target", N_("Organisational units or groups"),
              placeholder=N_("e.g. /Sales or sales@example.com")),
    FieldSpec("outside_mailbox", N_("User outside them"), required=False,
              placeholder=N_("optional: a user the install does not cover, must be denied")),
)

# What the summary calls each stored setting: the words of the field it came from (an internal key never
# shows). A setting with an empty name is a detail of another one and is not listed.
_SETTING_NAMES = {
    "test_mailbox": N_("test mailbox"), "test_user": N_("test user"), "impersonation": "",
    "auth": N_("sign-in method"), "tenant_id": N_("tenant ID"), "client_id": N_("client ID"),
    "authority": N_("sign-in authority"), "sp_object_id": N_("enterprise application's object ID"),
    "username": N_("service account"), "autodiscover": N_("EWS URL"), "ews_url": N_("EWS URL"),
    "ca_file": N_("extra trusted CA"), "scope_group": N_("scoping group"), "scope_group_address": "",
    "group_dn": N_("group's distinguished name"), "expect_denied": N_("mailbox that must be denied"),
    "admin": N_("administrator"), "install": N_("how access is granted"),
    "client_email": N_("service account"),
    "project_id": N_("Google Cloud project"), "api_root": N_("Google API address"),
    "group": N_("group the app is installed for"),
    "org_unit": N_("organisational unit the app is installed for"),
    "vendor_region": N_("Marketplace listing"),
    "vendor_dashboard": N_("Marketplace listing"), "vendor_client_id": N_("Marketplace listing"),
    "listing_url": N_("Marketplace listing"),
    "certificate": N_("certificate file"), "cloud": N_("cloud"), "graph_url": N_("Graph URL"),
}
_SECRET_KEYS = {"password", "client_secret", "key_file", "certificate_password"}
_SECRET_KIND = {"password": "password", "client_secret": "client_secret", "key_file": "key",
                "certificate_password": "certificate_password"}
_CONNECTION_KEYS = {k for page in FIELDS.values() for k in (f.key for f in page)}
_DEFAULTS = {"google_install": "dwd", "auth": "", "autodiscover": False, "credential": "certificate",
             "cloud": "global"}
# The Graph page's fields that one credential choice hides.
_GRAPH_ONLY_FOR = {"certificate": "certificate", "certificate_password": "certificate",
                   "client_secret": "secret"}


class SetupFlow:
    """The whole setup (or edit) of one application, without any UI."""

    def __init__(self, region_id: str, *, name_taken: Callable[[str], bool] | None = None,
                 region: Any = None) -> None:
        self.region_id = validation.region_id(region_id, "region")
        self.region = region                       # an `ec_console.regions.Region`, for the Marketplace path
        self._name_taken = name_taken or (lambda _name: False)
        self.platform: Platform | None = None
        self.raw: dict[str, Any] = dict(_DEFAULTS)
        self.clean: dict[str, Any] = dict(_DEFAULTS)
        self.errors: dict[str, str] = {}
        self.notes: dict[str, str] = {}
        self.key_summary: KeySummary | None = None
        self._secret_values: dict[str, str] = {}
        self.editing: Any = None                   # the `registry.Application` being edited
        self.secret_is_set = False
        self.test_report: Report | None = None
        self.save_anyway = False
        self.sandbox_keys: set[str] = set()        # fields holding the sandbox's values, as filled
        self.sandbox_platform: Platform | None = None   # the platform last filled from the sandbox
        self.moving: Any = None                    # the Exchange Online EWS application moving to Graph
        self._certificate_thumbprint: str | None = None   # the Graph certificate's, once checked

    # -- editing -----------------------------------------------------------------------------------------

    @classmethod
    def edit(cls, application: Any, region_id: str, *, region: Any = None) -> SetupFlow:
        """A flow on an existing application's values; its secret counts as set and is never read here."""
        flow = cls(region_id, region=region)
        flow.editing = application
        flow.secret_is_set = True
        s = dict(application.settings)
        if application.provider == "google":
            platform = Platform.GOOGLE
        elif application.provider == "graph":
            platform = Platform.GRAPH
        elif s.get("auth") == "oauth" or (s.get("auth") is None and s.get("tenant_id")):
            platform = Platform.ONLINE
        else:
            platform = Platform.ONPREM
        flow.choose_platform(platform)
        values: dict[str, Any] = {"name": application.name,
                                  "test_mailbox": s.get("test_mailbox") or s.get("test_user") or ""}
        for key in ("ews_url", "username", "tenant_id", "client_id", "authority", "ca_file", "admin",
                    "api_root", "group_dn", "sp_object_id", "cloud", "graph_url"):
            if s.get(key):
                values[key] = s[key]
        if platform is Platform.GRAPH:
            values["credential"] = "certificate" if s.get("certificate") else "secret"
            if s.get("certificate"):
                values["certificate"] = s["certificate"]
                from ec_console.application_edit import CERTIFICATE_THUMBPRINT

                flow._certificate_thumbprint = s.get(CERTIFICATE_THUMBPRINT)
        if platform is Platform.ONPREM:
            values["auth"] = s.get("auth") or ""
            values["autodiscover"] = bool(s.get("autodiscover"))
        if platform is Platform.ONLINE and s.get("authority") == _default_authority():
            values.pop("authority", None)
        if platform is Platform.GOOGLE:
            values["google_install"] = s.get("install") or "dwd"
            target = s.get("group") or s.get("org_unit")
            if target:
                values["marketplace_target"] = target
        else:
            values["scope_mode"] = "group" if s.get("scope_group") else "all"
            if s.get("scope_group"):
                values["scope_group"] = s["scope_group"]
        if s.get("expect_denied"):
            values["outside_mailbox"] = s["expect_denied"]
        for key, value in values.items():
            flow.set_value(key, value)
        if s.get("client_id") and platform is Platform.GOOGLE:
            flow.key_summary = KeySummary(str(s.get("client_email") or ""), str(s["client_id"]),
                                          str(s.get("project_id") or ""), "")
            flow.notes["key_file"] = _("{key} — set; pick a file only to replace it").format(
                key=flow.key_summary.describe())
        flow.test_report = None
        return flow

    @classmethod
    def move_to_graph(cls, application: Any, region_id: str, *, region: Any = None) -> SetupFlow:
        """A flow that moves an Exchange Online EWS application to Microsoft Graph: the Graph pages filled
        with what the application already knows (name, test mailbox, scope group, tenant ID); the new
        credential is entered. Finish runs `application_move.move_to_graph` (the application keeps its id,
        profiles and history)."""
        from ec_console.application_move import carried_values, check_movable

        check_movable(application)
        flow = cls(region_id, region=region)
        flow.moving = application
        flow.choose_platform(Platform.GRAPH)
        flow.set_value("name", application.name)
        for key, value in carried_values(application).items():
            flow.set_value(key, value)
        flow.test_report = None
        return flow

    @property
    def fixed_name(self) -> bool:
        return self.editing is not None or self.moving is not None

    # -- platform and pages ------------------------------------------------------------------------------

    def choose_platform(self, platform: Platform | str) -> None:
        platform = Platform(platform)
        if self.editing is not None and self.platform is not None and platform is not self.platform:
            raise BadInput(_("The platform of an existing application cannot be changed; add a new one "
                             "instead"))
        if self.moving is not None and platform is not Platform.GRAPH:
            raise BadInput(_("An application moving to Microsoft Graph stays on Exchange Online (Office "
                             "365)"))
        if platform is not self.platform:
            self.platform = platform
            self._invalidate_test()
            for key in list(self.errors):
                if key not in self._visible_keys():
                    self.errors.pop(key)

    def next_page(self, page: Page) -> Page | None:
        """The page after `page` (the connection page branches on the platform); None after the summary."""
        if page is Page.PLATFORM:
            return CONNECTION_PAGES[self.platform] if self.platform else None
        if page in CONNECTION_PAGES.values():
            return Page.SCOPE
        return {Page.SCOPE: Page.TEST, Page.TEST: Page.SUMMARY}.get(page)

    def fields(self, page: Page) -> tuple[FieldSpec, ...]:
        """The fields `page` shows now (the scope page's depend on the platform and the choices made), their
        texts in the current language."""
        if page is Page.SCOPE:
            return tuple(self._translated(f) for f in self._scope_fields())
        specs = FIELDS.get(page, ())
        if page is Page.CONNECTION_GRAPH:
            credential = self.clean.get("credential") or "certificate"
            specs = tuple(f for f in specs if _GRAPH_ONLY_FOR.get(f.key, credential) == credential)
        return tuple(self._adjusted(self._translated(f)) for f in specs)

    def all_fields(self, page: Page) -> tuple[FieldSpec, ...]:
        """Every field `page` can show for the current platform (a view builds them once, then shows the
        ones `fields(page)` names)."""
        if page is not Page.SCOPE:
            return tuple(self._adjusted(self._translated(f)) for f in FIELDS.get(page, ()))
        if self.platform is Platform.GOOGLE:
            return tuple(self._translated(f) for f in _GOOGLE_SCOPE)
        extra = _ONLINE_EXTRA if self.platform in (Platform.ONLINE, Platform.GRAPH) else ()
        return tuple(self._translated(f) for f in (*_EXCHANGE_SCOPE, *extra))

    def _translated(self, spec: FieldSpec) -> FieldSpec:
        """`spec` with its label, placeholder, help and choices in the current language (the tables hold
        them marked, in English)."""
        label = _(spec.label)
        if spec.key == "test_mailbox" and self.platform is Platform.GOOGLE:
            label = _("Test user")
        return replace(spec, label=label, placeholder=_(spec.placeholder) if spec.placeholder else "",
                       help=_(spec.help) if spec.help else "",
                       choices=tuple((value, _(text)) for value, text in spec.choices))

    def snapshot(self) -> SetupFlow:
        """A copy for a worker thread: the GUI may go on editing this flow while the copy is used."""
        twin = copy.copy(self)
        for name in ("raw", "clean", "errors", "notes", "_secret_values"):
            setattr(twin, name, dict(getattr(self, name)))
        twin.sandbox_keys = set(self.sandbox_keys)
        return twin

    def _adjusted(self, spec: FieldSpec) -> FieldSpec:
        if spec.kind == "secret" and spec.key in self._secret_values:
            # The field itself reads back empty (a secret is never shown again): say that it is filled.
            if spec.key in self.sandbox_keys:
                hint = _("sandbox {field} set").format(field=_lowered(spec.label))
            else:
                hint = _("set — type a new one to replace it")
            return replace(spec, placeholder=hint)
        if spec.key in _SECRET_KEYS and self.secret_is_set:
            hint = _("set — pick a new file to replace it") if spec.kind == "file" \
                else _("set — type a new one to replace it")
            return replace(spec, required=False, placeholder=hint)
        if spec.key == "name" and self.fixed_name:
            return replace(spec, help=_("Fixed here; rename the application with Edit application… "
                                        "(right-click it in the list)."))
        if spec.key == "ews_url" and self.platform is Platform.ONPREM and self.clean.get("autodiscover"):
            return replace(spec, required=False, placeholder=_("found with autodiscover"))
        return spec

    def _scope_fields(self) -> tuple[FieldSpec, ...]:
        if self.platform is Platform.GOOGLE:
            if self.clean.get("google_install") == "marketplace":
                return _GOOGLE_SCOPE
            return _GOOGLE_SCOPE[:1]
        if self.clean.get("scope_mode") != "group":
            return _EXCHANGE_SCOPE[:1]
        extra = _ONLINE_EXTRA if self.platform in (Platform.ONLINE, Platform.GRAPH) else ()
        return (*_EXCHANGE_SCOPE, *extra)

    def _visible_keys(self) -> set[str]:
        keys: set[str] = {"name"}
        if self.platform is not None:
            keys |= {f.key for f in self.fields(CONNECTION_PAGES[self.platform])}
            keys |= {f.key for f in self._scope_fields()}
        return keys

    # -- values and validation ---------------------------------------------------------------------------

    def value(self, key: str) -> Any:
        """The raw value the user entered (a secret field reads back empty: it is never shown again)."""
        if key in _SECRET_KEYS and key != "key_file":
            return ""
        return self.raw.get(key, "")

    def set_value(self, key: str, value: Any) -> str | None:
        """Store what the user typed and validate that field; returns the message to show, or None."""
        if key not in _CONNECTION_KEYS and key not in {f.key for f in (*_EXCHANGE_SCOPE, *_ONLINE_EXTRA,
                                                                        *_GOOGLE_SCOPE)}:
            raise KeyError(f"unknown field {key!r}")
        if self.fixed_name and key == "name" and self.raw.get("name"):
            return None            # an existing application keeps its name (its secret is filed under it)
        self.sandbox_keys.discard(key)
        self.raw[key] = value
        self._validate(key)
        if key == "test_mailbox" and self.raw.get("outside_mailbox"):
            self._validate("outside_mailbox")
        if key == "autodiscover":
            self._validate("ews_url")
        if key == "certificate_password" and self.raw.get("certificate"):
            self._validate("certificate")      # a PFX file opens only with its password
        self._invalidate_test()
        return self.errors.get(key)

    def _validate(self, key: str) -> None:
        self.errors.pop(key, None)
        self.notes.pop(key, None)
        self.clean.pop(key, None)
        raw = self.raw.get(key)
        label = self._label(key)
        if isinstance(raw, str):
            raw = raw.strip()
        if raw in (None, "") and not isinstance(raw, bool):
            if key == "key_file":
                self.key_summary = None
                self._secret_values.pop("key_file", None)
                if self.secret_is_set:
                    self.notes[key] = _("set; pick a file only to replace it")
            if key in _SECRET_KEYS:
                self._secret_values.pop(key, None)
            return
        try:
            self.clean[key] = self._check(key, raw, label)
        except BadInput as exc:
            self.errors[key] = exc.message

    def _label(self, key: str) -> str:
        for spec in (*[f for page in FIELDS.values() for f in page], *_EXCHANGE_SCOPE, *_ONLINE_EXTRA,
                     *_GOOGLE_SCOPE):
            if spec.key == key:
                return self._translated(spec).label
        return key

    def _check(self, key: str, raw: Any, label: str) -> Any:
        checker = _CHECKERS.get(key)
        if checker is not None:
            return checker(self, raw, label)
        return raw

    # individual checks (each returns the clean value or raises BadInput) --------------------------------

    def _check_name(self, raw: str, label: str) -> str:
        name = validation.application_name(raw, label)
        if not self.fixed_name and self._name_taken(name):
            raise BadInput(_("{label}: an application named {name} already exists in this region").format(
                label=label, name=repr(name)))
        return name

    def _check_secret(self, key: str, raw: str, label: str) -> str:
        if not isinstance(raw, str):
            raise BadInput(_("{label}: expected text").format(label=label))
        if any(ch in raw for ch in "\r\n\x00"):
            raise BadInput(_("{label}: contains a line break or an invisible control character; type it "
                             "again").format(label=label))
        from ec_console.logs import register_secret

        register_secret(raw)
        self._secret_values[key] = raw
        return "set"

    def _check_key_file(self, raw: str, label: str) -> str:
        from ec_console.providers.google.key import KeyProblem, load_key, parse_key_bytes

        path = validation.existing_file(raw, label)
        try:
            if path.stat().st_size > MAX_KEY_FILE_BYTES:
                raise BadInput(_("{label}: the file is larger than a key file can be ({size} KB)").format(
                    label=label, size=MAX_KEY_FILE_BYTES // 1024))
            data = path.read_bytes()
        except OSError as exc:
            raise BadInput(_("{label}: cannot be read ({reason})").format(label=label,
                                                                        reason=exc.strerror or exc)) from None
        try:
            info = parse_key_bytes(data)
            key = load_key(info)
        except KeyProblem as exc:
            self.key_summary = None
            raise BadInput(_("{label}: not a usable service-account key: {problem}").format(
                label=label, problem=localized(str(exc)))) from None
        self._secret_values["key_file"] = json.dumps(info)
        self.key_summary = KeySummary(key.client_email, key.client_id, key.project_id, key.private_key_id)
        self.notes["key_file"] = self.key_summary.describe()
        return str(path.resolve())

    def _check_client_file(self, raw: str, label: str) -> str:
        from ec_console.providers.google.signin import ClientSecretProblem, load_client_config

        path = validation.existing_file(raw, label)
        try:
            load_client_config(path)
        except (ClientSecretProblem, OSError, ValueError) as exc:
            raise BadInput(_("{label}: not an OAuth client file: {problem}").format(
                label=label, problem=localized(str(exc)))) from None
        return str(path.resolve())

    def _check_certificate(self, raw: str, label: str) -> str:
        from ec_console.diagnoses import surface_text
        from ec_console.graph_application import open_certificate

        path = validation.existing_file(raw, label)
        try:
            certificate = open_certificate(str(path), self._secret_values.get("certificate_password"), label)
        except BadInput as exc:
            raise BadInput(surface_text(exc.message, "gui")) from None
        note = _("{subject}, valid until {date}; SHA-256 thumbprint {thumbprint}")
        self.notes["certificate"] = note.format(subject=certificate.subject,
                                                date=date_for_people(certificate.not_after[:10]),
                                                thumbprint=certificate.thumbprint_sha256)
        # recorded with the application, so that a desktop importing the certificate can be told whether it
        # is this one (applications import-credential)
        self._certificate_thumbprint = certificate.thumbprint_sha256
        return str(path.resolve())

    def _check_root(self, raw: str, label: str) -> str:
        from ec_console.commands.check_graph import _root_url

        return _root_url(raw, label, https_only=False)

    def _check_outside(self, raw: str, label: str) -> str:
        address = validation.email_address(raw, label)
        test = self.clean.get("test_mailbox")
        if test and address.lower() == str(test).lower():
            raise BadInput(_("{label}: must differ from the test mailbox, which must be reachable").format(
                label=label))
        return address

    def _check_dn(self, raw: str, label: str) -> str:
        if not validation.is_distinguished_name(raw):
            raise BadInput(_("{label}: {value} is not a distinguished name like "
                             "CN=EC Calendar Scope,OU=Groups,DC=contoso,DC=com").format(label=label,
                                                                                       value=repr(raw)))
        return validation.group(raw, label)

    def _check_choice(self, key: str, raw: Any, label: str) -> str:
        spec = next(f for f in (*_EXCHANGE_SCOPE, *_GOOGLE_SCOPE, *FIELDS[Page.CONNECTION_ONPREM],
                                *FIELDS[Page.CONNECTION_GRAPH]) if f.key == key)
        allowed = [value for value, _text in spec.choices]
        if raw not in allowed:
            raise BadInput(_("{label}: choose one of {values}").format(
                label=label, values=", ".join(repr(a) for a in allowed)))
        return raw

    # -- pages -------------------------------------------------------------------------------------------

    def page_errors(self, page: Page) -> dict[str, str]:
        """Every problem that keeps `page` from being complete, by field key (missing values included)."""
        problems: dict[str, str] = {}
        for spec in self.fields(page):
            if spec.key in self.errors:
                problems[spec.key] = self.errors[spec.key]
            elif spec.required and spec.kind != "bool" and spec.key not in self.clean:
                label = self._label(spec.key)
                problems[spec.key] = _("{label}: a value is required").format(label=label)
        return problems

    def page_complete(self, page: Page) -> bool:
        if page is Page.PLATFORM:
            return self.platform is not None
        if page is Page.TEST:
            return self.can_finish
        if page is Page.SUMMARY:
            return self.can_finish
        return not self.page_errors(page)

    def first_incomplete_page(self) -> Page | None:
        page: Page | None = Page.PLATFORM
        while page is not None and page not in (Page.TEST, Page.SUMMARY):
            if not self.page_complete(page):
                return page
            page = self.next_page(page)
        return None

    # -- what gets stored --------------------------------------------------------------------------------

    @property
    def provider(self) -> str:
        if self.platform is None:
            raise BadInput(_("Choose a platform first"))
        return self.platform.provider

    @property
    def domain(self) -> str:
        target = str(self.clean.get("test_mailbox") or "")
        return target.split("@", 1)[1] if "@" in target else ""

    @property
    def scoped(self) -> bool:
        """True when the test must also prove a mailbox outside the chosen scope is denied."""
        return bool(self.expect_denied)

    @property
    def expect_denied(self) -> str | None:
        if self.platform is Platform.GOOGLE:
            if self.clean.get("google_install") != "marketplace":
                return None
            return self.clean.get("outside_mailbox")
        if self.clean.get("scope_mode") != "group":
            return None
        return self.clean.get("outside_mailbox")

    def settings(self) -> dict[str, Any]:
        """The application's non-secret settings, as the registry stores them and the adapters read them."""
        c = self.clean
        if self.platform is Platform.GOOGLE:
            s: dict[str, Any] = {"admin": c.get("admin"), "install": c.get("google_install") or "dwd",
                                 "test_user": c.get("test_mailbox")}
            if self.key_summary is not None:
                s.update(client_id=self.key_summary.client_id, client_email=self.key_summary.client_email,
                         project_id=self.key_summary.project_id)
            for key in ("api_root", "ca_file"):
                if c.get(key):
                    s[key] = c[key]
            target = c.get("marketplace_target")
            if s["install"] == "marketplace" and target:
                s["group" if "@" in str(target) else "org_unit"] = target
            if s["install"] == "marketplace":
                s.update(self._vendor_settings())
        elif self.platform is Platform.GRAPH:
            s = {"test_mailbox": c.get("test_mailbox"), "tenant_id": c.get("tenant_id"),
                 "client_id": c.get("client_id"), "cloud": c.get("cloud") or "global"}
            if (c.get("credential") or "certificate") == "certificate":
                s["certificate"] = c.get("certificate")
                if self._certificate_thumbprint:
                    from ec_console.application_edit import CERTIFICATE_THUMBPRINT

                    s[CERTIFICATE_THUMBPRINT] = self._certificate_thumbprint
            for key in ("authority", "graph_url", "ca_file", "sp_object_id"):
                if c.get(key):
                    s[key] = c[key]
            if c.get("scope_mode") == "group" and c.get("scope_group"):
                s["scope_group"] = c["scope_group"]
                if "@" in str(c["scope_group"]):
                    s["scope_group_address"] = c["scope_group"]
                if c.get("group_dn"):
                    s["group_dn"] = c["group_dn"]
        else:
            s = {"test_mailbox": c.get("test_mailbox"), "impersonation": True}
            if self.platform is Platform.ONLINE:
                s.update(auth="oauth", tenant_id=c.get("tenant_id"), client_id=c.get("client_id"),
                         authority=c.get("authority") or _default_authority())
                if c.get("sp_object_id"):
                    s["sp_object_id"] = c["sp_object_id"]
            else:
                s.update(username=c.get("username"), auth=c.get("auth") or None,
                         autodiscover=bool(c.get("autodiscover")))
            if c.get("ews_url") and not (self.platform is Platform.ONPREM and c.get("autodiscover")):
                s["ews_url"] = c["ews_url"]
            if c.get("ca_file"):
                s["ca_file"] = c["ca_file"]
            if c.get("scope_mode") == "group" and c.get("scope_group"):
                s["scope_group"] = c["scope_group"]
                if "@" in str(c["scope_group"]):
                    s["scope_group_address"] = c["scope_group"]
                if c.get("group_dn"):
                    s["group_dn"] = c["group_dn"]
        if self.expect_denied:
            s["expect_denied"] = self.expect_denied
        return {k: v for k, v in s.items() if v is not None}

    def draft(self) -> _Draft:
        name = self.clean.get("name") or (self.editing.name if self.editing is not None else "")
        return _Draft(str(name), self.provider, self.domain, self.settings())

    @property
    def secret_kind(self) -> str:
        if self.platform is Platform.GOOGLE:
            return "key"
        if self.platform is Platform.GRAPH:
            return "certificate_password" if self.uses_certificate else "client_secret"
        return "client_secret" if self.platform is Platform.ONLINE else "password"

    @property
    def uses_certificate(self) -> bool:
        """A Graph application signing in with a certificate (its password, if any, is the keychain's)."""
        return self.platform is Platform.GRAPH \
            and (self.clean.get("credential") or "certificate") == "certificate"

    @property
    def _secret_field(self) -> str:
        return {"key": "key_file", "client_secret": "client_secret", "password": "password",
                "certificate_password": "certificate_password"}[self.secret_kind]

    def new_secret(self) -> str | None:
        """The secret entered in this run of the wizard (None when an existing one is kept, or when a
        certificate needs no password)."""
        return self._secret_values.get(self._secret_field)

    def secret_key(self) -> str:
        from ec_console.secrets import secret_key

        return secret_key(self.region_id, self.draft().name, self.secret_kind)

    def resolve_secret(self, store: Any = None) -> str:
        """The secret for the test: the one entered, else (editing) the keychain's. Blocking: worker only."""
        entered = self.new_secret()
        if entered is not None:
            return entered
        if self.uses_certificate:
            if self.editing is None or self._certificate_replaced():
                return ""                  # a PEM file whose key is not encrypted needs no password
            return _store(store).get(self.secret_key()) or ""
        if self.editing is None:
            raise BadInput(_("{label}: a value is required").format(label=self._label(self._secret_field)))
        stored = _store(store).get(self.secret_key())
        if stored is None:
            raise BadInput(_("The keychain holds no secret for {name}: enter it again").format(
                name=repr(self.editing.name)))
        return stored

    # -- scope guidance ----------------------------------------------------------------------------------

    def scope_name(self) -> str:
        name = str(self.clean.get("name") or "application")
        return f"{SCOPE_NAME_PREFIX} {name}"[:64]

    def scope_guide(self) -> ScopeGuide:
        """The statement and commands of the scope page, filled in with the names entered so far."""
        if self.platform is Platform.GOOGLE:
            return self._google_guide()
        if not self.clean.get("scope_mode"):
            return ScopeGuide(_("Choose which mailboxes the application may reach: only the members of one "
                                "group (recommended: the restriction is then proved by the test), or every "
                                "mailbox of the organisation."))
        group_mode = self.clean.get("scope_mode") == "group"
        if self.platform is Platform.GRAPH:
            return self._graph_group_guide() if group_mode else self._graph_all_guide()
        if self.platform is Platform.ONLINE:
            guide = self._online_group_guide() if group_mode else self._online_all_guide()
            return replace(guide, text=legacy_ews_note() + "\n" + guide.text)
        return self._onprem_group_guide() if group_mode else self._onprem_all_guide()

    def _names(self) -> dict[str, Any]:
        c = self.clean
        return {"service_account": c.get("username"), "client_id": c.get("client_id"),
                "tenant_id": c.get("tenant_id"), "scope_group": c.get("scope_group"),
                "group_dn": c.get("group_dn"), "scope_name": self.scope_name(),
                "sp_object_id": c.get("sp_object_id"), "mailbox": c.get("test_mailbox")}

    def _onprem_all_guide(self) -> ScopeGuide:
        account = _ps(str(self.clean.get("username") or "<service account>"))
        return ScopeGuide(
            _("The service account may open every mailbox of the organisation. An Exchange administrator "
              "grants it the ApplicationImpersonation role (Exchange Management Shell):"),
            (f"New-ManagementRoleAssignment -Name 'Enterprise Connect impersonation' -Role "
             f"ApplicationImpersonation -User {account}",
             "Get-ManagementRoleAssignment -Role ApplicationImpersonation -GetEffectiveUsers"),
            ("https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/"
             "how-to-configure-impersonation",))

    def _onprem_group_guide(self) -> ScopeGuide:
        from ec_console.diagnoses import diagnose

        d = diagnose("impersonation_right_missing", platform="onprem", surface="gui", **self._names())
        return ScopeGuide(d.remediation, tuple(d.commands), tuple(d.links))

    def _online_all_guide(self) -> ScopeGuide:
        app = _ps(str(self.clean.get("client_id") or "<application (client) ID>"))
        sp = _ps(str(self.clean.get("sp_object_id") or "<enterprise application's object ID>"))
        return ScopeGuide(
            _("The application may open every mailbox of the organisation. An Exchange administrator grants "
              "it RBAC for Applications without a scope (Exchange Online PowerShell); the tenant-wide "
              "full_access_as_app permission with admin consent does the same:"),
            (f"New-ServicePrincipal -AppId {app} -ObjectId {sp} -DisplayName 'Enterprise Connect'",
             f"New-ManagementRoleAssignment -App {app} -Role \"Application EWS.AccessAsApp\""),
            ("https://learn.microsoft.com/en-us/exchange/permissions-exo/application-rbac",))

    def _online_group_guide(self) -> ScopeGuide:
        from ec_console.diagnoses import diagnose

        d = diagnose("impersonation_right_missing", platform="online", surface="gui", **self._names())
        return ScopeGuide(d.remediation, tuple(d.commands), tuple(d.links))

    def _graph_commands(self) -> list[str]:
        """The RBAC for Applications commands, in the form the diagnosis catalog's fixes give them (one
        source for the documented cmdlets), filled in with the names entered."""
        from ec_console.diagnoses import diagnose

        names = {**self._names(), "platform": "graph"}
        commands = diagnose("mailbox_access_denied", surface="gui", **names).commands
        return [c for c in commands if not c.startswith("Add-DistributionGroupMember")]

    def _graph_group_guide(self) -> ScopeGuide:
        from ec_console.diagnoses import LINK_RBAC_APPS

        commands = self._graph_commands()

        def first(prefix: str) -> str:
            return next(c for c in commands if c.startswith(prefix))

        group = self.clean.get("scope_group") or _("the group")
        lines = [
            _("Only the members of {group} are reachable. Grant the application no Calendars permission in "
              "Microsoft Entra ID (a tenant-wide permission reaches every mailbox and no scope restricts "
              "it): an Exchange administrator grants it RBAC for Applications instead, limited to the "
              "group's direct members (Exchange Online PowerShell). Find the group's distinguished "
              "name:").format(group=group),
            first("Get-Group"),
            _("Register the application's service principal in Exchange Online (the object ID is the "
              "enterprise application's, in the Microsoft Entra admin center):"),
            first("New-ServicePrincipal"),
            _("Create a scope for the group's members:"),
            first("New-ManagementScope"),
            _("Assign the role within that scope (Application Calendars.ReadWrite instead if the "
              "application writes events):"),
            first("New-ManagementRoleAssignment"),
            _("Prove it for the test mailbox (InScope must be True):"),
            first("Test-ServicePrincipalAuthorization"),
            _("A change takes 30 minutes to 2 hours to reach Microsoft Graph "
              "(Test-ServicePrincipalAuthorization shows it at once): if the test fails right after a "
              "change, wait and Retry."),
        ]
        return ScopeGuide("\n".join(lines), tuple(commands), (LINK_RBAC_APPS,))

    def _graph_all_guide(self) -> ScopeGuide:
        from ec_console.diagnoses import LINK_RBAC_APPS

        app = _ps(str(self.clean.get("client_id") or "<application (client) ID>"))
        sp = _ps(str(self.clean.get("sp_object_id") or "<enterprise application's object ID>"))
        commands = (f"New-ServicePrincipal -AppId {app} -ObjectId {sp} -DisplayName 'Enterprise Connect'",
                    f"New-ManagementRoleAssignment -App {app} -Role \"Application Calendars.Read\"")
        text = "\n".join((
            _("The application may open every mailbox of the organisation. An Exchange administrator grants "
              "it RBAC for Applications without a scope (Exchange Online PowerShell); the Calendars.Read "
              "application permission with admin consent in Microsoft Entra ID does the same:"),
            commands[0], commands[1],
            _("A change takes 30 minutes to 2 hours to reach Microsoft Graph: if the test fails right after "
              "a change, wait and Retry.")))
        return ScopeGuide(text, commands, (LINK_RBAC_APPS,))

    def _google_guide(self) -> ScopeGuide:
        domain = self.domain or _("your domain")
        if self.clean.get("google_install") == "marketplace":
            return self._marketplace_guide(domain)
        from ec_console.diagnoses import LINK_DWD_CONSOLE, diagnose

        client = self.key_summary.client_id if self.key_summary else None
        links = [link for link in diagnose("dwd_unauthorized", client_id=client).links
                 if link.startswith(LINK_DWD_CONSOLE)]
        return ScopeGuide(
            _("Domain-wide delegation cannot be limited to a group or organisational unit: once delegated, "
              "the service account can reach the calendar of every user of {domain}. This console's profile "
              "list is the control — only the accounts you link are used, and revoking one stops its use "
              "here. To limit access at the platform, use a Marketplace install for organisational units or "
              "groups instead. A super administrator saves the delegation (client ID and scopes filled "
              "in):").format(domain=domain),
            (), tuple(links))

    def _marketplace_guide(self, domain: str) -> ScopeGuide:
        if self.region is None:
            return ScopeGuide(_("A Marketplace install can be limited to organisational units or groups of "
                                "{domain}. The region's listing is not known here.").format(domain=domain))
        from ec_console.providers.google.signin import marketplace_path

        path = marketplace_path(self.region)
        text = path.summary
        if path.steps:
            text += "\n" + "\n".join(f"{n}. {step}" for n, step in enumerate(path.steps, 1))
        return ScopeGuide(text, (), (path.install_link,) if path.install_link else ())

    # -- the test ----------------------------------------------------------------------------------------

    def test_plan(self) -> TestPlan:
        """Which checks the test page runs: the test mailbox, and the outside mailbox when a scope is set."""
        target = self.clean.get("test_mailbox")
        if not target:
            raise BadInput(_("{label}: a value is required").format(label=self._label("test_mailbox")))
        denied = self.expect_denied
        if self.platform is Platform.GOOGLE and self.clean.get("google_install") == "marketplace":
            from ec_console.providers.google.marketplace import MARKETPLACE_STEPS

            steps = tuple(MARKETPLACE_STEPS)
        elif self.platform is Platform.GOOGLE:
            from ec_console.providers.google.check import GOOGLE_STEPS

            steps = tuple(GOOGLE_STEPS)
        elif self.platform is Platform.GRAPH:
            from ec_console.graph_application import graph_settings_for
            from ec_console.providers.graph import graph_steps

            steps = tuple(graph_steps(graph_settings_for(self.settings(), str(target), expect_denied=denied)))
        else:
            from ec_console.providers.exchange.check import exchange_steps

            steps = tuple(exchange_steps(self._exchange_settings(str(target), denied)))
        return TestPlan(str(target), denied, steps)

    def _exchange_settings(self, target: str, denied: str | None) -> Any:
        from ec_console.providers.base import ExchangeAdapter

        return replace(ExchangeAdapter.settings_for(self.draft(), target), expect_denied=denied)

    def run_test(self, *, secret: str, cancel: CancelToken | None = None,
                 observer: Callable[[StepResult], None] | None = None,
                 on_step_started: Callable[[str], None] | None = None,
                 open_browser: Callable[[str], Any] | None = webbrowser.open) -> Report:
        """Run the setup check (blocking: call it on a worker thread). A failed step is a result.

        A Marketplace install is not tested with the service-account key (it delegates to the vendor's
        client): the test signs the administrator in (the browser opens when an OAuth client file was given)
        and reads what the customer's side can read (`google.marketplace`)."""
        plan = self.test_plan()
        if self.platform is Platform.GOOGLE and self.clean.get("google_install") == "marketplace":
            return self._run_marketplace_test(plan, cancel=cancel, observer=observer,
                                              on_step_started=on_step_started, open_browser=open_browser)
        return run_application_check(self.draft(), secret, plan.target, expect_denied=plan.expect_denied,
                                     cancel=cancel, observer=observer, on_step_started=on_step_started)

    # the Marketplace path ---------------------------------------------------------------------------------

    def _vendor_settings(self) -> dict[str, Any]:
        """The region's Marketplace side, stored with the application (the dashboard names it)."""
        if self.region is None:
            return {}
        from ec_console.providers.google.marketplace import VendorSide

        vendor = VendorSide.of(self.region)
        values = {"vendor_region": vendor.region_label, "vendor_dashboard": vendor.dashboard_url,
                  "vendor_client_id": vendor.client_id, "listing_url": vendor.listing_url}
        return {k: v for k, v in values.items() if v}

    def _run_marketplace_test(self, plan: TestPlan, *, cancel: CancelToken | None,
                              observer: Callable[[StepResult], None] | None,
                              on_step_started: Callable[[str], None] | None,
                              open_browser: Callable[[str], Any] | None) -> Report:
        from ec_console.providers.google.marketplace import (
            MarketplaceCheckSettings,
            VendorSide,
            run_marketplace_check,
        )

        settings = self.settings()
        vendor = VendorSide.from_settings(settings)
        check = MarketplaceCheckSettings(plan.target, vendor, plan.expect_denied, settings.get("org_unit"),
                                         settings.get("group"))
        client_file = self.clean.get("client_secret_file")

        def sign_in() -> Any:
            from ec_console.providers.google.signin import SignInSettings, load_client_config, sign_in_admin

            config = SignInSettings(client_config=load_client_config(client_file),
                                    api_root=self.clean.get("api_root"), ca_file=self.clean.get("ca_file"),
                                    login_hint=self.clean.get("admin"), audit_app_ids=vendor.app_ids)
            return sign_in_admin(config, open_browser=open_browser, cancel=cancel)

        return run_marketplace_check(check, sign_in=sign_in if client_file else None, observer=observer,
                                     cancel=cancel, on_step_started=on_step_started)

    def record_test(self, report: Report) -> None:
        self.test_report = report
        self.save_anyway = False

    @property
    def test_passed(self) -> bool:
        r = self.test_report
        return r is not None and r.result is not StepStatus.FAIL and not r.cancelled

    def accept_failure(self, accepted: bool = True) -> None:
        """The explicit "save anyway": only after a test ran and failed; the save records the failure."""
        if accepted and self.moving is not None:
            raise BadInput(_("An application moves to Microsoft Graph only once the Graph check passes"))
        if accepted and (self.test_report is None or self.test_passed or self.test_report.cancelled):
            raise BadInput(_("Save anyway applies only after a test that ran and failed"))
        self.save_anyway = accepted

    @property
    def can_finish(self) -> bool:
        return self.test_passed or (self.save_anyway and self.test_report is not None)

    def _invalidate_test(self) -> None:
        self.test_report = None
        self.save_anyway = False

    # -- summary and save --------------------------------------------------------------------------------

    def summary(self, *, region_label: str | None = None, keychain: str = "the OS keychain",
                registry_path: str | Path | None = None) -> list[tuple[str, str]]:
        """(label, text) rows: application, region, what will be stored where, in the words of the fields
        the administrator filled in (never a setting's internal key or the keychain entry's name), in the
        current language."""
        return [(label, text) for _key, label, text in self.summary_rows(
            region_label=region_label, keychain=keychain, registry_path=registry_path)]

    def summary_rows(self, *, region_label: str | None = None, keychain: str = "the OS keychain",
                     registry_path: str | Path | None = None) -> list[tuple[str, str, str]]:
        """The summary's rows as (key, label, text): the key names the row in any language (a window's
        object names use it: `application`, `platform`, `region`, `domain`, the secret's `key_file`,
        `client_secret`, `password` or `certificate`, `settings`, `setup_check`, `move`)."""
        from ec_console.registry import Registry

        draft = self.draft()
        where = str(registry_path or Registry.path_for_region(self.region_id))
        platform = next(c.title for c in PLATFORM_CHOICES if c.platform is self.platform)
        if self.platform is Platform.GRAPH:
            platform = _("{platform} through Microsoft Graph").format(platform=platform)
        rows = [("application", _("Application"), draft.name), ("platform", _("Platform"), platform),
                ("region", _("Region"), region_label or self.region_id),
                ("domain", _("Domain"), draft.domain or "—")]
        key, label = {"key": ("key_file", N_("Key file")),
                      "client_secret": ("client_secret", N_("Client secret")),
                      "password": ("password", N_("Password")),
                      "certificate_password": ("certificate", N_("Certificate"))}[self.secret_kind]
        system = _("the system keychain") if keychain in ("", "the OS keychain") \
            else _("the system keychain ({keychain})").format(keychain=keychain)
        if self.uses_certificate:
            where_key = _("The private key stays in {path}, readable by you only.").format(
                path=self.clean.get("certificate"))
            if self.new_secret() is not None:
                secret = _("{where_key} Its password is stored in {system} when you finish.")
            elif self.editing is not None:
                secret = _("{where_key} Its password, if it has one, is kept in {system} unchanged.")
            else:
                secret = _("{where_key} It has no password, so nothing goes to {system}.")
            secret = secret.format(where_key=where_key, system=system)
        elif self.new_secret() is not None:
            secret = _("Stored in {system} when you finish.").format(system=system)
        else:
            secret = _("Already stored in {system}; kept unchanged.").format(system=system)
        rows.append((key, _(label), secret))
        names = list(dict.fromkeys(_SETTING_NAMES.get(key, "") for key in draft.settings))
        settings = ", ".join(_(name) for name in names if name)
        rows.append(("settings", _("Settings"),
                     _("The connection settings ({settings}), the setup check's report and an audit entry go "
                       "to this region's registry file, {path}. No password, secret or key is ever written "
                       "there.").format(settings=settings, path=where)))
        rows.append(("setup_check", _("Setup check"), self._check_line()))
        if self.moving is not None:
            from ec_console.words import count

            profiles = count(self.moving.linked_count + self.moving.needs_relink_count
                             + self.moving.revoked_count, "profile", "profiles")
            rows.insert(1, ("move", _("Move"),
                            _("{name} moves from Exchange Online EWS to Microsoft Graph: it keeps its "
                              "{profiles} and its history; its EWS secret is removed from the keychain; an "
                              "audit entry records the move.").format(name=self.moving.name,
                                                                       profiles=profiles)))
        return rows

    def _check_line(self) -> str:
        report = self.test_report
        if report is None:
            return _("Not run yet.")
        if self.test_passed:
            if report.result is StepStatus.PASS:
                line = _("Passed for {target}") if not self.expect_denied else \
                    _("Passed for {target}; {denied} is denied, as it must be")
            else:
                line = _("Passed with warnings for {target}") if not self.expect_denied else \
                    _("Passed with warnings for {target}; {denied} is denied, as it must be")
            return line.format(target=report.target, denied=self.expect_denied) + "."
        code = report.diagnosis.code if report.diagnosis else "failed"
        return _("Failed ({code}): saved anyway at your request; the failure is recorded in the audit "
                 "trail.").format(code=code)

    def save(self, registry: Any, store: Any = None) -> Any:
        """Store the secret, then the application, its setup check and an audit entry in one transaction.

        Blocking (keychain and disk): run it on a worker thread with a registry opened there. Raises
        KeychainUnavailable before anything is written when there is no usable keychain, BadInput when a
        page is incomplete or the check has not passed (and no "save anyway" was chosen).
        """
        incomplete = self.first_incomplete_page()
        if incomplete is not None:
            problems = "; ".join(self.page_errors(incomplete).values()) or _("incomplete")
            raise BadInput(_("The {page} page is incomplete: {problems}").format(
                page=_(_PAGE_NAMES[incomplete]), problems=problems))
        report = self.test_report
        if report is None or not self.can_finish:
            raise BadInput(_("Run the test first; save is possible once it passes, or with 'save anyway'"))
        credential_store = _store(store)
        credential_store.check_usable()
        draft = self.draft()
        key = self.secret_key()
        secret = self.new_secret()
        if self.moving is not None:
            from ec_console.application_move import move_to_graph

            return move_to_graph(registry, credential_store, self.moving.id, settings=draft.settings,
                                 secret=secret, report=report, region_id=self.region_id)
        if self.editing is None:
            return self._save_new(registry, credential_store, draft, key, secret, report)
        return self._save_edit(registry, credential_store, draft, key, secret, report)

    def _failure_note(self, report: Report) -> str:
        if self.test_passed:
            return f"setup check {report.result.value} against {report.target}"
        code = report.diagnosis.code if report.diagnosis else "fail"
        return (f"saved anyway although the setup check failed ({code}) against {report.target}: "
                "the administrator chose to save")

    def _record(self, registry: Any, app: Any, report: Report) -> Any:
        diagnosis = report.diagnosis
        registry.record_check(kind="setup", result=report.result.value, report=report.to_dict(),
                              application_id=app.id, diagnosis=diagnosis.code if diagnosis else None)
        health = None if self.test_passed else (diagnosis.code if diagnosis else None)
        return registry.update_application(app.id, health=health)

    def _save_new(self, registry: Any, store: Any, draft: _Draft, key: str, secret: str | None,
                  report: Report) -> Any:
        if secret is None and not self.uses_certificate:
            raise BadInput(_("{label}: a value is required").format(label=self._label(self._secret_field)))
        if registry.find_application(draft.name) is not None:
            raise BadInput(_("An application named {name} already exists in this region; pick another "
                             "name").format(name=repr(draft.name)))
        from ec_console.dashboard import save_new_application

        diagnosis = report.diagnosis
        return save_new_application(
            registry, store, key, secret, name=draft.name, provider=draft.provider, domain=draft.domain,
            settings=draft.settings, report=report,
            audit_detail=f"{draft.provider} for {draft.domain} with the setup wizard"
                         f"{'; signs in with a certificate' if self.uses_certificate else ''}; "
                         f"{self._failure_note(report)}",
            health=None if self.test_passed else (diagnosis.code if diagnosis else None))

    def _save_edit(self, registry: Any, store: Any, draft: _Draft, key: str, secret: str | None,
                   report: Report) -> Any:
        previous = store.get(key) if secret is not None else None
        if secret is not None:
            store.set(key, secret)
        try:
            with registry.transaction():
                from ec_console.dashboard import setup_findings

                found = setup_findings(draft.provider, report)   # the quick-open hint, beside the choice
                registry.update_application(self.editing.id, settings={**draft.settings, **found})
                app = self._record(registry, registry.get_application(self.editing.id), report)
                changed = "secret replaced" if secret is not None else "secret kept"
                registry.audit("application_updated", draft.name,
                               f"settings edited with the setup wizard ({changed}); "
                               f"{self._failure_note(report)}"[:4000])
        except BaseException:
            if secret is not None:
                if previous is None:
                    store.delete(key)
                else:
                    store.set(key, previous)
            raise
        if self.platform is Platform.GRAPH:
            self._drop_stale_graph_secrets(store, key, secret)
        return app

    def _certificate_replaced(self) -> bool:
        """Editing a Graph application whose certificate file is now another one."""
        return self.editing is not None and self.uses_certificate \
            and self.clean.get("certificate") != self.editing.settings.get("certificate")

    def _drop_stale_graph_secrets(self, store: Any, key: str, secret: str | None) -> None:
        """After an edit of a Graph application: the keychain entry of the credential it no longer uses (a
        client secret after a switch to a certificate, or the other way round), and the old certificate's
        password when a new certificate without one replaced it, are removed."""
        from ec_console.secrets import secret_key

        for kind in ("client_secret", "certificate_password"):
            other = secret_key(self.region_id, self.draft().name, kind)
            if other != key:
                store.delete(other)
        if secret is None and self._certificate_replaced():
            store.delete(key)

    # -- the sandbox organisation ------------------------------------------------------------------------

    def fill_from_sandbox(self, exchange: Any = None, google: Any = None, graph: Any = None) -> list[str]:
        """Fill the current platform's fields from the sandbox's `info()` objects; returns the messages of
        any field that did not validate (none, normally)."""
        if self.platform is None:
            raise BadInput(_("Choose a platform first"))
        values = sandbox_values(self.platform, exchange, google, graph)
        if self.fixed_name:
            values.pop("name", None)
        problems = []
        filled = set()
        for key, value in values.items():
            message = self.set_value(key, value)
            if message:
                problems.append(message)
            else:
                filled.add(key)
        self.sandbox_keys = filled
        self.sandbox_platform = self.platform
        return problems

    def clear_sandbox_values(self) -> None:
        """Empty every field that still holds the sandbox's value (the sandbox was turned off): nothing of
        the fictional organisation, its password least of all, is kept for a real one."""
        for key in sorted(self.sandbox_keys):
            self.set_value(key, _DEFAULTS.get(key, ""))
        self.sandbox_keys.clear()
        self.sandbox_platform = None


def run_application_check(application: Any, secret: str, target: str, *, expect_denied: str | None = None,
                          write_probe: bool = False, cancel: CancelToken | None = None,
                          observer: Callable[[StepResult], None] | None = None,
                          on_step_started: Callable[[str], None] | None = None) -> Report:
    """The full check of `target` through a saved (or ad hoc) application, with live step callbacks.

    Blocking: call it on a worker thread. Settings are read the way the dashboard's adapters read them.
    `write_probe` (Exchange and Graph: Google's check has no write step) also creates and deletes one test
    item.
    """
    target = validation.email_address(target, "mailbox")
    if expect_denied:
        expect_denied = validation.email_address(expect_denied, "mailbox that must be denied")
    if application.provider == "graph":
        from ec_console.providers.base import GraphAdapter

        return GraphAdapter().setup_check(application, secret, target, expect_denied=expect_denied,
                                          write_probe=write_probe, cancel=cancel, observer=observer,
                                          on_step_started=on_step_started)
    if application.provider == "google" and application.settings.get("install") == "marketplace":
        from ec_console.providers.google.marketplace import check_settings_for, run_marketplace_check

        check = check_settings_for(application.settings, target, expect_denied)
        return run_marketplace_check(check, observer=observer, cancel=cancel, on_step_started=on_step_started)
    if application.provider == "graph":
        from ec_console.graph_application import run_graph_application_check

        return run_graph_application_check(application.settings, secret, target, expect_denied=expect_denied,
                                           write_probe=write_probe, cancel=cancel, observer=observer,
                                           on_step_started=on_step_started)
    if application.provider == "google":
        from ec_console.providers.base import GoogleAdapter
        from ec_console.providers.google.check import run_google_check

        settings = replace(GoogleAdapter.settings_for(application, secret, target),
                           expect_denied=expect_denied)
        return run_google_check(settings, observer=observer, cancel=cancel, on_step_started=on_step_started)
    from ec_console.providers.base import ExchangeAdapter
    from ec_console.providers.exchange.check import run_exchange_check

    settings = replace(ExchangeAdapter.settings_for(application, target), expect_denied=expect_denied,
                       write_probe=write_probe)
    try:
        return run_exchange_check(settings, secret, observer=observer, on_step_started=on_step_started,
                                  cancel=cancel)
    except ValueError as exc:
        message = _("The application's settings are incomplete: {problem}")
        raise BadInput(message.format(problem=exc)) from None


def sandbox_values(platform: Platform, exchange: Any = None, google: Any = None,
                   graph: Any = None) -> dict[str, Any]:
    """The field values that connect `platform` to the sandbox organisation (fictional credentials)."""
    if platform is Platform.GRAPH:
        if graph is None:
            raise BadInput(_("The Microsoft 365 (Graph) side of the sandbox is not running"))
        return {"name": "Sandbox Microsoft 365", "tenant_id": graph.tenant_id, "client_id": graph.client_id,
                "credential": "certificate", "certificate": graph.certificate_pem, "cloud": "global",
                "test_mailbox": graph.mailbox_in_scope, "authority": graph.authority,
                "graph_url": graph.graph_url, "ca_file": graph.ca_file, "scope_mode": "group",
                "scope_group": graph.scope_group, "group_dn": graph.scope_group_dn,
                "sp_object_id": graph.service_principal_id, "outside_mailbox": graph.mailbox_out_of_scope}
    if platform is Platform.GOOGLE:
        if google is None:
            raise BadInput(_("The Google side of the sandbox is not running"))
        return {"name": "Sandbox Google Workspace", "key_file": google.key_file, "admin": google.admin_email,
                "client_secret_file": google.client_secret_file, "test_mailbox": google.users["ok"],
                "api_root": google.api_root, "ca_file": google.ca_file, "google_install": "dwd"}
    if exchange is None:
        raise BadInput(_("The Exchange side of the sandbox is not running"))
    common = {"test_mailbox": exchange.mailboxes_in_scope[0], "ews_url": exchange.ews_url,
              "ca_file": exchange.ca_file, "scope_mode": "group", "scope_group": exchange.scope_group,
              "group_dn": exchange.scope_group_dn, "outside_mailbox": exchange.mailboxes_out_of_scope[0]}
    if platform is Platform.ONLINE:
        return {"name": "Sandbox Exchange Online", "tenant_id": exchange.tenant_id,
                "client_id": exchange.client_id, "client_secret": exchange.client_secret,
                "authority": exchange.authority, **common}
    return {"name": "Sandbox Exchange", "username": exchange.username, "password": exchange.password,
            **common}


# --- helpers --------------------------------------------------------------------------------------------

def _default_authority() -> str:
    from ec_console.providers.exchange.check import DEFAULT_AUTHORITY

    return DEFAULT_AUTHORITY


def _store(store: Any) -> Any:
    if store is not None:
        return store
    from ec_console.secrets import default_store

    return default_store()


def _ps(value: str) -> str:
    """A single-quoted PowerShell literal."""
    return "'" + value.replace("'", "''") + "'"


def _choice_checker(key: str) -> Callable[[SetupFlow, Any, str], Any]:
    return lambda flow, raw, label: flow._check_choice(key, raw, label)


def _bool(_flow: SetupFlow, raw: Any, label: str) -> bool:
    if not isinstance(raw, bool):
        raise BadInput(_("{label}: expected yes or no").format(label=label))
    return raw


_CHECKERS: Mapping[str, Callable[[SetupFlow, Any, str], Any]] = {
    "name": lambda f, r, label: f._check_name(r, label),
    "test_mailbox": lambda _f, r, label: validation.email_address(r, label),
    "ews_url": lambda _f, r, label: validation.ews_url(r, label).url,
    "autodiscover": _bool,
    "username": lambda _f, r, label: validation.service_account(r, label).value,
    "password": lambda f, r, label: f._check_secret("password", r, label),
    "client_secret": lambda f, r, label: f._check_secret("client_secret", r, label),
    "auth": _choice_checker("auth"),
    "tenant_id": lambda _f, r, label: validation.tenant_id(r, label),
    "client_id": lambda _f, r, label: validation.client_id(r, label),
    "authority": lambda _f, r, label: validation.authority_url(r, label),
    "ca_file": lambda _f, r, label: validation.ca_file(r, label),
    "key_file": lambda f, r, label: f._check_key_file(r, label),
    "admin": lambda _f, r, label: validation.email_address(r, label),
    "client_secret_file": lambda f, r, label: f._check_client_file(r, label),
    "api_root": lambda _f, r, label: validation.api_root(r, label),
    "scope_mode": _choice_checker("scope_mode"),
    "scope_group": lambda _f, r, label: validation.group(r, label),
    "group_dn": lambda f, r, label: f._check_dn(r, label),
    "outside_mailbox": lambda f, r, label: f._check_outside(r, label),
    "sp_object_id": lambda _f, r, label: validation.guid(r, label),
    "google_install": _choice_checker("google_install"),
    "credential": _choice_checker("credential"),
    "cloud": _choice_checker("cloud"),
    "certificate": lambda f, r, label: f._check_certificate(r, label),
    "certificate_password": lambda f, r, label: f._check_secret("certificate_password", r, label),
    "graph_url": lambda f, r, label: f._check_root(r, label),
    "marketplace_target": lambda _f, r, label: validation.group(r, label),
}


def describe_error(exc: BaseException) -> str:
    """One plain line for a failure shown inline in the wizard or the check window (no traceback), in the
    window's words (a core message naming `--expect-denied` names the field instead)."""
    from ec_console.diagnoses import surface_text

    if isinstance(exc, ConsoleError):
        return surface_text(exc.message, "gui")
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


__all__ = ["CONNECTION_PAGES", "FIELDS", "PLATFORM_CHOICES", "FieldSpec", "KeySummary", "Page", "Platform",
           "PlatformChoice", "ScopeGuide", "SetupFlow", "TestPlan", "describe_error", "run_application_check",
           "sandbox_values"]
