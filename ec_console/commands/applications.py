"""`ec-console applications ...`: scripted setup, editing and teardown of a region's applications.

    ec-console applications list [--region ID] [--json]
    ec-console applications add exchange --name NAME --mailbox ADDR [--domain D] [the flags of
        `check exchange`] [--region ID] [--json]
    ec-console applications add graph --name NAME --mailbox ADDR --tenant-id T --client-id C [--domain D]
        [the other flags of `check graph`] [--region ID] [--json]
    ec-console applications add google --name NAME --key-file SA.json --admin ADMIN --user ADDR [--domain D]
        [--scope S]... [--api-root URL] [--expect-denied ADDR] [--region ID] [--json]
    ec-console applications revoke NAME [--yes] [--skip-verify] [--verify-mailbox ADDR] [--region ID] [--json]
    ec-console applications rename NAME NEW [--region ID] [--json]
    ec-console applications rotate-secret NAME [--key-file SA.json] [--certificate PEM|PFX] [--mailbox ADDR]
        [--accept-warning] ...
    ec-console applications import-credential NAME [--key-file SA.json] [--certificate PEM|PFX]
        [--mailbox ADDR] [--accept-warning] [--region ID] [--json]
    ec-console applications set-scope NAME GROUP [--region ID] [--json]
    ec-console applications recheck NAME [--mailbox ADDR] [--region ID] [--json]
    ec-console applications remove NAME --export FILE.json [--yes] [--region ID] [--json]
    ec-console applications reconcile NAME [--sample N] [--sample-from FILE] [--apply joiners|leavers] ...
        (commands/reconcile.py)
    ec-console applications move-to-graph NAME --client-id C [--tenant-id T] [--certificate PEM|PFX] ...

`add` validates like the wizard, runs the same setup check (exit 1 and nothing written when it fails),
checks the keychain before any work (exit 3, nothing written), stores the secret, then saves the
application. Secrets never come from argv: EC_PASSWORD (NTLM/Basic) or EC_CLIENT_SECRET (OAuth), the key
file for Google, else a hidden prompt on a terminal, else exit 2.

`revoke` is the three-step sequence: print the platform steps that withdraw the grant, verify the
withdrawal (a probe that must now be refused the grant itself; `--skip-verify` skips it and the audit says
so), then delete the secret and mark the application and its profiles revoked. When the calendar still
answers, or the answer says nothing about the grant (unreachable, no such account, throttled ...), nothing
is changed and the exit status is 1. Without a terminal `--yes` is required; on a
terminal the application's name must be typed to confirm.

`rename`, `rotate-secret`, `set-scope`, `recheck` and `remove` edit an application after setup
(`ec_console.application_edit`): a new secret is checked before it replaces the old one (exit 1, nothing
changed, when the check fails or warns without --accept-warning); only a revoked application is removed,
after its history is written to --export.

`import-credential` puts an application's credential into this desktop's keychain (the registry is shared
and never holds one): the same check as `rotate-secret` (one shared function), then the keychain and one
audit entry, never the application itself, so a helpdesk member may run it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ec_console.commands.common import (
    active_application,
    json_flag,
    parser_class,
    print_table,
    region_flag,
    registry_flag,
    resolve_region,
    verbose_flag,
)
from ec_console.commands.profiles import print_json
from ec_console.errors import BadInput, ExitStatus
from ec_console.i18n import N_, _
from ec_console.permissions import (
    ADD_APPLICATION,
    IMPORT_CREDENTIAL,
    RECHECK_APPLICATION,
    REMOVE_APPLICATION,
    RENAME_APPLICATION,
    REVOKE_APPLICATION,
    ROTATE_SECRET,
    SET_SCOPE,
)
from ec_console.texts import localized
from ec_console.words import provider_label

MAX_KEY_FILE_BYTES = 64 * 1024


def register(subparsers: Any) -> None:
    """Add `applications` and its actions to the top-level subparsers of `ec-console`."""
    pclass = parser_class(subparsers)
    apps = subparsers.add_parser(
        "applications",
        help=_("list, add, edit, revoke and remove applications"),
        description=_("The applications (organisation-wide grants) of a region."),
    )
    actions = apps.add_subparsers(
        dest="applications_command", metavar="ACTION", parser_class=pclass, required=True
    )
    plist = actions.add_parser("list", help=_("list applications with their profile counts and health"))
    _common(plist, N_("the applications"))
    plist.set_defaults(handler=run_list)

    add = actions.add_parser(
        "add",
        help=_("scripted setup: check the access, store the secret, save"),
        description=_("Add an application: the same validation and setup check as the "
        "wizard; nothing is written unless the check passes."),
    )
    providers = add.add_subparsers(dest="provider", metavar="PROVIDER", parser_class=pclass, required=True)
    _add_exchange(providers)
    _add_google(providers)
    _add_graph(providers)

    revoke = actions.add_parser(
        "revoke",
        help=_("revoke an application (steps, verify withdrawal, delete the secret)"),
        description=_("Print the platform steps that withdraw the grant, verify the withdrawal (access must "
        "now "
        "be denied), then delete the keychain secret and mark the application and all its "
        "profiles revoked."),
    )
    revoke.add_argument("name", metavar="NAME", help=_("the application's name"))
    revoke.add_argument(
        "--yes", action="store_true", help=_("do not ask to confirm (required without a terminal)")
    )
    revoke.add_argument(
        "--skip-verify",
        action="store_true",
        help=_("do not verify the withdrawal (the audit trail records that it was skipped)"),
    )
    revoke.add_argument(
        "--verify-mailbox",
        metavar="ADDR",
        help=_("the account to verify with (default: the setup check's, else a linked profile)"),
    )
    _common(revoke, N_("the result"))
    revoke.set_defaults(handler=run_revoke, permission=REVOKE_APPLICATION)
    _register_edits(actions)
    from ec_console.commands.reconcile import register as register_reconcile

    register_reconcile(actions)


def _register_edits(actions: Any) -> None:
    rename = actions.add_parser(
        "rename",
        help=_("rename an application (its keychain secret moves with it)"),
        description=_("Give an application another name, unique in its region. The keychain secret, filed "
        "under the name, moves to the new one; the audit log records the old and the new name."),
    )
    rename.add_argument("name", metavar="NAME", help=_("the application's current name"))
    rename.add_argument("new_name", metavar="NEW", help=_("its new name"))
    _common(rename, N_("the renamed application"))
    rename.set_defaults(handler=run_rename, permission=RENAME_APPLICATION)

    rotate = actions.add_parser(
        "rotate-secret",
        help=_("replace the password, client secret or key after checking the new one"),
        description=_("Check the new secret with the application's setup check against its test mailbox; "
                      "only "
        "when the check passes (or warns and --accept-warning is given) is the old secret replaced in "
        "the keychain. A failed check changes nothing."),
        epilog=_("Exchange: the new password comes from EC_PASSWORD, a new client secret (OAuth) from "
        "EC_CLIENT_SECRET, else from a hidden prompt on a terminal; never from the command line. "
        "Google: --key-file names the new key file. Exit statuses: 0 replaced, 1 the check failed or "
        "warned (nothing changed), 2 bad input, 3 no usable keychain."),
    )
    rotate.add_argument("name", metavar="NAME", help=_("the application's name"))
    rotate.add_argument("--key-file", metavar="SA.json", help=_("the new service-account key file (Google)"))
    rotate.add_argument("--certificate", metavar="PEM|PFX",
                        help=_("the new certificate with its private key (a Microsoft 365 (Graph) "
                               "application "
                        "that signs in with a certificate): kept in the keychain, its thumbprint recorded "
                        "with the application"))
    rotate.add_argument("--mailbox", metavar="ADDR",
                        help=_("the account to check with (default: the application's test mailbox)"))
    rotate.add_argument("--accept-warning", action="store_true",
                        help=_("replace the secret even when the check warns (the audit log records that)"))
    _common(rotate, N_("the check and the outcome"))
    rotate.set_defaults(handler=run_rotate_secret, permission=ROTATE_SECRET)

    imp = actions.add_parser(
        "import-credential",
        help=_("put an application's credential into this desktop's keychain, after checking it"),
        description=_("The registry is shared and never holds a secret: each desktop that runs checks keeps "
        "the application's credential in its own keychain. Check the credential with the application's "
        "setup check against its test mailbox; only when the check passes (or warns and --accept-warning "
        "is given) is it stored in this desktop's keychain. The application itself is not changed (a "
        "helpdesk member may do this); the audit log records which computer and user imported it, never "
        "the credential."),
        epilog=_("Exchange: the password comes from EC_PASSWORD, a client secret (OAuth) from "
        "EC_CLIENT_SECRET, else from a hidden prompt on a terminal; never from the command line. "
        "Google: --key-file names the service account's key file. Microsoft 365 (Graph): "
        "--certificate names the certificate with its private key (PEM, or PFX whose passphrase "
        "comes from EC_CERT_PASSWORD or the prompt) for an application that signs in with one, else"
        " the client secret comes from EC_CLIENT_SECRET or the prompt. A certificate is the "
        "recommended way for a team to share a Graph application: one certificate, imported on each"
        " desktop, and revoking it in Microsoft Entra cuts every desktop off at once. Exit "
        "statuses: 0 stored, 1 the check failed or warned (nothing stored), 2 refused (no such "
        "application, a revoked one, a key file or certificate that is not the application's, flags"
        " that do not fit its provider), 3 no usable keychain."),
    )
    imp.add_argument("name", metavar="NAME", help=_("the application's name"))
    imp.add_argument("--key-file", metavar="SA.json", help=_("the service-account key file (Google)"))
    imp.add_argument("--certificate", metavar="PEM|PFX",
                     help=_("the certificate with its private key (Microsoft 365 (Graph); recommended for a "
                     "team)"))
    imp.add_argument("--mailbox", metavar="ADDR",
                     help=_("the account to check with (default: the application's test mailbox)"))
    imp.add_argument("--accept-warning", action="store_true",
                     help=_("store the credential even when the check warns (the audit log records that)"))
    _common(imp, N_("the check and the outcome"))
    imp.set_defaults(handler=run_import_credential, permission=IMPORT_CREDENTIAL)

    scope = actions.add_parser(
        "set-scope",
        help=_("record the group an application is scoped to"),
        description=_("Record the group (Exchange: the scoping group of the management scope or the RBAC for "
        "Applications scope; Google: a Marketplace install's group or organisational unit) the "
        "application is limited to. Change the scope at the platform too, then run `applications "
        "recheck` to prove it holds."),
    )
    scope.add_argument("name", metavar="NAME", help=_("the application's name"))
    scope.add_argument("group", metavar="GROUP", help=_("the group's name, address or distinguished name"))
    _common(scope, N_("the application"))
    scope.set_defaults(handler=run_set_scope, permission=SET_SCOPE)

    recheck = actions.add_parser(
        "recheck",
        help=_("run an application's setup check again with its stored secret"),
        description=_("Run the setup check again against the test mailbox, with the secret in the keychain; "
        "the result is stored with the application and sets its health. Exit statuses: 0 passed or "
        "warned, 1 a step failed."),
    )
    recheck.add_argument("name", metavar="NAME", help=_("the application's name"))
    recheck.add_argument("--mailbox", metavar="ADDR",
                         help=_("the account to check (default: the application's test mailbox)"))
    _common(recheck, N_("the setup report"))
    recheck.set_defaults(handler=run_recheck, permission=RECHECK_APPLICATION)

    remove = actions.add_parser(
        "remove",
        help=_("remove a revoked application and its history, after an export"),
        description=_("Write the history of a revoked application (settings, profiles, checks, audit "
                      "entries) "
        "to a JSON file, then delete the application, its profiles and its checks. The removal is "
        "audited with the file's SHA-256; earlier audit entries stay (the audit log is append-only)."),
    )
    remove.add_argument("name", metavar="NAME", help=_("the revoked application's name"))
    remove.add_argument("--export", metavar="FILE", required=True,
                        help=_("the JSON file the history is written to first (replaced, readable by you "
                               "only)"))
    remove.add_argument("--yes", action="store_true",
                        help=_("do not ask to confirm (required without a terminal)"))
    _common(remove, N_("what was removed"))
    remove.set_defaults(handler=run_remove, permission=REMOVE_APPLICATION)

    from ec_console.commands.application_move import register as register_move

    register_move(actions)


def _common(parser: argparse.ArgumentParser, what: str) -> None:
    region_flag(parser)
    registry_flag(parser)
    json_flag(parser, what)
    verbose_flag(parser)


def _name_and_domain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--name", metavar="NAME", required=True, help=_("a name for the application (unique in its region)")
    )
    parser.add_argument(
        "--domain",
        metavar="D",
        help=_("the organisation's mail domain (default: the domain of the test account)"),
    )


def _add_exchange(providers: Any) -> None:
    parser = providers.add_parser(
        "exchange",
        help=_("EWS through a service account or an Exchange Online app registration"),
        epilog=_("The password comes from EC_PASSWORD (NTLM/Basic), the client secret from EC_CLIENT_SECRET "
        "(OAuth), else from a hidden prompt."),
    )
    _name_and_domain(parser)
    parser.add_argument(
        "--mailbox", metavar="ADDR", required=True, help=_("a mailbox in the scope, for the check")
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--ews-url", metavar="URL", help=_("the EWS endpoint"))
    where.add_argument("--autodiscover", action="store_true", help=_("find the EWS endpoint by autodiscover"))
    parser.add_argument("--username", metavar="USER", help=_("the service account (NTLM and Basic)"))
    parser.add_argument("--auth", choices=["ntlm", "basic", "oauth"], help=_("authentication (default: "
                                                                             "probed)"))
    parser.add_argument("--tenant-id", metavar="T", help=_("Entra tenant ID or domain (OAuth)"))
    parser.add_argument("--client-id", metavar="C", help=_("application (client) ID (OAuth)"))
    parser.add_argument("--authority", metavar="URL", help=_("identity platform base URL (OAuth)"))
    parser.add_argument("--no-impersonation", action="store_true", help=_("use delegate access"))
    parser.add_argument(
        "--expect-denied", metavar="ADDR", help=_("a mailbox outside the scope: prove it is denied")
    )
    parser.add_argument(
        "--scope-group",
        metavar="NAME",
        help=_("the scoping group (listed by profiles link --discover, named in fixes)"),
    )
    parser.add_argument("--ca-file", metavar="PEM", help=_("extra trusted CA certificates (PEM)"))
    parser.add_argument("--timeout", metavar="S", default="15", help=_("seconds to wait for each answer"))
    _common(parser, N_("the setup report"))
    parser.set_defaults(handler=run_add_exchange, write_probe=False, permission=ADD_APPLICATION)


def _add_graph(providers: Any) -> None:
    from ec_console.providers.graph import CLOUDS

    parser = providers.add_parser(
        "graph",
        help=_("Exchange Online through Microsoft Graph: an app registration scoped by RBAC for "
               "Applications"),
        description=_("Add a Microsoft 365 (Graph) application: the same flags and the same check as 'check "
        "graph'; nothing is saved unless the check passes."),
        epilog=_("The client secret comes from EC_CLIENT_SECRET, else from a hidden prompt, and is kept in "
                 "the "
        "keychain. With --certificate the file's path is saved with the application and only its "
        "passphrase (EC_CERT_PASSWORD, for a PFX file or an encrypted key) goes to the keychain: keep the "
        "file where it is."),
    )
    _name_and_domain(parser)
    parser.add_argument("--mailbox", metavar="ADDR", required=True,
                        help=_("a mailbox in the scope, for the check"))
    parser.add_argument("--tenant-id", metavar="T", required=True, help=_("Entra tenant ID or verified "
                                                                          "domain"))
    parser.add_argument("--client-id", metavar="C", required=True,
                        help=_("application (client) ID of the app registration"))
    parser.add_argument("--certificate", metavar="PEM|PFX",
                        help=_("sign in with this certificate (PEM with the private key, or PFX) instead of "
                               "a "
                        "client secret"))
    parser.add_argument("--cloud", choices=list(CLOUDS), default="global",
                        help=_("the Microsoft cloud: sets the sign-in authority and the Graph host"))
    parser.add_argument("--authority", metavar="URL", help=_("identity platform base URL, scheme and host"))
    parser.add_argument("--graph-url", metavar="URL", help=_("Microsoft Graph's root, scheme and host"))
    parser.add_argument("--expect-denied", metavar="ADDR",
                        help=_("a mailbox outside the scope: prove access to it is denied"))
    parser.add_argument("--scope-group", metavar="NAME",
                        help=_("the scoping group (its address lets the dashboard list its members)"))
    parser.add_argument("--ca-file", metavar="PEM", help=_("extra trusted CA certificates (PEM)"))
    parser.add_argument("--timeout", metavar="S", default="15", help=_("seconds to wait for each answer"))
    _common(parser, N_("the setup report"))
    parser.set_defaults(handler=run_add_graph, write_probe=False, permission=ADD_APPLICATION)


def _add_google(providers: Any) -> None:
    parser = providers.add_parser(
        "google",
        help=_("a service account with domain-wide delegation"),
        epilog=_("The key file's content is stored in the keychain (encrypted in the data folder when it is "
        "too "
        "large for one keychain item); the file itself can be deleted afterwards."),
    )
    _name_and_domain(parser)
    parser.add_argument("--key-file", metavar="SA.json", required=True, help=_("the service account's key "
                                                                               "file"))
    parser.add_argument("--admin", metavar="ADMIN", required=True, help=_("a super administrator's address"))
    parser.add_argument("--user", metavar="ADDR", required=True, help=_("a user in the scope, for the check"))
    parser.add_argument("--scope", metavar="S", action="append", default=None, help=_("a scope (repeat)"))
    parser.add_argument("--api-root", metavar="URL", help=_("one root URL for every Google API"))
    parser.add_argument(
        "--expect-denied", metavar="ADDR", help=_("a user outside the scope: prove it is denied")
    )
    parser.add_argument("--ca-file", metavar="PEM", help=_("extra trusted CA certificates (PEM)"))
    parser.add_argument("--timeout", metavar="S", default="15", help=_("seconds to wait for each answer"))
    _common(parser, N_("the setup report"))
    parser.set_defaults(handler=run_add_google, permission=ADD_APPLICATION)


# --- list -------------------------------------------------------------------------------------------------


def application_dict(app: Any) -> dict[str, Any]:
    return {
        "id": app.id,
        "name": app.name,
        "provider": app.provider,
        "domain": app.domain,
        "status": app.status,
        "health": app.health,
        "linked": app.linked_count,
        "needs_relink": app.needs_relink_count,
        "revoked": app.revoked_count,
        "created_at": app.created_at,
        "updated_at": app.updated_at,
    }


def run_list(args: argparse.Namespace) -> int:
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        apps = registry.list_applications()
    if args.json:
        print_json([application_dict(a) for a in apps])
        return ExitStatus.OK
    if not apps:
        print(_("No applications in region {region}.").format(region=region_id))
        return ExitStatus.OK
    rows = [
        [
            a.name,
            provider_label(a.provider),
            a.domain,
            a.status,
            a.health or "ok",
            str(a.linked_count),
            str(a.needs_relink_count),
            str(a.revoked_count),
        ]
        for a in apps
    ]
    print_table(
        rows,
        [_("NAME"), _("PLATFORM"), _("DOMAIN"), _("STATUS"), _("HEALTH"), _("LINKED"), _("NEEDS RELINK"),
         _("REVOKED")],
        sys.stdout,
    )
    return ExitStatus.OK


# --- add --------------------------------------------------------------------------------------------------


def _domain(args: argparse.Namespace, target: str) -> str:
    from ec_console import validation

    if args.domain is not None:
        return validation.domain_name(args.domain, "--domain")
    return target.rsplit("@", 1)[-1]


def run_add_exchange(args: argparse.Namespace) -> int:
    from ec_console import validation
    from ec_console.commands.check import exchange_settings_from_args, read_secret, whose_secret
    from ec_console.dashboard import ApplicationSpec

    name = validation.application_name(args.name, "--name")
    settings = exchange_settings_from_args(args)
    secret = read_secret(settings.uses_oauth, whose=whose_secret(settings))
    stored = {
        "ews_url": settings.ews_url,
        "autodiscover": settings.autodiscover,
        "username": settings.username,
        "auth": settings.auth,
        "tenant_id": settings.tenant_id,
        "client_id": settings.client_id,
        "authority": settings.authority,
        "impersonation": settings.impersonation,
        "scope_group": settings.scope_group,
        "ca_file": settings.ca_file,
        "timeout": settings.timeout,
    }
    if settings.scope_group and "@" in settings.scope_group:
        stored["scope_group_address"] = settings.scope_group
    spec = ApplicationSpec(
        name,
        "exchange",
        _domain(args, settings.mailbox),
        {k: v for k, v in stored.items() if v is not None},
        settings.mailbox,
        settings.expect_denied,
    )
    return _add(args, spec, secret)


def run_add_graph(args: argparse.Namespace) -> int:
    import os

    from ec_console import validation
    from ec_console.commands.check import read_secret
    from ec_console.commands.check_graph import CERT_PASSWORD_ENV, graph_settings_from_args, read_certificate
    from ec_console.dashboard import ApplicationSpec

    name = validation.application_name(args.name, "--name")
    settings = graph_settings_from_args(args)
    certificate = thumbprint = None
    if args.certificate is not None:
        # refused here (exit 2) when it cannot be used; its thumbprint is recorded so that a desktop
        # importing the certificate can be told whether it is this one (import-credential)
        thumbprint = read_certificate(args.certificate).thumbprint_sha256
        certificate = str(validation.existing_file(args.certificate, "--certificate").resolve())
        secret = os.environ.get(CERT_PASSWORD_ENV) or ""
    else:
        secret = read_secret(True, whose=_("app {client_id}").format(client_id=settings.client_id))
    group = settings.scope_group
    stored: dict[str, Any] = {
        "tenant_id": settings.tenant_id,
        "client_id": settings.client_id,
        "cloud": settings.cloud,
        "authority": settings.authority,
        "graph_url": settings.graph_url,
        "certificate": certificate,
        "certificate_thumbprint": thumbprint,
        "scope_group": group,
        "scope_group_address": group if group and "@" in group else None,
        "group_dn": group if group and validation.is_distinguished_name(group) else None,
        "ca_file": settings.ca_file,
        "timeout": settings.timeout,
    }
    spec = ApplicationSpec(
        name,
        "graph",
        _domain(args, settings.mailbox),
        {k: v for k, v in stored.items() if v is not None},
        settings.mailbox,
        settings.expect_denied,
    )
    return _add(args, spec, secret)


def run_add_google(args: argparse.Namespace) -> int:
    from ec_console import validation
    from ec_console.commands.check_google import google_settings_from_args
    from ec_console.dashboard import ApplicationSpec

    name = validation.application_name(args.name, "--name")
    settings = google_settings_from_args(args)
    secret = _read_key_file(Path(str(settings.key_file)), args.key_file)
    stored: dict[str, Any] = {
        "admin": settings.admin,
        "scopes": list(settings.scopes),
        "api_root": settings.api_root,
        "timeout": settings.timeout,
        "ca_file": str(settings.ca_file) if settings.ca_file else None,
        "install": "dwd",
    }
    try:
        key = json.loads(secret)
    except ValueError:
        key = {}
    if isinstance(key, dict):
        stored["client_id"] = key.get("client_id") if isinstance(key.get("client_id"), str) else None
        stored["client_email"] = key.get("client_email") if isinstance(key.get("client_email"), str) else None
    spec = ApplicationSpec(
        name,
        "google",
        _domain(args, settings.user),
        {k: v for k, v in stored.items() if v is not None},
        settings.user,
        settings.expect_denied,
    )
    return _add(args, spec, secret)


def _read_key_file(path: Path, shown: str) -> str:
    """A key file's text (the secret: handed to the log redactor at once); BadInput when unreadable."""
    try:
        if path.stat().st_size > MAX_KEY_FILE_BYTES:
            raise BadInput(_("--key-file: {shown} is too large for a service-account key file").format(
                shown=shown))
        secret = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(_("--key-file: {shown} cannot be read as text ({exc})").format(
            shown=shown, exc=exc)) from None
    try:
        from ec_console.logs import register_secret

        register_secret(secret)
    except ImportError:  # pragma: no cover - the logging module ships with the console
        pass
    return secret


def _add(args: argparse.Namespace, spec: Any, secret: str) -> int:
    from ec_console.checks import CancelToken
    from ec_console.commands.profiles import cancel_on_interrupt
    from ec_console.dashboard import add_application
    from ec_console.registry import Registry
    from ec_console.render import render_text

    region_id = resolve_region(args)
    cancel = CancelToken()
    with Registry.for_region(region_id) as registry, cancel_on_interrupt(cancel):
        outcome = add_application(registry, spec, secret, region_id=region_id, cancel=cancel)
    report = outcome.report
    if args.json:
        print_json(
            {
                "application": application_dict(outcome.application) if outcome.application else None,
                "report": report.to_dict(),
            }
        )
    else:
        sys.stdout.write(render_text(report) + "\n")
        if outcome.application is not None:
            kept = _("its secret is in the keychain") if secret else _(
                "it signs in with the certificate {certificate}").format(
                certificate=outcome.application.settings.get("certificate"))
            print(_("Saved {name} in region {region}; {kept}.").format(name=repr(outcome.application.name),
                                                                      region=region_id, kept=kept))
        else:
            print(_("Nothing was saved: fix the failed step and run the command again."))
    if report.cancelled:
        return ExitStatus.INTERRUPTED
    return ExitStatus.OK if outcome.application is not None else ExitStatus.STEP_FAILED


# --- revoke -----------------------------------------------------------------------------------------------


def _confirm(args: argparse.Namespace, name: str) -> None:
    if args.yes:
        return
    if not (sys.stdin and sys.stdin.isatty()):
        raise BadInput(_("revoking an application needs --yes when no terminal is attached"))
    try:
        typed = input(_("Type the application's name ({name}) to revoke it: ").format(name=name))
    except EOFError:
        typed = ""
    if typed.strip() != name:
        raise BadInput(_("the name typed does not match; nothing was revoked"))


def run_revoke(args: argparse.Namespace) -> int:
    from ec_console.checks import CancelToken, StepStatus
    from ec_console.commands.profiles import cancel_on_interrupt
    from ec_console.dashboard import ApplicationRevocation
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        revocation = ApplicationRevocation(registry, args.name, region_id=region_id)
        app = revocation.application
        if app.status == "revoked":
            raise BadInput(_("{name} is already revoked").format(
                name=repr(app.name)))
        steps = revocation.withdrawal_steps()
        if not args.json:
            print(_("To withdraw the grant of {name} on the platform:").format(name=repr(app.name)))
            for number, step in enumerate(steps, start=1):
                print(f"  {number}. {localized(step)}")
        _confirm(args, app.name)
        report = None
        if args.skip_verify:
            revocation.skip_verification()
        else:
            cancel = CancelToken()
            with cancel_on_interrupt(cancel):
                report = revocation.verify_withdrawal(args.verify_mailbox, cancel=cancel)
            if report.result is not StepStatus.PASS:
                return _revoke_result(args, app, steps, report, revoked=False)
        app = revocation.complete()
    return _revoke_result(args, app, steps, report, revoked=True)


def _revoke_result(
    args: argparse.Namespace, app: Any, steps: list[str], report: Any, *, revoked: bool
) -> int:
    if args.json:
        print_json(
            {
                "application": app.name,
                "steps": steps,
                "verification": report.to_dict() if report is not None else None,
                "verification_skipped": report is None,
                "revoked": revoked,
            }
        )
    elif revoked:
        print(_("Revoked {name}: its secret is deleted from the keychain and its profiles are revoked.")
              .format(name=repr(app.name)))
    else:
        from ec_console.dashboard import shown_verification_detail

        step = report.steps[0] if report.steps else None
        verdict = (step.data or {}).get("verdict") if step else None
        if verdict == "not_withdrawn":
            print(_("Not revoked: {reason}").format(reason=shown_verification_detail(step)))
            print(_("Nothing was changed. Do the steps above (changes may take a while), then run this "
                    "again, "
                    "or add --skip-verify to revoke without proof (the audit records that)."))
        else:
            print(_("Not revoked: {reason}").format(
                reason=shown_verification_detail(step) if step else _("could not verify the withdrawal")))
            if step is not None and step.diagnosis is not None:
                from ec_console.render import shown_diagnosis

                shown = shown_diagnosis(step.diagnosis)
                print(f"  {shown.cause}")
                for line in shown.remediation.splitlines():
                    print(f"  {line}")
            print(_("Nothing was changed: the console could not verify the withdrawal. Fix what stopped the "
                    "check (or name another account with --verify-mailbox) and run this again, or add "
                    "--skip-verify to revoke without proof (the audit records that)."))
    return ExitStatus.OK if revoked else ExitStatus.STEP_FAILED


# --- rename, rotate-secret, set-scope, recheck, remove ------------------------------------------------------


def run_rename(args: argparse.Namespace) -> int:
    from ec_console.application_edit import rename_application
    from ec_console.dashboard import resolve_application
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        old = resolve_application(registry, args.name).name
        app = rename_application(registry, old, args.new_name, region_id=region_id)
    if args.json:
        print_json({"application": application_dict(app), "renamed_from": old})
    else:
        print(_("Renamed {old} to {new} in region {region}.").format(old=repr(old), new=repr(app.name),
                                                                     region=region_id))
    return ExitStatus.OK


def _read_certificate(value: str) -> Any:
    """The certificate of --certificate: its passphrase (a PFX file, an encrypted PEM key) from
    EC_CERT_PASSWORD, else from a hidden prompt on a terminal; BadInput says what is wrong."""
    import getpass
    import os

    from ec_console.commands.check_graph import CERT_PASSWORD_ENV, read_certificate

    try:
        return read_certificate(value)
    except BadInput:
        if os.environ.get(CERT_PASSWORD_ENV) or not (sys.stdin and sys.stdin.isatty()):
            raise
    try:
        typed = getpass.getpass(_("The certificate's passphrase: "))
    except (EOFError, OSError):
        raise BadInput(_("no passphrase was entered")) from None
    return read_certificate(value, {CERT_PASSWORD_ENV: typed})


def new_credential(args: argparse.Namespace, app: Any, *, importing: bool) -> str:
    """The credential given for `app` (rotate-secret, import-credential), refused (exit 2) before any work
    when the flags do not fit its provider: a Google key file (--key-file), a Graph certificate
    (--certificate: the certificate and its private key, as PEM text), else the password or client secret
    from EC_PASSWORD / EC_CLIENT_SECRET or a hidden prompt. Never from the command line."""
    from ec_console.commands.check import read_secret
    from ec_console.providers.base import ExchangeAdapter

    certificate = getattr(args, "certificate", None)
    if args.key_file and app.provider != "google":
        graph = ("; " + _("a Microsoft 365 (Graph) certificate from --certificate")
                 if app.provider == "graph" else "")
        raise BadInput(_("--key-file is for Google applications; an Exchange secret comes from "
                         "EC_PASSWORD or EC_CLIENT_SECRET, or the prompt{graph}").format(
            graph=graph))
    if certificate and app.provider != "graph":
        raise BadInput(_("--certificate is for Microsoft 365 (Graph) applications; {name} is {value}").format(
            name=repr(app.name), value=provider_label(app.provider)))
    if app.provider == "google":
        if not args.key_file:
            raise BadInput(_("--key-file: name the service-account key file"))
        return _read_key_file(Path(args.key_file).expanduser(), args.key_file)
    if app.provider == "graph":
        with_certificate = bool(app.settings.get("certificate"))
        if certificate:
            if not with_certificate:
                raise BadInput(_("{name} signs in with a client secret, not a certificate: give its "
                                 "client secret (EC_CLIENT_SECRET or the prompt)").format(
                    name=repr(app.name)))
            opened = _read_certificate(certificate)
            return opened.certificate_pem + opened.private_key_pem
        if with_certificate and importing:
            raise BadInput(_("{name} signs in with a certificate: give it with --certificate PEM|PFX").format(
                name=repr(app.name)))
    return read_secret(ExchangeAdapter.uses_oauth(app))


def run_rotate_secret(args: argparse.Namespace) -> int:
    return _check_credential(args, importing=False)


def run_import_credential(args: argparse.Namespace) -> int:
    return _check_credential(args, importing=True)


def _check_credential(args: argparse.Namespace, *, importing: bool) -> int:
    """rotate-secret and import-credential: the given credential is checked with the application's setup
    check; only when it passes (or warns and --accept-warning is given) is it kept in the keychain."""
    from ec_console.application_edit import CredentialImport, SecretRotation
    from ec_console.checks import CancelToken, StepStatus
    from ec_console.commands.profiles import cancel_on_interrupt
    from ec_console.registry import Registry
    from ec_console.render import render_text

    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        app = active_application(registry, args.name, _("its credential cannot be imported (add it again to "
                                                        "use it)") if importing else _("it has no secret to "
                                                                                       "rotate"))
        secret = new_credential(args, app, importing=importing)
        operation = (CredentialImport if importing else SecretRotation)(registry, app, secret,
                                                                        region_id=region_id)
        had_one = importing and operation.present
        cancel = CancelToken()
        with cancel_on_interrupt(cancel):
            report = operation.check(args.mailbox, cancel=cancel)
        kept = False
        if not report.cancelled and (report.result is StepStatus.PASS
                                     or (report.result is StepStatus.WARN and args.accept_warning)):
            if importing:
                operation.store_credential(accept_warning=args.accept_warning)
            else:
                operation.replace(accept_warning=args.accept_warning)
            kept = True
    what = operation.what
    if args.json:
        outcome = {"imported": kept, "replaced": kept and had_one} if importing else {"replaced": kept}
        print_json({"application": app.name, "report": report.to_dict(), **outcome})
    else:
        sys.stdout.write(render_text(report) + "\n")
        name, shown = repr(app.name), _(what)
        old = _("the old {what} stays in the keychain").format(what=shown)
        if importing:
            old = _("nothing was stored in this desktop's keychain")
        if kept and importing:
            print((_("The {what} of {name} is in this desktop's keychain; it replaces the one that was "
                     "there.")
                   if had_one else _("The {what} of {name} is in this desktop's keychain.")).format(
                what=shown, name=name))
        elif kept:
            print(_("The new {what} of {name} is in the keychain; the old one is replaced.").format(
                what=shown, name=name))
        elif report.cancelled:
            print(_("Interrupted: {old}.").format(old=old))
        elif report.result is StepStatus.WARN:
            print(_("The check warned: {old}. Add --accept-warning to keep the {what} anyway.").format(
                old=old, what=shown))
        elif importing:
            print(_("The check with the {what} failed: {old}.").format(what=shown, old=old))
        else:
            print(_("The check with the new {what} failed: {old}.").format(what=shown, old=old))
    if report.cancelled:
        return ExitStatus.INTERRUPTED
    return ExitStatus.OK if kept else ExitStatus.STEP_FAILED


def run_set_scope(args: argparse.Namespace) -> int:
    from ec_console.application_edit import scope_group_of, set_scope_group
    from ec_console.dashboard import resolve_application
    from ec_console.registry import Registry

    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        before = scope_group_of(resolve_application(registry, args.name))
        app = set_scope_group(registry, args.name, args.group)
    group = scope_group_of(app)
    if args.json:
        print_json({"application": application_dict(app), "scope_group": group, "previous": before})
    else:
        print(_("{name} is now recorded as scoped to {group} (was {before}).").format(
            name=repr(app.name), group=repr(group), before=repr(before or _("every mailbox"))))
        print(_("Change the scope at the platform too, then prove it: ec-console applications recheck {name}")
              .format(name=_quoted(app.name)))
    return ExitStatus.OK


# The secrets' names (application_edit.SECRET_WORDS and "certificate"), as the messages above show them.
_SECRET_WORDS = (N_("password"), N_("client secret"), N_("service-account key"), N_("certificate passphrase"),
                 N_("certificate"), N_("secret"))


def _quoted(name: str) -> str:
    import shlex

    return shlex.quote(name)


def run_recheck(args: argparse.Namespace) -> int:
    from ec_console.application_edit import recheck_application
    from ec_console.checks import CancelToken, StepStatus
    from ec_console.commands.profiles import cancel_on_interrupt
    from ec_console.registry import Registry
    from ec_console.render import render_text

    region_id = resolve_region(args)
    cancel = CancelToken()
    with Registry.for_region(region_id) as registry, cancel_on_interrupt(cancel):
        report = recheck_application(registry, args.name, mailbox=args.mailbox, region_id=region_id,
                                     cancel=cancel)
    if args.json:
        print_json({"application": args.name, "report": report.to_dict()})
    else:
        sys.stdout.write(render_text(report) + "\n")
    if report.cancelled:
        return ExitStatus.INTERRUPTED
    return ExitStatus.STEP_FAILED if report.result is StepStatus.FAIL else ExitStatus.OK


def run_remove(args: argparse.Namespace) -> int:
    from ec_console.application_edit import export_target, remove_application
    from ec_console.dashboard import resolve_application
    from ec_console.registry import Registry

    target = export_target(args.export)
    region_id = resolve_region(args)
    with Registry.for_region(region_id) as registry:
        app = resolve_application(registry, args.name)
        if app.status != "revoked":
            raise BadInput(_("{name} is not revoked: only a revoked application can be removed (revoke "
                             "it first: ec-console applications revoke)").format(
                name=repr(app.name)))
        if not args.yes:
            if not (sys.stdin and sys.stdin.isatty()):
                raise BadInput(_("removing an application needs --yes when no terminal is attached"))
            try:
                typed = input(_("Type the application's name ({name}) to remove it and its history: ")
                              .format(name=app.name))
            except EOFError:
                typed = ""
            if typed.strip() != app.name:
                raise BadInput(_("the name typed does not match; nothing was removed"))
        removal = remove_application(registry, app, target, region_id=region_id)
    if args.json:
        print_json({"application": removal.name, "export": str(removal.export), "sha256": removal.sha256,
                    "profiles": removal.profiles, "checks": removal.checks,
                    "audit_entries_kept": removal.audit_entries})
    else:
        from ec_console.words import count

        print(_("Removed {name} with {profiles} and {checks}. Its history is in {export} (SHA-256 {sha256}); "
                "the audit log keeps its entries and records the removal.").format(
            name=repr(removal.name), profiles=count(removal.profiles, "profile", "profiles"),
            checks=count(removal.checks, "stored check", "stored checks"), export=removal.export,
            sha256=removal.sha256))
    return ExitStatus.OK
