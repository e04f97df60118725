"""Move an Exchange Online EWS application to Microsoft Graph, keeping its profiles and history (Qt-free).

EWS in Exchange Online is switched off on 1 April 2027. An application set up for it (provider `exchange`
with OAuth) moves to provider `graph` without re-entering what the console already knows: its name, domain,
test mailbox, scoping group and the mailbox that must be denied, and its tenant ID. What is new is the
Graph app registration's client ID and credential (a certificate or a client secret).

The order is fixed: the Graph check runs first with the new credential (`check_and_move`, or the wizard's
test page); only a check that passed or warned lets `move_to_graph` change anything. Then, in one unit of
work: the new secret (the client secret, or the certificate's password) goes to the keychain, and in one
registry transaction the application's provider and settings change, the Graph check is stored as its
setup check, its health is cleared and an audit entry `application_moved_to_graph` is written. The old EWS
secret is deleted from the keychain only after the transaction commits; if the transaction fails, the
keychain is put back as it was. The application keeps its id, so its profiles, checks and audit trail stay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ec_console.checks import CancelToken, Report, StepResult, StepStatus
from ec_console.errors import BadInput
from ec_console.i18n import _

AUDIT_ACTION = "application_moved_to_graph"
# What the EWS application already knows that the Graph application keeps, under the same keys.
_CARRIED = ("test_mailbox", "scope_group", "scope_group_address", "group_dn", "expect_denied", "ca_file")


class MoveRefused(BadInput):
    """The move was refused before anything changed (the message says why)."""


def is_exchange_online_ews(application: Any) -> bool:
    """An Exchange application that reaches Exchange Online through EWS (OAuth, or an EWS URL at
    Exchange Online)."""
    if application.provider != "exchange":
        return False
    s = application.settings
    if s.get("auth") == "oauth" or (s.get("auth") is None and s.get("tenant_id")):
        return True
    from ec_console.providers.exchange.check import is_exchange_online

    host = urlsplit(str(s.get("ews_url") or "")).hostname or ""
    return bool(host) and is_exchange_online(host)


def check_movable(application: Any) -> None:
    """MoveRefused unless `application` is an active Exchange Online EWS application."""
    if application.provider == "graph":
        raise MoveRefused(_("{name} already uses Microsoft Graph").format(name=repr(application.name)))
    if not is_exchange_online_ews(application):
        raise MoveRefused(_("{name} is not an Exchange Online EWS application (only those move to Microsoft "
                            "Graph)").format(name=repr(application.name)))
    if application.status != "active":
        raise MoveRefused(_("{name} is revoked; only an active application moves to Microsoft Graph")
                          .format(name=repr(application.name)))


def carried_values(application: Any) -> dict[str, Any]:
    """The wizard's field values the Graph pages start from (test mailbox, scope, tenant ID, CA file)."""
    s = application.settings
    values: dict[str, Any] = {"test_mailbox": s.get("test_mailbox") or ""}
    if s.get("tenant_id"):
        values["tenant_id"] = s["tenant_id"]
    if s.get("scope_group"):
        values.update(scope_mode="group", scope_group=s["scope_group"])
        if s.get("group_dn"):
            values["group_dn"] = s["group_dn"]
        if s.get("expect_denied"):
            values["outside_mailbox"] = s["expect_denied"]
    else:
        values["scope_mode"] = "all"
    if s.get("ca_file"):
        values["ca_file"] = s["ca_file"]
    return values


def graph_settings(application: Any, *, tenant_id: str | None, client_id: str, certificate: str | None = None,
                   cloud: str = "global", authority: str | None = None, graph_url: str | None = None,
                   test_mailbox: str | None = None, ca_file: str | None = None) -> dict[str, Any]:
    """The Graph application's settings: what the EWS application knew, with the new app registration's."""
    old = application.settings
    tenant = tenant_id or old.get("tenant_id")
    if not tenant:
        raise MoveRefused(_("{name} does not record its tenant: give --tenant-id")
                          .format(name=repr(application.name)))
    settings: dict[str, Any] = {k: old[k] for k in _CARRIED if old.get(k)}
    settings.update(tenant_id=tenant, client_id=client_id, cloud=cloud or "global")
    for key, value in (("certificate", certificate), ("authority", authority), ("graph_url", graph_url),
                       ("test_mailbox", test_mailbox), ("ca_file", ca_file)):
        if value:
            settings[key] = value
    if not settings.get("test_mailbox"):
        raise MoveRefused(_("{name} records no test mailbox: give --mailbox")
                          .format(name=repr(application.name)))
    return settings


def _old_secret_kind(application: Any) -> str:
    s = application.settings
    return "client_secret" if s.get("auth") == "oauth" or (s.get("auth") is None and s.get("tenant_id")) \
        else "password"


def move_to_graph(registry: Any, store: Any, application_id: int, *, settings: Mapping[str, Any],
                  secret: str | None, report: Report, region_id: str) -> Any:
    """Switch the application to provider `graph` with `settings`, after `report` (the Graph check with
    the new credential) passed or warned. `secret`: the client secret, the certificate's password, or None
    for a certificate file without one. Returns the updated application; MoveRefused changes nothing."""
    from ec_console.graph_application import secret_kind
    from ec_console.secrets import secret_key

    app = registry.get_application(application_id)
    check_movable(app)
    if report.provider != "graph":
        raise MoveRefused(_("The check that allows the move must be the Microsoft Graph check"))
    if report.cancelled or report.result is StepStatus.FAIL:
        code = report.diagnosis.code if report.diagnosis else "failed"
        raise MoveRefused(_("The Microsoft Graph check did not pass ({code}): {name} stays on EWS")
                          .format(code=code, name=repr(app.name)))
    region = region_id
    settings = dict(settings)
    if secret is None and not settings.get("certificate"):
        raise MoveRefused(_("The client secret is missing"))
    store.check_usable()
    new_key = secret_key(region, app.name, secret_kind(settings))
    old_key = secret_key(region, app.name, _old_secret_kind(app))
    previous = store.get(new_key)
    if secret is not None:
        store.set(new_key, secret)
    elif previous is not None:
        store.delete(new_key)
    profiles = app.linked_count + app.needs_relink_count + app.revoked_count
    credential = f"certificate {settings['certificate']}" if settings.get("certificate") else "client secret"
    kept = f"{profiles:,} {'profile' if profiles == 1 else 'profiles'}"     # the audit log's words: English
    detail = (f"from Exchange Online EWS to Microsoft Graph: tenant {settings['tenant_id']}, application "
              f"(client) ID {settings['client_id']}, signs in with a {credential}; its "
              f"{kept} kept; Graph check {report.result.value} against {report.target}")
    try:
        with registry.transaction():
            registry.update_application(app.id, provider="graph", settings=settings, health=None)
            diagnosis = report.diagnosis
            registry.record_check(kind="setup", result=report.result.value, report=report.to_dict(),
                                  application_id=app.id, diagnosis=diagnosis.code if diagnosis else None)
            registry.audit(AUDIT_ACTION, app.name, detail[:4000])
    except BaseException:
        if previous is None:
            if secret is not None:
                store.delete(new_key)
        else:
            store.set(new_key, previous)
        raise
    if old_key != new_key:
        store.delete(old_key)          # the EWS secret: nothing uses it any more
    return registry.get_application(app.id)


@dataclass(frozen=True)
class MoveOutcome:
    report: Report
    application: Any            # the moved application, or None when the check did not pass

    @property
    def moved(self) -> bool:
        return self.application is not None


def check_and_move(registry: Any, store: Any, name: str, *, region_id: str, client_id: str,
                   secret: str | None,
                   tenant_id: str | None = None, certificate: str | None = None, cloud: str = "global",
                   authority: str | None = None, graph_url: str | None = None, mailbox: str | None = None,
                   ca_file: str | None = None, cancel: CancelToken | None = None,
                   observer: Callable[[StepResult], None] | None = None,
                   credential: Any = None) -> MoveOutcome:
    """Run the Graph check of the application's test mailbox (and its mailbox that must be denied) with
    the new credential, then move it if the check passed or warned; otherwise change nothing.

    Blocking (network, keychain, disk): call it on a worker thread. `credential` (a loaded certificate)
    spares reading the certificate file again."""
    from ec_console.dashboard import resolve_application
    from ec_console.graph_application import credential_for, graph_settings_for
    from ec_console.providers.graph import run_graph_check

    app = resolve_application(registry, name)
    check_movable(app)
    settings = graph_settings(app, tenant_id=tenant_id, client_id=client_id, certificate=certificate,
                              cloud=cloud, authority=authority, graph_url=graph_url, test_mailbox=mailbox,
                              ca_file=ca_file)
    store.check_usable()
    check = graph_settings_for(settings, str(settings["test_mailbox"]),
                               expect_denied=settings.get("expect_denied"))
    if credential is None:
        credential = credential_for(settings, secret)
    report = run_graph_check(check, credential, observer=observer, cancel=cancel)
    if report.cancelled or report.result is StepStatus.FAIL:
        return MoveOutcome(report, None)
    return MoveOutcome(report, move_to_graph(registry, store, app.id, settings=settings, secret=secret,
                                             report=report, region_id=region_id))


__all__ = ["AUDIT_ACTION", "MoveOutcome", "MoveRefused", "carried_values", "check_and_move", "check_movable",
           "graph_settings", "is_exchange_online_ews", "move_to_graph"]
