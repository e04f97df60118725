"""The diagnosis catalog: every code a check can report, with its cause and its fix in plain language.

`diagnose(code, **names)` renders one entry into a `Diagnosis`, filling in the real names the caller
knows (the service account, the mailbox, the scoping group, the app id ...). A name the caller does not
know renders as a readable placeholder such as `<scoping group>`, never an error. The fix is built from
paragraphs, commands (PowerShell or shell lines, one per line) and links; the commands and links also go,
bare, into `Diagnosis.commands` / `Diagnosis.links` for Copy buttons, so they always appear in the text.

Codes are a public contract (DESIGN.md, "Diagnosis codes"): an existing code keeps its meaning. The codes
this project added are listed in `ADDED_CODES` and in docs/diagnoses.md.

Some fixes differ by platform; pass `platform="onprem" | "online" | "google"` to get only the one that
applies. Without it, every variant is shown, each under its heading.

Some words depend on where the fix is read (`SURFACES`): the command line names its flags and environment
variables (`--tenant-id`, `EC_PASSWORD`), a window names its fields ("the "Tenant ID" field"). A template
writes such a phrase as `{@term}` (`SURFACE_WORDS`); `diagnose(..., surface="gui")` renders the window's
words, the default `"cli"` the command line's (which is also what `--json` and stored reports hold).
`for_surface(diagnosis, "gui")` turns an already rendered diagnosis (a stored report's) into the window's
words, and `surface_text(text, "gui")` does the same for any other sentence (a step's detail, a message);
commands are never changed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from ec_console.checks import Diagnosis, Report
from ec_console.i18n import N_, _, current_language

log = logging.getLogger(__name__)

# --- names a caller may pass, and how each reads when it is missing ---------------------------------------

PLACEHOLDERS: dict[str, str] = {
    "service_account": "<service account>",
    "mailbox": "<mailbox>",
    "scope_group": "<scoping group>",
    "group_dn": "<scoping group's distinguished name>",
    "scope_name": "<management scope>",
    "client_id": "<application (client) ID>",
    "sp_object_id": "<enterprise application's object ID>",
    "tenant_id": "<tenant ID>",
    "ews_url": "<EWS URL>",
    "host": "<server>",
    "port": "<port>",
    "domain": "<mail domain>",
    "admin": "<administrator>",
    "user": "<user>",
    "scopes": "<scopes>",
    "project": "<project>",
    "api": "<API>",
    "key_file": "<key file>",
    "key_id": "<key ID>",
    "cert_subject": "<certificate subject>",
    "cert_issuer": "<certificate issuer>",
    "cert_names": "<names in the certificate>",
    "cert_not_before": "<start date>",
    "cert_not_after": "<expiry date>",
    "back_off": "<back-off>",
    "timeout": "<timeout>",
    "proxy": "<proxy>",
    "proxy_source": N_("the system proxy settings"),
    "policy_reason": N_("none given"),
    "auth_methods": "<methods offered>",
    "skew": "<offset>",
    "item_id": "<item>",
    "error": N_("no further details"),
    "message": "<message>",
    "field": "<field>",
    "missing_scopes": "<scopes not delegated>",
    "roles": "<application permissions in the token>",
}
# The words inside the placeholders above, for the translator (`localize()`: "<mailbox>" -> "<Postfach>").
_PLACEHOLDER_WORDS = (
    N_("service account"), N_("mailbox"), N_("scoping group"), N_("scoping group's distinguished name"),
    N_("management scope"), N_("application (client) ID"), N_("enterprise application's object ID"),
    N_("tenant ID"), N_("EWS URL"), N_("server"), N_("port"), N_("mail domain"), N_("administrator"),
    N_("user"), N_("scopes"), N_("project"), N_("API"), N_("key file"), N_("key ID"),
    N_("certificate subject"), N_("certificate issuer"), N_("names in the certificate"), N_("start date"),
    N_("expiry date"), N_("back-off"), N_("timeout"), N_("proxy"), N_("methods offered"), N_("offset"),
    N_("item"), N_("message"), N_("field"), N_("scopes not delegated"),
    N_("application permissions in the token"), N_("numeric client ID of the service account"),
    N_("service account address"),
)
ALIASES = {"app_id": "client_id"}
PLATFORMS = ("onprem", "online", "google", "graph", "marketplace")
_PLATFORM_HEADINGS = {
    "onprem": N_("On-premises Exchange:"),
    "online": N_("Exchange Online:"),
    "google": N_("Google Workspace:"),
    "graph": N_("Exchange Online through Microsoft Graph:"),
    "marketplace": N_("Google Workspace Marketplace app:"),
}
_MAX_VALUE = 300
_NAME_RE = re.compile(r"\{\{|\}\}|\{([a-z_]+)(?::([a-z]+))?\}|\{@([A-Za-z_]+)\}")
_PS_BARE_RE = re.compile(r"^[A-Za-z0-9@._\\/:-]+$")

# --- words that depend on the surface showing the fix -----------------------------------------------------

SURFACES = ("cli", "gui")


def _q(label: str) -> str:
    """A field's label as a window shows it, in quotation marks."""
    return f"\u201c{label}\u201d"


# term -> (command line, window). The window's words name the labels of the setup wizard's fields (where an
# application's settings are entered and edited), or say what to do when no field exists for it.
SURFACE_WORDS: dict[str, tuple[str, str]] = {
    "ca_file": ("--ca-file", N_("the “Extra trusted CA (PEM)” file of the application")),
    "give_ca_file": (N_("give its PEM file with --ca-file"),
                     N_("choose its PEM file in the “Extra trusted CA (PEM)” field of the application's "
                        "settings")),
    "slow_server": (N_("for a slow server raise --timeout"),
                    N_("if the server is only slow, try again at a quieter time")),
    "give_ews_url": (N_("Give the EWS URL directly with --ews-url"),
                     N_("Enter the EWS URL in the “EWS URL” field of the application's settings (and untick "
                        "“Find the EWS URL with autodiscover”)")),
    "password_input": (N_("given in EC_PASSWORD or at the prompt"),
                       N_("in the “Password” field of the application's settings")),
    "use_oauth": (N_("use --tenant-id and --client-id (OAuth)"),
                  N_("add the application as Exchange Online, with its “Tenant ID”, “Application (client) "
                     "ID” "
                     "and “Client secret”")),
    "client_secret_input": (N_("in EC_CLIENT_SECRET or at the prompt"),
                            N_("in the “Client secret” field of the application's settings")),
    "national_clouds": (
        N_("give both: U.S. Government GCC High --authority https://login.microsoftonline.us --ews-url "
           "https://outlook.office365.us/EWS/Exchange.asmx; China (21Vianet) --authority "
           "https://login.chinacloudapi.cn --ews-url https://partner.outlook.cn/EWS/Exchange.asmx"),
        N_("fill in both the “Sign-in authority” and the “EWS URL” fields: U.S. Government GCC High "
           "https://login.microsoftonline.us with https://outlook.office365.us/EWS/Exchange.asmx; China "
           "(21Vianet) https://login.chinacloudapi.cn with https://partner.outlook.cn/EWS/Exchange.asmx")),
    "graph_cloud": (N_("give --cloud usgov (U.S. Government GCC High), usgovdod (DoD) or china (21Vianet)"),
                    N_("choose it in the “Cloud” field of the application's settings")),
    "compare_ids": (N_("compare its Application (client) ID with --client-id and its Directory (tenant) ID "
                       "with --tenant-id"),
                    N_("compare its Application (client) ID and its Directory (tenant) ID with the "
                       "“Application (client) ID” and “Tenant ID” fields of the application's settings")),
    "oauth_endpoints": (N_("--authority, --tenant-id and --ews-url"),
                        N_("that the “Sign-in authority”, “Tenant ID” and “EWS URL” fields")),
    "without_impersonation": (N_("with --no-impersonation"), N_("without impersonation")),
    "Without_impersonation": (N_("With --no-impersonation"), N_("Without impersonation")),
    "each_scope": (N_("each --scope"), N_("each scope the application asks for")),
    "give_admin": (N_("give --admin as"), N_("enter in the “Administrator” field")),
    "run_again": (N_("run the command again; --help lists the accepted forms"), N_("try again")),
}
# Flags, variables and phrases a sentence outside the catalog may name (a step's detail, an input message):
# what a window says instead. The longest phrase is replaced first.
_FLAG_WORDS: dict[str, str] = {
    "--tenant-id": f"the {_q('Tenant ID')} field",
    "--client-id": f"the {_q('Application (client) ID')} field",
    "--ews-url": f"the {_q('EWS URL')} field",
    "--authority": f"the {_q('Sign-in authority')} field",
    "--ca-file": f"the {_q('Extra trusted CA (PEM)')} field",
    "--scope-group": f"the {_q('Scoping group')} field",
    "--admin": f"the {_q('Administrator')} field",
    "--key-file": f"the {_q('Service-account key file')} field",
    "--mailbox": f"the {_q('Mailbox')} field",
    "--user": f"the {_q('Mailbox')} field",
    "--expect-denied": f"the {_q('Must be denied')} field",
    "--username": f"the {_q('Service account')} field",
    "--timeout": "the time limit",
    "--verify-mailbox": "a mailbox to verify with",
    "--domain": "the domain",
    "--certificate": f"the {_q('Certificate (PEM or PFX)')} field",
    "--cloud": f"the {_q('Cloud')} field",
    "--graph-url": f"the {_q('Graph URL')} field",
    "EC_CERT_PASSWORD": f"the {_q('Certificate password')} field",
    "Not requested (--expect-denied).": "Not requested (no mailbox that must be denied was given).",
    "OAuth (--tenant-id, --client-id)": f"OAuth (an Exchange Online application, with its {_q('Tenant ID')} "
                                        f"and {_q('Application (client) ID')})",
    "EC_PASSWORD": f"the {_q('Password')} field",
    "EC_CLIENT_SECRET": f"the {_q('Client secret')} field",
}


def _surface_table() -> list[tuple[re.Pattern[str], str]]:
    pairs = [(cli, gui) for cli, gui in SURFACE_WORDS.values()] + list(_FLAG_WORDS.items())
    pairs.sort(key=lambda pair: -len(pair[0]))
    return [(re.compile(r"(?<![\w-])" + re.escape(cli) + r"(?![\w-])"), gui) for cli, gui in pairs]


_SURFACE_TABLE = _surface_table()


def surface_text(text: str, surface: str = "gui") -> str:
    """`text` (in the command line's words) in the words of `surface`; the command line's text unchanged.

    A replaced phrase that starts a sentence starts with a capital letter.
    """
    if surface == "cli" or not text:
        return text
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {', '.join(SURFACES)}, not {surface!r}")
    for pattern, words in _SURFACE_TABLE:
        def put(match: re.Match[str], words: str = words) -> str:
            before = match.string[:match.start()].rstrip(" ")
            if words.startswith("the ") and re.search(r"(?<![\w-])the$", before, re.I):
                words = words[4:]      # "the --authority": "the “Sign-in authority” field"
            starts = not before or before.endswith((".", "\n", "!", "?"))
            return words[:1].upper() + words[1:] if starts else words
        text = pattern.sub(put, text)
    return text


def for_surface(diagnosis: Diagnosis, surface: str = "gui") -> Diagnosis:
    """A rendered diagnosis (the command line's words, as reports store it) in the words of `surface`.

    Commands and links stay as they are: only the prose around them changes.
    """
    if surface == "cli":
        return diagnosis
    verbatim = {*diagnosis.commands, *diagnosis.links}
    lines = [line if line.strip() in verbatim or line.startswith("    ") else surface_text(line, surface)
             for line in diagnosis.remediation.split("\n")]
    return replace(diagnosis, cause=surface_text(diagnosis.cause, surface), remediation="\n".join(lines))


def report_for_surface(report: Report, surface: str = "gui") -> Report:
    """A report with every step's detail and diagnosis in the words of `surface` (a GUI export's text)."""
    if surface == "cli":
        return report
    steps = tuple(replace(step, detail=surface_text(step.detail, surface),
                          diagnosis=for_surface(step.diagnosis, surface) if step.diagnosis else None)
                  for step in report.steps)
    return replace(report, steps=steps)

# --- building blocks of a remediation ---------------------------------------------------------------------


@dataclass(frozen=True)
class T:
    """A paragraph of text."""

    text: str


@dataclass(frozen=True)
class C:
    """A command, shown on its own line and copied bare."""

    text: str


@dataclass(frozen=True)
class L:
    """A link, shown on its own line and copied bare."""

    text: str


Part = T | C | L


@dataclass(frozen=True)
class Entry:
    code: str
    steps: tuple[str, ...]
    meaning: str
    cause: str
    fix: tuple[Part, ...] = ()
    variants: Mapping[str, tuple[Part, ...]] | None = None   # platform -> parts, after `fix`
    after: tuple[Part, ...] = ()                              # parts after the variants
    placeholders: Mapping[str, str] | None = None             # this entry's own wording of missing names


# --- documentation links used in several entries ----------------------------------------------------------

_MS = "https://learn.microsoft.com/en-us"
LINK_IMPERSONATION = f"{_MS}/exchange/client-developer/exchange-web-services/how-to-configure-impersonation"
LINK_RBAC_APPS = f"{_MS}/exchange/permissions-exo/application-rbac"
LINK_EWS_OAUTH = (f"{_MS}/exchange/client-developer/exchange-web-services/"
                  "how-to-authenticate-an-ews-application-by-using-oauth")
LINK_EWS_ACCESS = (f"{_MS}/exchange/client-developer/exchange-web-services/"
                   "how-to-control-access-to-ews-in-exchange")
LINK_EWS_THROTTLING = f"{_MS}/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange"
LINK_GRAPH_MIGRATION = f"{_MS}/graph/migrate-exchange-web-services-overview"
LINK_AADSTS = f"{_MS}/entra/identity-platform/reference-error-codes"
LINK_CROSS_TENANT_SP = f"{_MS}/entra/identity/enterprise-apps/create-service-principal-cross-tenant"
LINK_DISABLE_SIGN_IN = f"{_MS}/entra/identity/enterprise-apps/disable-user-sign-in-portal"
LINK_CA_WORKLOAD = f"{_MS}/entra/identity/conditional-access/workload-identity"
LINK_NATIONAL_CLOUDS = f"{_MS}/graph/deployments"
LINK_GRAPH_THROTTLING = f"{_MS}/graph/throttling-limits"
LINK_APP_ACCESS_POLICY = f"{_MS}/graph/auth-limit-mailbox-access"
LINK_APP_PERMISSIONS_REVIEW = f"{_MS}/entra/identity/enterprise-apps/manage-application-permissions"
LINK_DWD_HELP = "https://support.google.com/a/answer/162106"
LINK_DWD_CONSOLE = "https://admin.google.com/ac/owl/domainwidedelegation"
LINK_GOOGLE_KEYS = "https://cloud.google.com/iam/docs/keys-create-delete"
LINK_GOOGLE_ADMIN_ROLES = "https://support.google.com/a/answer/2405986"
LINK_GOOGLE_USERS = "https://admin.google.com/ac/users"
LINK_GOOGLE_CALENDAR_SERVICE = "https://support.google.com/a/answer/181865"
LINK_GOOGLE_RESTORE_USER = "https://support.google.com/a/answer/1397578"
LINK_GOOGLE_REAUTH = "https://support.google.com/a/answer/9368756"
LINK_GOOGLE_SERVICE_ACCOUNTS = "https://console.cloud.google.com/iam-admin/serviceaccounts"

# --- recurring fixes --------------------------------------------------------------------------------------

_FIND_DN = C("Get-Group {scope_group:ps} | Format-List Name,DistinguishedName")
_ONPREM_SCOPE_SETUP: tuple[Part, ...] = (
    T(N_("Grant the service account {service_account} the ApplicationImpersonation role, restricted by a "
      "management scope to the members of {scope_group}. The filter needs the group's full distinguished "
      "name, and only direct members count (nested groups are not followed). Find the DN:")),
    _FIND_DN,
    T(N_("Create the scope and the role assignment (Exchange Management Shell):")),
    C("New-ManagementScope -Name {scope_name:ps} -RecipientRestrictionFilter "
      "\"MemberOfGroup -eq '{group_dn:opath}'\""),
    C("New-ManagementRoleAssignment -Name 'Enterprise Connect impersonation' -Role ApplicationImpersonation "
      "-User {service_account:ps} -CustomRecipientWriteScope {scope_name:ps}"),
    T(N_("Verify who holds the role and through which scope:")),
    C("Get-ManagementRoleAssignment -Role ApplicationImpersonation -GetEffectiveUsers"),
    L(LINK_IMPERSONATION),
)
_ONLINE_RBAC_STEPS: tuple[Part, ...] = (
    T(N_("Find the distinguished name of {scope_group}:")),
    _FIND_DN,
    T(N_("Register the app's service principal, create the scope and assign the role:")),
    C("New-ServicePrincipal -AppId {client_id:ps} -ObjectId {sp_object_id:ps} "
      "-DisplayName 'Enterprise Connect'"),
    C("New-ManagementScope -Name {scope_name:ps} -RecipientRestrictionFilter "
      "\"MemberOfGroup -eq '{group_dn:opath}'\""),
    C("New-ManagementRoleAssignment -App {client_id:ps} -Role \"Application EWS.AccessAsApp\" "
      "-CustomResourceScope {scope_name:ps}"),
    T(N_("Prove it for one mailbox (InScope must be True):")),
    C("Test-ServicePrincipalAuthorization -Identity {client_id:ps} -Resource {mailbox:ps}"),
    T(N_("If the app also holds the tenant-wide full_access_as_app permission with admin consent in Entra "
         "ID, "
      "remove that consent: it adds to the scope and makes it meaningless. Changes take 30 minutes to 2 "
      "hours to apply.")),
    L(LINK_RBAC_APPS),
)
_ONLINE_RBAC_SETUP: tuple[Part, ...] = (
    T(N_("ApplicationImpersonation is retired in Exchange Online. Grant the app registration {client_id} "
         "access "
      "with RBAC for Applications, scoped to the members of {scope_group} (Exchange Online PowerShell).")),
    *_ONLINE_RBAC_STEPS,
)
_EWS_SHUTDOWN = T(
    N_("Note that EWS in Exchange Online is being switched off: since October 2026 tenants that did not opt "
       "in "
    "are blocked, and EWS is shut down permanently on 1 April 2027. After that the route to Exchange Online "
    "calendars is Microsoft Graph."))
_GRAPH_PROPAGATION = T(
    N_("Changes to an application's roles, its scope or the group's members take 30 minutes to 2 hours to "
       "reach "
    "Microsoft Graph (Test-ServicePrincipalAuthorization shows them at once): if a change was just made, "
    "check again later."))
_GRAPH_RBAC_STEPS: tuple[Part, ...] = (
    T(N_("Find the distinguished name of {scope_group}:")),
    _FIND_DN,
    T(N_("Register the application's service principal in Exchange Online, create a scope for the group's "
      "members and assign the role (Application Calendars.ReadWrite instead if the application writes "
      "events):")),
    C("New-ServicePrincipal -AppId {client_id:ps} -ObjectId {sp_object_id:ps} "
      "-DisplayName 'Enterprise Connect'"),
    C("New-ManagementScope -Name {scope_name:ps} -RecipientRestrictionFilter "
      "\"MemberOfGroup -eq '{group_dn:opath}'\""),
    C("New-ManagementRoleAssignment -App {client_id:ps} -Role \"Application Calendars.Read\" "
      "-CustomResourceScope {scope_name:ps}"),
    T(N_("Prove it for the mailbox (InScope must be True):")),
    C("Test-ServicePrincipalAuthorization -Identity {client_id:ps} -Resource {mailbox:ps} | Format-Table"),
)
_DWD_FIX: tuple[Part, ...] = (
    T(N_("A super administrator opens the Admin console's domain-wide delegation page with the client ID and "
      "the "
      "scopes filled in, and saves (this overwrites the scopes of client {client_id} with exactly these: "
      "{scopes}):")),
    L("{dwd_link}"),
    T(N_("Changes can take a while to apply (usually minutes, at worst up to 24 hours): check again later.")),
    L(LINK_DWD_HELP),
)
_AD_ACCOUNT_STATE = C("Get-ADUser -Identity {ad_identity} "
                      "-Properties Enabled,LockedOut,PasswordExpired,PasswordLastSet,LastBadPasswordAttempt")

_GOOGLE_NAMES = {"client_id": "<numeric client ID of the service account>",
                 "service_account": "<service account address>"}

# --- the catalog ------------------------------------------------------------------------------------------

_ENTRIES: tuple[Entry, ...] = (
    Entry("dns_unresolved", ("dns",), "host name does not resolve",
          N_("The host name {host} does not resolve to an address from this computer ({error})."),
          (T(N_("Check the spelling of the host name in the EWS URL or the mail domain, then look it up from "
             "this computer:")),
           C("Resolve-DnsName {host:ps}"),
           T(N_("If it resolves on other computers but not here, this computer uses another DNS server (VPN, "
             "split DNS): connect to the company network or VPN, or ask the network team to publish the "
             "name.")))),
    Entry("tcp_unreachable", ("tcp",), "refused / no route",
          N_("Nothing accepted a connection to {host} on port {port} ({error})."),
          (T(N_("Check that the server is running and that no firewall between this computer and {host} "
                "blocks "
             "port {port}:")),
           C("Test-NetConnection {host:ps} -Port {port}"))),
    Entry("tls_untrusted", ("tls",), "certificate not trusted",
          N_("This computer does not trust the certificate of {host} (subject {cert_subject}, issued by "
          "{cert_issuer}): no certificate authority in the operating system's store or in {@ca_file} vouches "
          "for that issuer."),
          (T(N_("If the certificate comes from your organisation's own certificate authority or from a "
             "TLS-inspecting proxy, install that root certificate in the operating system's trusted "
             "store, or "
             "{@give_ca_file}. If the server should have a public certificate, it is "
             "probably not sending its intermediate certificates: install the full chain on the server. Do "
             "not turn certificate checks off. To see the chain the server sends:")),
           C("openssl s_client -connect {host}:{port} -servername {host} -showcerts"))),
    Entry("tls_name_mismatch", ("tls",), "certificate issued for another name",
          N_("The certificate of {host} is issued for {cert_names} (subject {cert_subject}, issued by "
          "{cert_issuer}), not for {host}."),
          (T(N_("Use a host name the certificate covers in the EWS URL, or have the certificate reissued "
                "with "
             "{host} among its subject alternative names. On Exchange Server, list the certificates and "
             "their "
             "names:")),
           C("Get-ExchangeCertificate | Format-List "
             "Thumbprint,Subject,CertificateDomains,NotAfter,Services"))),
    Entry("tls_expired", ("tls",), "certificate expired or not yet valid",
          N_("The certificate of {host} (subject {cert_subject}, issued by {cert_issuer}) is valid from "
          "{cert_not_before} to {cert_not_after}: it has expired or is not valid yet."),
          (T(N_("Renew the certificate and bind the new one to the web server. On Exchange Server:")),
           C("Get-ExchangeCertificate | Format-List Thumbprint,Subject,NotBefore,NotAfter,Services"),
           C("Enable-ExchangeCertificate -Thumbprint <thumbprint of the renewed certificate> -Services IIS"),
           T(N_("If the dates look right, check this computer's clock and time zone.")))),
    Entry("proxy_auth_required", ("tcp", "tls", "authenticate"), "the proxy answered 407",
          N_("The proxy server {proxy} demanded its own sign-in (HTTP 407) before letting the connection to "
          "{host} through. The console took that proxy from {proxy_source}."),
          # Python's urllib (which requests asks) reads the <scheme>_proxy / all_proxy variables, else the
          # Windows registry's Internet Settings or macOS System Configuration: not netsh winhttp, not PAC.
          (T(N_("Ask the network team to let this computer reach {host} without proxy authentication, or "
                "make "
             "the console go around the proxy for {host}: add it to NO_PROXY (a comma-separated list of host "
             "names), or, for a proxy set in the Windows Internet Options, to its exceptions (Connections, "
             "LAN settings, Advanced).")),
           T(N_("The console takes its proxy from the environment variables HTTPS_PROXY / HTTP_PROXY / "
             "ALL_PROXY when any proxy variable is set; otherwise from the current user's Windows Internet "
             "Options (or the macOS network settings). It does not use the WinHTTP proxy (netsh winhttp) "
             "or a proxy auto-config (PAC) script. To see the proxy variables (PowerShell):")),
           C("Get-ChildItem Env: | Where-Object Name -like '*_proxy'"),
           T(N_("To see the Windows Internet Options proxy of the current user:")),
           C("Get-ItemProperty 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings' | "
             "Select-Object ProxyServer,ProxyEnable,ProxyOverride"),
           T(N_("On macOS:")),
           C("scutil --proxy"))),
    Entry("timeout", ("dns", "tcp", "tls", "authenticate", "impersonate", "read_calendar", "write_probe",
                      "restriction", "clock", "token", "delegation", "user"),
          "no answer within --timeout",
          N_("{host} did not answer within {timeout} seconds."),
          (T(N_("The server may be overloaded, or a firewall may be dropping the traffic silently. Try "
             "again; if "
             "it keeps happening, test the path to the server, and {@slow_server}:")),
           C("Test-NetConnection {host:ps} -Port {port}"))),
    Entry("throttled", ("authenticate", "impersonate", "read_calendar", "write_probe", "restriction", "token",
                        "delegation", "user"),
          "the server asks the client to slow down",
          N_("The server is limiting the requests of {service_account} (throttling) and asked to wait "
          "{back_off} "
          "seconds before trying again."),
          (T(N_("Wait {back_off} seconds and run the check again.")),),
          {
              "onprem": (
                  T(N_("Impersonated requests count against the service account's own budget (27 concurrent "
                       "EWS "
                    "connections by default). For a service account an application uses for the whole "
                    "organisation, create a dedicated throttling policy and associate it:")),
                  C("New-ThrottlingPolicy -Name 'Enterprise Connect' -ThrottlingPolicyScope Regular "
                    "-EwsMaxConcurrency 50 -EwsMaxBurst Unlimited -EwsRechargeRate Unlimited "
                    "-EwsCutoffBalance Unlimited"),
                  C("Set-ThrottlingPolicyAssociation -Identity {service_account:ps} "
                    "-ThrottlingPolicy 'Enterprise Connect'"),
                  L(LINK_EWS_THROTTLING),
              ),
              "online": (
                  T(N_("Exchange Online's throttling limits cannot be changed: back off, make fewer calls in "
                    "parallel, and spread bulk work over time.")),
                  L(LINK_EWS_THROTTLING),
              ),
              "graph": (
                  T(N_("Microsoft Graph limits each application per mailbox (10,000 requests in 10 minutes, "
                    "four at a time); the limits cannot be changed: back off, make fewer calls in "
                    "parallel, and spread bulk work over time.")),
                  L(LINK_GRAPH_THROTTLING),
              ),
              "google": (
                  T(N_("Google API quotas apply per project and per user: back off, make fewer calls in "
                    "parallel, and check the quota of the {api} API in project {project}:")),
                  L("{quota_link}"),
              ),
          }),
    Entry("server_error", ("any",), "5xx or an answer that cannot be parsed",
          N_("{host} answered with an error, or with something that is not a valid answer ({error})."),
          (T(N_("The problem is on the server, or in something between (a proxy or load balancer answering "
                "with "
             "its own page). Try again in a few minutes; if it persists, give the server's administrator the "
             "time of the check and this message.")),)),
    Entry("autodiscover_failed", ("resolve_endpoint",), "no autodiscover candidate answered",
          N_("Autodiscover found no EWS endpoint for {mailbox}: none of the candidate addresses for {domain} "
          "answered ({error})."),
          (T(N_("{@give_ews_url}. Exchange Online's is "
             "https://outlook.office365.com/EWS/Exchange.asmx (RBAC for Applications cannot use autodiscover "
             "at all). On-premises, the URL Exchange publishes is shown by:")),
           C("Get-WebServicesVirtualDirectory | Format-List Server,InternalUrl,ExternalUrl"),
           T(N_("and the autodiscover host name must resolve:")),
           C("Resolve-DnsName autodiscover.{domain}"))),
    Entry("auth_failed", ("authenticate",), "the service account's credentials were refused",
          N_("The server refused the credentials of the service account {service_account} (HTTP 401)."),
          (T(N_("Check the user name (DOMAIN\\user or user@domain) and the password {@password_input}; "
             "service-account passwords often expire. In Active Directory:")),
           _AD_ACCOUNT_STATE,
           T(N_("Exchange Online no longer accepts passwords for EWS: {@use_oauth} there.")))),
    Entry("auth_method_unsupported", ("authenticate",), "no usable authentication method offered",
          N_("{ews_url} offers {auth_methods} for EWS; the console needs NTLM, Basic or OAuth."),
          (T(N_("On-premises, turn on Windows (NTLM) authentication for the EWS virtual directory:")),
           C("Get-WebServicesVirtualDirectory | Format-List Server,*Authentication*"),
           C("Set-WebServicesVirtualDirectory -Identity '<Exchange server name>\\EWS (Default Web Site)' "
             "-WindowsAuthentication $true"),
           T(N_("If the server offers only modern authentication (Exchange Online), {@use_oauth}.")))),
    Entry("account_locked", ("authenticate",), "the service account is locked out",
          N_("The service account {service_account} is locked out in Active Directory (too many wrong "
          "passwords)."),
          (T(N_("Unlock it, then find what keeps trying an old password (a service, scheduled task or script "
             "still configured with it):")),
           C("Unlock-ADAccount -Identity {ad_identity}"),
           _AD_ACCOUNT_STATE)),
    Entry("oauth_invalid_client", ("authenticate",), "bad client secret (AADSTS7000215)",
          N_("Microsoft Entra ID refused the client secret of application {client_id} in tenant {tenant_id} "
          "(AADSTS7000215: invalid client secret). Often the secret's ID was given instead of its value."),
          (T(N_("In the app registration, under Certificates & secrets, create a new client secret and give "
                "its "
             "Value (not its Secret ID) {@client_secret_input}:")),
           L("{app_credentials_link}"),
           L(LINK_AADSTS))),
    Entry("oauth_secret_expired", ("authenticate",), "expired client secret (AADSTS7000222)",
          N_("The client secret of application {client_id} has expired (AADSTS7000222)."),
          (T(N_("Create a new client secret for the app registration, give its Value to the console, and "
                "note "
             "the new expiry date. To list the secrets and their end dates (Microsoft Graph PowerShell):")),
           C("Get-MgApplication -Filter \"appId eq '{client_id:odata}'\" | Select-Object -ExpandProperty "
             "PasswordCredentials"),
           L("{app_credentials_link}"),
           L(LINK_AADSTS))),
    Entry("oauth_tenant_not_found", ("authenticate",), "unknown tenant (AADSTS90002)",
          N_("Microsoft Entra ID knows no tenant {tenant_id} at this authority (AADSTS90002)."),
          (T(N_("Check the tenant ID (Entra admin center, Overview: Tenant ID) or use a verified domain of "
                "the "
             "tenant, such as contoso.onmicrosoft.com.")),),
          variants={
              "online": (T(N_("A tenant in a national cloud signs in at that cloud's authority and reads "
                           "that cloud's EWS host, so {@national_clouds}.")),),
              "graph": (T(N_("A tenant in a national cloud signs in at that cloud's authority and reads that "
                          "cloud's Microsoft Graph: {@graph_cloud}.")),),
          },
          after=(L("https://entra.microsoft.com/"),
                 L(LINK_NATIONAL_CLOUDS),
                 L(LINK_AADSTS))),
    Entry("oauth_permission_missing", ("authenticate",), "token without the needed application permission",
          N_("Application {client_id} got a token, but Exchange does not let it use EWS: it holds neither "
             "the "
          "full_access_as_app application permission nor an RBAC for Applications assignment."),
          (T(N_("Either (organisation-wide) give the app registration the Office 365 Exchange Online "
             "application "
             "permission full_access_as_app and grant admin consent; this reaches every mailbox:")),
           L("{app_permissions_link}"),
           T(N_("or (recommended, scoped to a group) use RBAC for Applications:")),
           *_ONLINE_RBAC_STEPS,
           L(LINK_EWS_OAUTH))),
    Entry("oauth_app_not_found", ("authenticate",), "application not found in the tenant (AADSTS700016)",
          N_("Microsoft Entra ID found no application {client_id} in tenant {tenant_id} (AADSTS700016): the "
          "client ID or the tenant is wrong, or the app is registered in another tenant and was never added "
          "to this one."),
          (T(N_("In the Microsoft Entra admin center (Identity > Applications > App registrations), open the "
             "app and {@compare_ids}.")),
           L("https://entra.microsoft.com/"),
           T(N_("If the app is a multitenant app registered in another tenant, an administrator of this "
                "tenant "
             "adds it (Microsoft Graph PowerShell):")),
           C('Connect-MgGraph -Scopes "Application.ReadWrite.All"'),
           C("New-MgServicePrincipal -AppId {client_id:ps}"),
           L(LINK_CROSS_TENANT_SP),
           L(LINK_AADSTS))),
    Entry("oauth_app_disabled", ("authenticate",), "application disabled (AADSTS7000112)",
          N_("Application {client_id} is disabled in tenant {tenant_id} (AADSTS7000112): sign-in is turned "
             "off "
          "for its enterprise application, so Microsoft Entra ID issues it no token."),
          (T(N_("In the Microsoft Entra admin center (Identity > Applications > Enterprise applications > "
                "All "
             "applications), open the app, select Properties and set Enabled for users to sign-in? to Yes. "
             "Or with Microsoft Graph PowerShell:")),
           C('Connect-MgGraph -Scopes "Application.ReadWrite.All"'),
           C("$sp = Get-MgServicePrincipal -Filter \"appId eq '{client_id:odata}'\""),
           C("Update-MgServicePrincipal -ServicePrincipalId $sp.Id -AccountEnabled:$true"),
           L(LINK_DISABLE_SIGN_IN),
           L(LINK_AADSTS))),
    Entry("oauth_no_service_principal", ("authenticate",),
          "application without a service principal in the tenant (AADSTS7000229)",
          N_("Application {client_id} has no service principal (enterprise application) in tenant "
             "{tenant_id} "
          "(AADSTS7000229): a multitenant app registered elsewhere that this tenant never added."),
          (T(N_("An administrator of this tenant adds the app (Microsoft Graph PowerShell):")),
           C('Connect-MgGraph -Scopes "Application.ReadWrite.All"'),
           C("New-MgServicePrincipal -AppId {client_id:ps}"),),
          variants={
              "online": (T(N_("Then grant it the EWS permission or the RBAC for Applications assignment.")),),
              "graph": (T(N_("Then give it its RBAC for Applications role, scoped to {scope_group} (Exchange "
                          "Online PowerShell; the object ID is the new service principal's):")),
                        *_GRAPH_RBAC_STEPS,
                        _GRAPH_PROPAGATION),
          },
          after=(L(LINK_CROSS_TENANT_SP),
                 L(LINK_AADSTS))),
    Entry("oauth_certificate_unknown", ("authenticate",),
          "certificate not registered on the app (AADSTS700027)",
          N_("Microsoft Entra ID does not know the certificate that signed application {client_id}'s request "
          "(AADSTS700027): it is not (or no longer) uploaded to the app registration."),
          (T(N_("In the app registration, under Certificates & secrets, upload the certificate's public part "
             "(.cer) and compare its thumbprint with the one used:")),
           L("{app_credentials_link}"),
           L(LINK_AADSTS))),
    Entry("oauth_conditional_access", ("authenticate",), "blocked by Conditional Access (AADSTS53003)",
          N_("A Conditional Access policy for workload identities blocked the token request of application "
          "{client_id} (AADSTS53003), for example because this computer's address is outside the allowed "
          "locations."),
          (T(N_("In the Microsoft Entra admin center, open Sign-in logs > Service principal sign-ins, select "
             "the failed sign-in and its Conditional Access tab to see which policy blocked it; then run the "
             "check from an allowed location or have the policy's owner exclude the address or the app.")),
           L("https://entra.microsoft.com/"),
           L(LINK_CA_WORKLOAD),
           L(LINK_AADSTS))),
    Entry("oauth_request_refused", ("authenticate",), "token request refused for another reason",
          N_("Microsoft Entra ID refused application {client_id}'s token request with a code the console "
             "does "
          "not interpret ({error})."),
          (T(N_("Look the AADSTS number up on Microsoft's error page (add ?code=<number> to the address), "
                "and "
             "fix the app registration or the request as it says:")),
           L("https://login.microsoftonline.com/error"),
           L(LINK_AADSTS))),
    Entry("oauth_token_rejected", ("authenticate", "impersonate"),
          "token refused by Exchange, not for a missing permission",
          N_("Exchange at {host} refused application {client_id}'s token with HTTP 401 for a reason other "
             "than "
          "a missing permission ({error})."),
          (T(N_("Exchange's reason is quoted above (its x-ms-diagnostics header). The token must be issued "
                "by "
             "the authority of the cloud the EWS host belongs to, for the tenant that holds the mailbox, and "
             "for that EWS host: check {@oauth_endpoints} belong together (worldwide: "
             "https://login.microsoftonline.com with outlook.office365.com; U.S. Government GCC High: "
             "https://login.microsoftonline.us with outlook.office365.us; China: "
             "https://login.chinacloudapi.cn with partner.outlook.cn).")),
           L(LINK_NATIONAL_CLOUDS),
           L(LINK_EWS_OAUTH))),
    Entry("ews_blocked", ("authenticate", "impersonate"),
          "HTTP 403 with X-EWS-Policy-Reason: EWS disabled for org or mailbox, or app blocked by policy",
          N_("Exchange answered HTTP 403 Forbidden at {ews_url} and named an EWS access policy in its "
          "X-EWS-Policy-Reason header (\"{policy_reason}\"): either EWS is turned off (EwsEnabled) for the "
          "organisation or for {mailbox}, or an EWS application access policy blocks application {client_id} "
          "(the EwsAllowedAppIDs allow list, or a User-Agent allow or block list; the header does not say "
          "which)."),
          (),
          # Microsoft's "Control access to EWS in Exchange" (LINK_EWS_ACCESS): the checks and the documented
          # form of each setting.
          {"onprem": (T(N_("Check and turn on EWS for the organisation:")),
                      C("Get-OrganizationConfig | Format-List Ews*"),
                      C("Set-OrganizationConfig -EwsEnabled $true")),
           # Exchange Online: EwsAllowedAppIDs is one comma-separated string that Set-OrganizationConfig
           # replaces whole, shown only with -RetrieveEwsOperationAccessPolicy; with EwsEnabled $true only
           # listed applications may use EWS, so the list is written first (PLATFORM_NOTES.md).
           "online": (T(N_("With EWS enabled for the organisation, only the applications on its EWS allow "
                        "list (EwsAllowedAppIDs) may use EWS. The list is one comma-separated string, and "
                        "Set-OrganizationConfig replaces all of it: first read it (it only shows with "
                        "-RetrieveEwsOperationAccessPolicy):")),
                      C("Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy | Format-List Ews*"),
                      T(N_("Then write it back with application {client_id} added, keeping every ID already "
                           "on "
                        "it:")),
                      C("$ids = @((Get-OrganizationConfig -RetrieveEwsOperationAccessPolicy)"
                        ".EwsAllowedAppIDs -split ',' | ForEach-Object {{ $_.Trim() }} | "
                        "Where-Object {{ $_ }})"),
                      C("if ($ids -notcontains {client_id:psq}) {{ Set-OrganizationConfig -EwsAllowedAppIDs "
                        "(($ids + {client_id:psq}) -join ',') }}"),
                      T(N_("Only then turn on EWS for the organisation (turned on before the list is "
                           "complete, "
                        "it cuts off every EWS application not on the list, the Teams calendar included). "
                        "Changes to the allow list can take up to 24 hours to apply.")),
                      C("Set-OrganizationConfig -EwsEnabled $true"))},
          (T(N_("Then for the mailbox (in Exchange Online, since April 2025, both the organisation and the "
             "mailbox must allow EWS):")),
           C("Get-CASMailbox {mailbox:ps} | Format-List Ews*"),
           C("Set-CASMailbox {mailbox:ps} -EwsEnabled $true"),
           _EWS_SHUTDOWN,
           L(LINK_EWS_ACCESS),
           L(LINK_GRAPH_MIGRATION))),
    Entry("ews_forbidden", ("authenticate", "impersonate", "read_calendar"),
          "HTTP 403 without a stated cause",
          N_("Exchange, or something in front of it, answered HTTP 403 Forbidden at {ews_url} without saying "
          "why: the answer has no X-EWS-Policy-Reason header, so it is not shown to be one of Exchange's EWS "
          "access policies. A reverse proxy, a web application firewall or the web server's own rules can "
          "refuse with 403 too."),
          (T(N_("Find what refused the request: the logs of any reverse proxy or firewall in front of "
                "{host}, "
             "and the web server's logs for the EWS virtual directory. The EWS switches can be ruled out "
             "with:")),
           C("Get-OrganizationConfig | Format-List Ews*"),
           C("Get-CASMailbox {mailbox:ps} | Format-List Ews*"),
           L(LINK_EWS_ACCESS))),
    # MC1227454 / Microsoft's EWS retirement plan (PLATFORM_NOTES.md): from 1 October 2026 EWS in Exchange
    # Online is blocked tenant by tenant unless the organisation turned it on (EWSEnabled $true) and listed
    # the application (EwsAllowedAppIDs); on 1 April 2027 it is switched off for everyone, with no exceptions.
    Entry("ews_retiring", ("read_calendar",),
          "a passing EWS check against Exchange Online: EWS there is being switched off",
          N_("The calendar of {mailbox} was read through EWS in Exchange Online ({host}), which Microsoft is "
          "switching off: since 1 October 2026 it is blocked tenant by tenant unless the organisation has "
          "turned EWS on and put the application on its EWS allow list (EwsAllowedAppIDs), and on 1 April "
          "2027 it is switched off for every organisation, with no exceptions. This application stops "
          "working then at the latest."),
          (T(N_("Plan the move to Microsoft Graph before then: an app registration in Microsoft Entra ID "
                "with "
             "application (app-only) access to calendars, scoped to the members of {scope_group} with RBAC "
             "for Applications in Exchange Online — not a tenant-wide Calendars permission with admin "
             "consent, which no scope restricts.")),
           L(LINK_GRAPH_MIGRATION),
           L(LINK_RBAC_APPS)),
          placeholders={"scope_group": "the group of mailboxes it may reach"}),
    Entry("impersonation_denied", ("impersonate",), "ErrorImpersonateUserDenied: target outside the scope",
          N_("The service account may not act as {mailbox} (ErrorImpersonateUserDenied): the mailbox is "
             "outside "
          "the account's scope, or the account holds no impersonation role at all."),
          (T(N_("If {mailbox} should be reachable, make it a direct member of {scope_group} (nested groups "
             "do not "
             "count):")),
           C("Add-DistributionGroupMember -Identity {scope_group:ps} -Member {mailbox:ps}"),
           T(N_("If the role itself is missing, set it up as follows.")),),
          {"onprem": _ONPREM_SCOPE_SETUP, "online": _ONLINE_RBAC_SETUP}),
    Entry("impersonation_right_missing", ("impersonate",), "ErrorImpersonationDenied",
          N_("The service account {service_account} holds no impersonation right on the Exchange server "
          "(ErrorImpersonationDenied)."),
          (), {"onprem": _ONPREM_SCOPE_SETUP, "online": _ONLINE_RBAC_SETUP}),
    Entry("impersonation_header_required", ("impersonate",), "ErrorInvalidExchangeImpersonationHeaderData",
          N_("Exchange rejected the request's impersonation header for {mailbox} "
          "(ErrorInvalidExchangeImpersonationHeaderData). An app-only OAuth token must name the mailbox it "
          "acts for."),
          (T(N_("Check that {mailbox} is a valid primary SMTP address of a mailbox (not an alias or a "
             "contact):")),
           C("Get-Recipient {mailbox:ps} | Format-List RecipientTypeDetails,PrimarySmtpAddress"),
           T(N_("If it is, this is a fault in the console: report it with the check's JSON output.")))),
    Entry("mailbox_not_found", ("impersonate",), "ErrorNonExistentMailbox",
          N_("Exchange has no mailbox {mailbox} (ErrorNonExistentMailbox)."),
          (T(N_("Check the spelling and use the mailbox's primary SMTP address; a mailbox that was just "
                "created "
             "can take a while to appear:")),
           C("Get-Recipient {mailbox:ps} | Format-List RecipientTypeDetails,PrimarySmtpAddress"))),
    Entry("folder_access_denied", ("impersonate", "read_calendar"), "ErrorAccessDenied / ErrorFolderNotFound",
          N_("The calendar of {mailbox} cannot be opened with the service account's rights "
          "(ErrorAccessDenied or "
          "ErrorFolderNotFound)."),
          (T(N_("With impersonation this means the role does not cover the mailbox; {@without_impersonation} "
             "the service account needs folder permission on the calendar:")),
           C("Get-MailboxFolderPermission -Identity \"{mailbox:psdq}:\\Calendar\""),
           C("Add-MailboxFolderPermission -Identity \"{mailbox:psdq}:\\Calendar\" -User {service_account:ps} "
             "-AccessRights Reviewer"))),
    Entry("write_denied", ("write_probe",), "ErrorCreateItemAccessDenied",
          N_("The service account could read the calendar of {mailbox} but may not create items in it "
          "(ErrorCreateItemAccessDenied)."),
          (T(N_("The application needs write access only if it creates events. {@Without_impersonation} give "
             "the service account Editor rights on the calendar; with impersonation the role allows writing, "
             "so check for a retention or litigation hold, or a read-only mailbox:")),
           C("Add-MailboxFolderPermission -Identity \"{mailbox:psdq}:\\Calendar\" -User {service_account:ps} "
             "-AccessRights Editor"))),
    Entry("write_leftover", ("write_probe",), "the test item could not be deleted",
          N_("The test item {item_id} created in the calendar of {mailbox} could not be deleted ({error})."),
          (T(N_("Delete the item named 'Enterprise Connect test' in the calendar of {mailbox} by hand (it "
             "has no "
             "attendees and sent no invitation). If deleting fails again, check for a retention or "
             "litigation hold on the mailbox:")),
           C("Get-Mailbox {mailbox:ps} | Format-List "
             "LitigationHoldEnabled,RetentionHoldEnabled,InPlaceHolds"))),
    Entry("scope_not_enforced", ("restriction",), "a mailbox meant to be outside the scope is reachable",
          N_("{mailbox} is meant to be outside the scope, yet the service account can open its calendar: the "
          "restriction does not hold."),
          (T(N_("Find what grants the access to {mailbox}.")),),
          {
              "onprem": (
                  T(N_("Check that the mailbox is not a direct member of {scope_group}, then look for any "
                    "other, "
                    "unscoped grant:")),
                  C("Get-DistributionGroupMember {scope_group:ps}"),
                  C("Get-ManagementRoleAssignment -Role ApplicationImpersonation -GetEffectiveUsers"),
                  T(N_("Every ApplicationImpersonation assignment must use the scope "
                    "(CustomRecipientWriteScope); remove any unscoped one with "
                    "Remove-ManagementRoleAssignment.")),
              ),
              "online": (
                  T(N_("Check that the mailbox is not a direct member of {scope_group} and what RBAC for "
                    "Applications says about it:")),
                  C("Get-DistributionGroupMember {scope_group:ps}"),
                  C("Test-ServicePrincipalAuthorization -Identity {client_id:ps} -Resource {mailbox:ps}"),
                  T(N_("If this says InScope False yet access works, the app holds the tenant-wide "
                    "full_access_as_app permission with admin consent in Entra ID: remove that permission "
                    "and "
                    "consent, or the RBAC scope means nothing. Changes take 30 minutes to 2 hours.")),
                  L("{app_permissions_link}"),
                  L(LINK_RBAC_APPS),
              ),
              "graph": (
                  T(N_("Check that the mailbox is not a direct member of {scope_group} and what RBAC for "
                    "Applications says about it:")),
                  C("Get-DistributionGroupMember {scope_group:ps}"),
                  C("Test-ServicePrincipalAuthorization -Identity {client_id:ps} -Resource {mailbox:ps} | "
                    "Format-Table"),
                  T(N_("If this says InScope False yet access works, the application holds a tenant-wide "
                    "Calendars permission with admin consent in Microsoft Entra ID (the sign-in step names "
                    "it): remove that permission and its consent, or the RBAC scope means nothing. A legacy "
                    "Application Access Policy can be checked with Test-ApplicationAccessPolicy.")),
                  C("Test-ApplicationAccessPolicy -Identity {mailbox:ps} -AppId {client_id:ps}"),
                  _GRAPH_PROPAGATION,
                  L("{app_permissions_link}"),
                  L(LINK_RBAC_APPS),
              ),
              "google": (
                  T(N_("Domain-wide delegation cannot be limited to a group or organisational unit: a "
                       "delegated "
                    "client reaches every user of the domain. Only a Marketplace app installed for a group "
                    "or OU is limited; otherwise the console's own profile list is the control.")),
              ),
              # https://support.google.com/a/answer/172931 (Apps list > the app > View organizational units
              # and groups; On / Off per unit or group, Override; changes take up to 24 hours)
              "marketplace": (
                  T(N_("A Marketplace app reaches every account of the organisational units and groups it is "
                    "turned on for, and only those. {mailbox} is in one of them but outside the scope you "
                    "intend: turn the app off for that unit or group, or move the account out of it (Admin "
                    "console > Apps > Google Workspace Marketplace apps > Apps list > the app > View "
                    "organizational units and groups). For a unit, Override keeps your setting when its "
                    "parent's changes. Changes can take up to 24 hours.")),
                  L("https://support.google.com/a/answer/172931"),
              ),
          }),
    # Microsoft Graph (the graph provider): 403 ErrorAccessDenied on a mailbox's calendar, outside the RBAC
    # for Applications scope or with no role (GRAPH_NOTES.md section 3; learn.microsoft.com
    # exchange/permissions-exo/application-rbac).
    Entry("mailbox_access_denied", ("mailbox", "read_calendar", "write_probe"),
          "403 ErrorAccessDenied: outside the RBAC for Applications scope, or no role",
          N_("Microsoft Graph refused application {client_id} access to the calendar of {mailbox} (403 "
          "ErrorAccessDenied): the mailbox is outside the application's RBAC for Applications scope, or the "
          "application holds no role that lets it use calendars."),
          (T(N_("If {mailbox} should be reachable, make it a direct member of {scope_group} (nested groups "
                "do "
             "not count):")),
           C("Add-DistributionGroupMember -Identity {scope_group:ps} -Member {mailbox:ps}"),
           T(N_("If the application holds no role yet, set it up (Exchange Online PowerShell).")),
           *_GRAPH_RBAC_STEPS,
           _GRAPH_PROPAGATION,
           L(LINK_RBAC_APPS))),
    # 403 ErrorAccessDenied whose message is "Access to OData is disabled: [RAOP] : Blocked by tenant
    # configured AppOnly AccessPolicy settings." (GRAPH_NOTES.md section 3; learn.microsoft.com
    # graph/auth-limit-mailbox-access). The message is the only sign Graph gives of a legacy policy.
    Entry("access_policy_denied", ("mailbox", "read_calendar", "write_probe"),
          "403 \"Access to OData is disabled\": a legacy Application Access Policy",
          N_("An Application Access Policy in Exchange Online keeps application {client_id} from the mailbox "
          "{mailbox} (403 ErrorAccessDenied: \"Access to OData is disabled\")."),
          (T(N_("Application Access Policies are the legacy way to restrict an application; Microsoft "
                "replaces "
             "them with RBAC for Applications. See what the policies decide for this mailbox "
             "(AccessCheckResult says Granted or Denied), and list them:")),
           C("Test-ApplicationAccessPolicy -Identity {mailbox:ps} -AppId {client_id:ps}"),
           C("Get-ApplicationAccessPolicy"),
           T(N_("If {mailbox} should be reachable, add it to the policy's group ({scope_group}); a "
                "DenyAccess "
             "policy wins over a RestrictAccess one. Changes to a policy can take more than an hour to "
             "apply. Better, restrict the application with RBAC for Applications instead:")),
           *_GRAPH_RBAC_STEPS,
           L(LINK_APP_ACCESS_POLICY),
           L(LINK_RBAC_APPS))),
    # 404 MailboxNotEnabledForRESTAPI: "The mailbox is either inactive, soft-deleted, or is hosted
    # on-premise."
    # (GRAPH_NOTES.md section 3).
    Entry("mailbox_not_enabled", ("mailbox", "read_calendar"),
          "MailboxNotEnabledForRESTAPI: no Exchange Online mailbox",
          N_("{mailbox} has no mailbox in Exchange Online that Microsoft Graph can reach "
          "(MailboxNotEnabledForRESTAPI): the user has no Exchange Online licence, the mailbox is inactive "
          "or soft-deleted, or it is still on-premises."),
          (T(N_("See what Exchange Online knows of the address (Exchange Online PowerShell): a UserMailbox "
                "can "
             "be reached; a MailUser is usually a mailbox still on-premises, which Microsoft Graph cannot "
             "reach:")),
           C("Get-Recipient {mailbox:ps} | Format-List RecipientTypeDetails,PrimarySmtpAddress"),
           T(N_("Give the user a licence that includes Exchange Online, or move the mailbox to Exchange "
                "Online. "
             "A mailbox that was just licensed can take a while to be created.")))),
    # The token's `roles` claim holds Calendars.* (GRAPH_NOTES.md section 1, "Reading roles"): an Entra
    # application permission with admin consent, which RBAC for Applications adds to and never narrows
    # (learn.microsoft.com graph/auth-limit-mailbox-access).
    Entry("tenant_wide_grant", ("authenticate",),
          "a tenant-wide Calendars.* application permission: RBAC scopes do not restrict it",
          N_("Application {client_id} holds the tenant-wide application permission {roles} with admin "
             "consent "
          "in Microsoft Entra ID: it reaches the calendar of every mailbox in the organisation, and no RBAC "
          "for Applications scope restricts it."),
          (T(N_("RBAC for Applications adds to Entra permissions; it never narrows them. In the Microsoft "
                "Entra "
             "admin center, open the app registration's API permissions and remove the Calendars "
             "permission (or revoke its admin consent), and keep only the scoped role in Exchange Online:")),
           L("{app_permissions_link}"),
           L(LINK_APP_PERMISSIONS_REVIEW),
           T(N_("Then make sure the scoped role covers {mailbox} (InScope must be True):")),
           C("Test-ServicePrincipalAuthorization -Identity {client_id:ps} -Resource {mailbox:ps} | "
             "Format-Table"),
           T(N_("Tokens already issued keep the permission until they expire (about an hour), and the change "
             "takes 30 minutes to 2 hours to reach Exchange Online.")),
           L(LINK_RBAC_APPS)),
          placeholders={"roles": "Calendars"}),
    Entry("key_malformed", ("key",), "not a usable service-account key file",
          N_("The key file {key_file} is not a usable service-account key: {error}."),
          (T(N_("Download a new JSON key for the service account {service_account} (Google Cloud console, "
                "IAM & "
             "Admin, Service accounts, Keys, Add key, JSON). An OAuth client file (client_secret_....json) "
             "is not a service-account key.")),
           L(LINK_GOOGLE_SERVICE_ACCOUNTS),
           L(LINK_GOOGLE_KEYS))),
    Entry("key_invalid_signature", ("token", "delegation"), "key deleted or rotated",
          N_("Google rejected the signature of key {key_id} of {service_account} (invalid JWT signature): "
          "the key "
          "was deleted or rotated."),
          (T(N_("Create a new key for the service account, give the console the new file, and delete old "
                "keys "
             "nobody uses. List the account's keys:")),
           C("gcloud iam service-accounts keys list --iam-account={service_account}"),
           L(LINK_GOOGLE_KEYS))),
    Entry("service_account_not_found", ("token", "delegation"), "service account deleted or disabled",
          N_("Google does not know the service account {service_account}, or it is disabled (account not "
          "found)."),
          (T(N_("Check the account in project {project}; re-enable it, or undelete it within 30 days of "
             "deletion:")),
           C("gcloud iam service-accounts describe {service_account}"),
           C("gcloud iam service-accounts enable {service_account}"),
           L(LINK_GOOGLE_SERVICE_ACCOUNTS))),
    Entry("clock_skew", ("clock", "token", "delegation"), "local clock too far off",
          N_("This computer's clock is {skew} seconds off the token server's, so the tokens it signs look "
          "expired or not valid yet."),
          (T(N_("Set the clock right (turn on automatic time synchronisation), then check again. On "
                "Windows:")),
           C("w32tm /resync"))),
    Entry("dwd_unauthorized", ("delegation",), "client not delegated for any scope",
          N_("Client {client_id} of {service_account} is not allowed domain-wide delegation for any of the "
          "requested scopes ({scopes}): Google answered unauthorized_client for every one."),
          _DWD_FIX),
    Entry("scope_not_authorized", ("delegation",), "some scopes not delegated",
          N_("Client {client_id} is delegated, but not for these scopes: {missing_scopes}."),
          _DWD_FIX),
    Entry("scope_unknown", ("token", "delegation"), "Google does not know the scope",
          N_("Google does not recognise the scope {scopes} (invalid_scope): it is misspelt or not a Google "
          "OAuth scope."),
          (T(N_("Check {@each_scope} against Google's list of OAuth 2.0 scopes; a scope is a URL such as "
             "https://www.googleapis.com/auth/calendar:")),
           L("https://developers.google.com/identity/protocols/oauth2/scopes"))),
    Entry("user_not_found", ("delegation", "user"), "subject unknown",
          N_("Google Workspace has no user {user} (Invalid email or User ID)."),
          (T(N_("Check the spelling and use the user's primary address in the domain; aliases and group "
             "addresses cannot be used. Users:")),
           L(LINK_GOOGLE_USERS))),
    Entry("user_deleted", ("delegation", "user"), "subject recently deleted",
          N_("The user {user} has been deleted."),
          (T(N_("An administrator can restore a user within 20 days of deletion (Admin console, Users, "
                "Recently "
             "deleted).")),
           L(LINK_GOOGLE_RESTORE_USER))),
    Entry("user_suspended", ("user",), "Directory says suspended",
          N_("The user {user} is suspended ({error})."),
          (T(N_("An administrator can reactivate the user in the Admin console (Users, the user, "
                "Reactivate); "
             "while suspended, the calendar cannot be reached.")),
           L(LINK_GOOGLE_USERS))),
    Entry("api_disabled", ("user", "read_calendar"), "API disabled in the project",
          N_("The {api} API is not enabled in Google Cloud project {project} (accessNotConfigured)."),
          (T(N_("Enable it for the project, wait a few minutes, and check again:")),
           L("{api_link}"),
           C("gcloud services enable {api_service} --project={project}"))),
    Entry("not_admin", ("user", "admin sign-in"), "subject or signer is not an administrator",
          N_("{admin} is not a Google Workspace administrator allowed to read the directory (Directory "
             "answered "
          "forbidden)."),
          (T(N_("Only a super administrator can grant organisation-wide access to calendars. Sign in with, "
                "or "
             "{@give_admin}, a super administrator's address; see who holds the role in the Admin console "
             "(Account, Admin roles, Super Admin).")),
           L(LINK_GOOGLE_ADMIN_ROLES))),
    Entry("outside_install", ("probe",), "the user is outside the Marketplace install (added)",
          N_("{user} is not in {scope_group}, the organisational unit or group the Marketplace app is "
             "installed "
          "for: the app cannot reach this user's calendar."),
          (T(N_("This account is the profile's problem, not the application's. Move the user into "
             "{scope_group} (Admin console, Directory, Users), or make the app available to their unit or "
             "group (Admin console, Apps, Google Workspace Marketplace apps, Apps list, the app, User "
             "access); changes can take up to 24 hours. Otherwise revoke this profile.")),
           L(LINK_GOOGLE_USERS),
           L("https://support.google.com/a/answer/172931"))),
    Entry("calendar_not_enabled", ("read_calendar",), "notACalendarUser",
          N_("The user {user} has no Google Calendar (notACalendarUser): the Calendar service is off for "
             "them."),
          (T(N_("Turn Google Calendar on for the user's organisational unit or group (Admin console, Apps, "
             "Google "
             "Workspace, Calendar, Service status), or check that the user has a licence that includes it.")),
           L(LINK_GOOGLE_CALENDAR_SERVICE))),
    Entry("reauth_required", ("admin sign-in",), "rapt_required / invalid_rapt",
          N_("Google asks {admin} to sign in again (reauthentication policy: rapt_required)."),
          (T(N_("Sign in again in the browser window. If this repeats, the organisation's Google Cloud "
                "session "
             "control requires frequent reauthentication for this app; an administrator can exempt trusted "
             "apps or lengthen the session.")),
           L(LINK_GOOGLE_REAUTH))),
    Entry("plain_http", ("tls",), "plain http to a host that is not this computer",
          N_("{ews_url} uses plain http: the service account's sign-in and the calendar data travel "
             "unencrypted "
          "between this computer and {host}."),
          (T(N_("Use the https address of the EWS endpoint (normally https://{host}/EWS/Exchange.asmx).")),)),
    Entry("bad_input", ("before any step",), "input refused before any step ran",
          "{message}",
          (T(N_("Correct {field} and {@run_again}.")),)),
    Entry("unexpected_error", ("any",), "a problem the check did not expect",
          N_("The check stopped on an unexpected problem ({error})."),
          (T(N_("Run the check again. If it happens again, send the log file (the console's log folder) and "
                "the "
             "check's JSON output to support; they contain no password or secret.")),)),
)

_GOOGLE_CODES = frozenset({"key_malformed", "key_invalid_signature", "service_account_not_found",
                           "dwd_unauthorized", "scope_not_authorized"})
CATALOG: dict[str, Entry] = {
    e.code: replace(e, placeholders=_GOOGLE_NAMES) if e.code in _GOOGLE_CODES else e for e in _ENTRIES
}
ADDED_CODES = ("write_leftover", "plain_http", "bad_input", "unexpected_error", "scope_unknown",
               "ews_forbidden", "oauth_request_refused", "oauth_token_rejected", "outside_install",
               "ews_retiring")
DEFAULT_GOOGLE_SCOPES = (
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
)
_DERIVED = ("dwd_link", "api_link", "quota_link", "app_credentials_link", "app_permissions_link",
            "ad_identity", "api_service")


def codes() -> list[str]:
    """Every code in the catalog, in catalog order."""
    return list(CATALOG)


# --- rendering --------------------------------------------------------------------------------------------


def _clean(value: Any) -> str:
    """A caller's value as one readable line: lists joined, control characters dropped, length bounded."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        text = ", ".join(_clean(v) for v in items)
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _ps(value: str) -> str:
    """A PowerShell argument: bare when it is safe, else a single-quoted literal."""
    return value if _PS_BARE_RE.match(value) else "'" + value.replace("'", "''") + "'"


def _psdq(value: str) -> str:
    """Text inside a double-quoted PowerShell string: escape what PowerShell would expand."""
    return re.sub(r'([`$"])', r"`\1", value)


def _opath(value: str) -> str:
    """A value inside '...' of an OPATH filter that itself sits inside a double-quoted PowerShell string."""
    return _psdq(value.replace("'", "''"))


def _odata(value: str) -> str:
    return _psdq(value.replace("'", "''"))


_FORMATS: dict[str, Callable[[str], str]] = {
    "ps": _ps, "psq": lambda v: "'" + v.replace("'", "''") + "'", "psdq": _psdq, "opath": _opath,
    "odata": _odata,
}


def _fill(template: str, values: Mapping[str, str], placeholders: Mapping[str, str],
          surface: str = "cli") -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(3) is not None:  # `{@term}`: words that depend on the surface
            return SURFACE_WORDS[match.group(3)][SURFACES.index(surface)]
        if match.group(1) is None:  # `{{` or `}}`: a literal brace (PowerShell hash tables)
            return match.group(0)[0]
        name, fmt = match.group(1), match.group(2)
        value = values.get(name)
        if value is None:
            return placeholders.get(name, f"<{name.replace('_', ' ')}>")
        return _FORMATS[fmt](value) if fmt else value

    return _NAME_RE.sub(replace, template)


def _derive(values: dict[str, str], raw: Mapping[str, Any]) -> None:
    """Names computed from the caller's names: prefilled links, the AD identity, missing scopes."""
    client_id = values.get("client_id")
    scopes = raw.get("scopes")
    scope_list = [_clean(s) for s in scopes] if isinstance(scopes, (list, tuple)) else (
        [s.strip() for s in values["scopes"].split(",") if s.strip()] if "scopes" in values else [])
    if client_id and client_id.isdigit():
        query = {"clientScopeToAdd": ",".join(scope_list or DEFAULT_GOOGLE_SCOPES),
                 "clientIdToAdd": client_id, "overwriteClientId": "true"}
        values["dwd_link"] = f"{LINK_DWD_CONSOLE}?{urlencode(query, quote_via=quote, safe='')}"
    else:
        values["dwd_link"] = LINK_DWD_CONSOLE
    api, project = values.get("api"), values.get("project")
    api_host = quote(_api_service(api), safe="") if api else None
    project_query = f"?project={quote(project, safe='')}" if project else ""
    values["api_link"] = (f"https://console.developers.google.com/apis/api/{api_host}/overview{project_query}"
                          if api_host else "https://console.cloud.google.com/apis/library")
    values["quota_link"] = (f"https://console.cloud.google.com/apis/api/{api_host}/quotas{project_query}"
                            if api_host else "https://console.cloud.google.com/iam-admin/quotas")
    portal = "https://portal.azure.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~"
    app = quote(client_id, safe="") if client_id else None
    values["app_credentials_link"] = f"{portal}/Credentials/appId/{app}" if app else "https://entra.microsoft.com/"
    values["app_permissions_link"] = f"{portal}/CallAnAPI/appId/{app}" if app else "https://entra.microsoft.com/"
    values["ad_identity"] = ad_identity(values.get("service_account"))
    values["api_service"] = _api_service(api) if api else "<API>.googleapis.com"


def _api_service(api: str) -> str:
    """`calendar-json` -> `calendar-json.googleapis.com`; a full service name is kept."""
    return api if api.endswith(".googleapis.com") else f"{api}.googleapis.com"


def ad_identity(account: str | None) -> str:
    """The service account as the ActiveDirectory cmdlets' -Identity takes it: the SAM account name (from
    DOMAIN\\user or a bare name), or for a UPN the account object that Get-ADUser finds by it."""
    if not account:
        return "<service account's sAMAccountName>"
    if "\\" in account:
        return _ps(account.split("\\", 1)[1])
    if "@" in account:
        return f"(Get-ADUser -Filter \"UserPrincipalName -eq '{_opath(account)}'\")"
    return _ps(account)


def _parts_for(entry: Entry, platform: str | None) -> list[Part]:
    parts: list[Part] = list(entry.fix)
    if entry.variants:
        if platform in entry.variants:
            parts.extend(entry.variants[platform])
        else:
            for key, variant in entry.variants.items():
                parts.append(T(_PLATFORM_HEADINGS[key]))
                parts.extend(variant)
    parts.extend(entry.after)
    return parts


def _normalise_names(names: Mapping[str, Any]) -> tuple[dict[str, str], str | None]:
    values: dict[str, str] = {}
    platform: str | None = None
    for key, value in names.items():
        name = ALIASES.get(key, key)
        if name == "platform":
            if value is not None and value not in PLATFORMS:
                raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}, not {value!r}")
            platform = value
            continue
        if name not in PLACEHOLDERS:
            log.debug("diagnosis name %r is not part of the catalog's vocabulary; ignored", key)
            continue
        if value is None:
            continue
        text = _clean(value)
        if text:
            values[name] = text
    return values, platform


def diagnose(code: str, *, surface: str = "cli", **names: Any) -> Diagnosis:
    """Render catalog entry `code` with the caller's names; ValueError for an unknown code, platform or
    surface.

    Names (all optional): see `PLACEHOLDERS` (plus `app_id` as an alias of `client_id`, and
    `platform` = "onprem" | "online" | "google" to pick one variant of a fix). Names outside that vocabulary
    are ignored, so a provider may pass one dict of everything it knows to every diagnosis. `surface` picks
    the words of the command line ("cli", the default) or of a window ("gui").
    """
    entry = CATALOG.get(code)
    if entry is None:
        raise ValueError(f"unknown diagnosis code {code!r}")
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {', '.join(SURFACES)}, not {surface!r}")
    values, platform = _normalise_names(names)
    _derive(values, names)
    placeholders = {**PLACEHOLDERS, **(entry.placeholders or {})}
    cause = _fill(entry.cause, values, placeholders, surface)
    paragraphs: list[str] = []
    commands: list[str] = []
    links: list[str] = []
    for part in _parts_for(entry, platform):
        text = _fill(part.text, values, placeholders, surface)
        if isinstance(part, C):
            commands.append(text)
            paragraphs.append("    " + text)
        elif isinstance(part, L):
            links.append(text)
            paragraphs.append(text)
        else:
            paragraphs.append(text)
    rendered = Diagnosis(code=code, cause=cause, remediation="\n".join(paragraphs),
                         commands=_unique(commands), links=_unique(links))
    # the caller's own names (a field, a message) may speak the command line's words too
    return for_surface(rendered, surface)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- the diagnosis in the reader's language ---------------------------------------------------------------
# A diagnosis is rendered, stored and written to `--json` in English (the contract's words). Where a person
# reads it, `localize()` gives it in the current language: each sentence is matched against the English
# template it was rendered from (so a stored report's diagnosis is translated too), and the caller's names
# it caught are put into the translated template. Commands and links never change; a sentence that matches
# no template (a caller's own message) stays as it is.


@lru_cache(maxsize=1024)
def _template_pattern(template: str, surface: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """A regular expression matching `template` rendered for `surface`, with one group per name."""
    out: list[str] = []
    names: list[str] = []
    position = 0
    for match in _NAME_RE.finditer(template):
        out.append(re.escape(template[position:match.start()]))
        if match.group(3) is not None:
            out.append(re.escape(SURFACE_WORDS[match.group(3)][SURFACES.index(surface)]))
        elif match.group(1) is None:
            out.append(re.escape(match.group(0)[0]))
        else:
            out.append(f"(?P<n{len(names)}>.*?)")
            names.append(match.group(1))
        position = match.end()
    out.append(re.escape(template[position:]))
    return re.compile("".join(out), re.S), tuple(names)


def _placeholder_texts() -> frozenset[str]:
    texts = set(PLACEHOLDERS.values()) | set(_GOOGLE_NAMES.values())
    for entry in _ENTRIES:
        texts |= set((entry.placeholders or {}).values())
    return frozenset(texts)


_PLACEHOLDER_TEXTS = _placeholder_texts()


def _translate_sentence(text: str, templates: tuple[str, ...], surface: str) -> str:
    for template in templates:
        pattern, names = _template_pattern(template, surface)
        match = pattern.fullmatch(text)
        if match is None:
            continue
        caught: dict[str, str] = {}
        for index, name in enumerate(names):
            caught.setdefault(name, match.group(f"n{index}"))

        def put(found: re.Match[str], caught: dict[str, str] = caught) -> str:
            if found.group(3) is not None:
                return _(SURFACE_WORDS[found.group(3)][SURFACES.index(surface)])
            if found.group(1) is None:
                return found.group(0)[0]
            value = caught.get(found.group(1), found.group(0))
            if value in _PLACEHOLDER_TEXTS:
                return f"<{_(value[1:-1])}>" if value.startswith("<") else _(value)
            return value

        return _NAME_RE.sub(put, _(template))
    return text


def _templates(entry: Entry) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The entry's cause template(s) and the templates of its fix's paragraphs (headings included)."""
    parts = [*entry.fix, *(p for variant in (entry.variants or {}).values() for p in variant), *entry.after]
    paragraphs = [p.text for p in parts if isinstance(p, T)]
    if entry.variants:
        paragraphs += [_PLATFORM_HEADINGS[key] for key in entry.variants]
    return (entry.cause,), tuple(dict.fromkeys(paragraphs))


def localize(diagnosis: Diagnosis, surface: str = "cli") -> Diagnosis:
    """`diagnosis` (rendered in English for `surface`) with its cause and fix in the current language.

    Codes, commands and links are kept; English is returned unchanged.
    """
    entry = CATALOG.get(diagnosis.code)
    if entry is None or current_language() == "en":
        return diagnosis
    causes, paragraphs = _templates(entry)
    verbatim = {*diagnosis.commands, *diagnosis.links}
    lines = [line if line.strip() in verbatim or line.startswith("    ") or not line.strip()
             else _translate_sentence(line, paragraphs, surface)
             for line in diagnosis.remediation.split("\n")]
    return replace(diagnosis, cause=_translate_sentence(diagnosis.cause, causes, surface),
                   remediation="\n".join(lines))
