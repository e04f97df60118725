"""The Google Workspace Marketplace path: what this console can verify of it, and what only the vendor can.

A Marketplace domain install delegates to the **vendor's** OAuth client (the region's listing client ID in
`regions.toml`), not to a service account of the customer's: a check with the customer's own key tests
nothing of it. From the customer's side the console can verify:

- `sign_in`: the administrator signs in (`google.signin`: PKCE loopback flow, then Directory `isAdmin`) and is
  a super administrator. Only a super administrator can make a domain install: anyone else is refused with
  `not_admin`.
- `install`: whether the Admin audit log records the app being added to the domain — Reports API
  `activities.list(userKey="all", applicationName="admin", eventName="ADD_APPLICATION")`, read with the
  signed-in administrator's token and the `admin.reports.audit.readonly` scope the sign-in then asks for.
  The event's `APP_ID` is matched against the listing's numeric ID (the last part of its URL) and the project
  number the vendor's client ID begins with. Found: `pass` ("recorded", with who and when). Not found or not
  readable: `warn` ("cannot be verified from your side"). No customer-side API reports whether the app is
  *still* installed or for whom: the Google Workspace Marketplace API (`appsmarket.googleapis.com`
  `customerLicense.get` / `userLicense.get`) answers the app's own (the vendor's) project only.
- `vendor_delegation`: a delegated token request for the test user, as the vendor's client, is the test that
  proves the install works — and only the vendor can make it. Always `warn`, naming the region's web
  dashboard, where it is tested. So a Marketplace setup check never ends `pass`.
- `restriction` (when a user outside the install is named): the same vendor-only request: `skip`.

Qt-free; blocking (run it on a worker thread).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ec_console.checks import (
    CancelToken,
    CheckRun,
    Outcome,
    Report,
    StepResult,
    StepSpec,
    failed,
    passed,
    skipped,
    warned,
)
from ec_console.texts import say

PROVIDER = "google"
REPORTS_AUDIT_READONLY = "https://www.googleapis.com/auth/admin.reports.audit.readonly"
REPORTS = ("admin", "reports_v1", "admin.googleapis.com", "Admin SDK (Reports)")
INSTALL_EVENT = "ADD_APPLICATION"
MAX_AUDIT_PAGES = 5
LINK_MARKETPLACE_APPS = "https://admin.google.com/ac/apps/gmail/marketplace"
LINK_MARKETPLACE_ACCESS_HELP = "https://support.google.com/a/answer/172931"

MARKETPLACE_STEPS: tuple[StepSpec, ...] = (
    StepSpec("sign_in", say("Administrator signs in (super administrator)")),
    StepSpec("install", say("Install recorded in the Admin audit log"), depends_on=("sign_in",)),
    StepSpec(
        "vendor_delegation", say("Delegated access for the test user, as the vendor's client"), depends_on=()
    ),
    StepSpec("restriction", say("User outside the install is denied"), depends_on=()),
)


@dataclass(frozen=True)
class VendorSide:
    """The region's Marketplace app as the customer sees it: who runs it and where it is tested."""

    region_label: str
    dashboard_url: str
    client_id: str = ""
    listing_url: str = ""

    @classmethod
    def of(cls, region: Any) -> VendorSide:
        """From an `ec_console.regions.Region`."""
        listing = region.google_marketplace
        return cls(region.label, region.dashboard_url, listing.client_id, listing.listing_url)

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> VendorSide:
        """From an application's stored settings (`vendor_dashboard`, `vendor_client_id`, `listing_url`)."""
        return cls(
            str(settings["vendor_region"]) if settings.get("vendor_region")
            else say("the Enterprise Connect instance"),
            str(settings.get("vendor_dashboard") or ""),
            str(settings.get("vendor_client_id") or ""),
            str(settings.get("listing_url") or ""),
        )

    @property
    def app_ids(self) -> tuple[str, ...]:
        """The IDs an audit event's APP_ID may carry for this app: the listing's numeric ID and the project
        number the client ID begins with (`<project number>-<…>.apps.googleusercontent.com`)."""
        ids: list[str] = []
        tail = urlsplit(self.listing_url).path.rstrip("/").rsplit("/", 1)[-1] if self.listing_url else ""
        if tail.isdigit():
            ids.append(tail)
        match = re.match(r"(\d+)-", self.client_id)
        if match:
            ids.append(match.group(1))
        if self.client_id:
            ids.append(self.client_id)
        return tuple(dict.fromkeys(ids))

    def only_vendor_can_test(self, user: str) -> str:
        """The plain sentence: who can test delegated access for `user`, and where."""
        names = {"region": self.region_label, "user": user, "dashboard": self.dashboard_url,
                 "client_id": self.client_id}
        if self.client_id and self.dashboard_url:
            return say("Not tested by this console: a Marketplace install delegates to the vendor's "
                       "OAuth client (client ID {client_id}), not to a key of yours, so only {region} can "
                       "request a delegated token for {user}. Check the account in the web dashboard "
                       "({dashboard}).",
                       **names)
        if self.client_id:
            return say("Not tested by this console: a Marketplace install delegates to the vendor's "
                       "OAuth client (client ID {client_id}), not to a key of yours, so only {region} can "
                       "request a delegated token for {user}. Check the account in the web dashboard.",
                       **names)
        if self.dashboard_url:
            return say("Not tested by this console: a Marketplace install delegates to the vendor's OAuth "
                       "client, not to a key of yours, so only {region} can request a delegated token for "
                       "{user}. Check the account in the web dashboard ({dashboard}).", **names)
        return say("Not tested by this console: a Marketplace install delegates to the vendor's OAuth "
                   "client, not to a key of yours, so only {region} can request a delegated token for "
                   "{user}. Check the account in the web dashboard.", **names)


# --- the install in the Admin audit log -------------------------------------------------------------------


@dataclass(frozen=True)
class InstallRecord:
    """What the Admin audit log says of the app. `status`: `recorded`, `not_recorded` or `unreadable`."""

    status: str
    app_ids: tuple[str, ...] = ()
    app_id: str = ""
    app_name: str = ""
    time: str = ""
    actor: str = ""
    detail: str = ""

    @property
    def recorded(self) -> bool:
        return self.status == "recorded"


def _parameters(event: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in event.get("parameters") or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            value = item.get("value", item.get("intValue", item.get("boolValue", "")))
            out[item["name"]] = str(value)
    return out


def find_install(pages: Iterable[dict[str, Any]], app_ids: Sequence[str]) -> InstallRecord:
    """The newest ADD_APPLICATION event of `app_ids` in `activities.list` answers (newest first)."""
    wanted = {a for a in app_ids if a}
    for page in pages:
        for activity in page.get("items") or []:
            if not isinstance(activity, dict):
                continue
            for event in activity.get("events") or []:
                if not isinstance(event, dict) or event.get("name") != INSTALL_EVENT:
                    continue
                params = _parameters(event)
                if params.get("APP_ID") in wanted:
                    actor = (activity.get("actor") or {}).get("email", "")
                    when = (activity.get("id") or {}).get("time", "")
                    return InstallRecord(
                        "recorded",
                        tuple(app_ids),
                        params["APP_ID"],
                        params.get("APPLICATION_NAME", ""),
                        str(when),
                        str(actor),
                    )
    return InstallRecord("not_recorded", tuple(app_ids))


def read_install(service: Any, app_ids: Sequence[str], *, cancel: CancelToken | None = None) -> InstallRecord:
    """Read the Admin audit log's ADD_APPLICATION events with a Reports `service` (googleapiclient) and look
    for `app_ids`. An error answer gives `unreadable` with the reason (never an exception)."""
    from googleapiclient.errors import HttpError

    from ec_console.providers.google.errors import is_network_error, short

    if not app_ids:
        return InstallRecord("unreadable", (), detail=say("the region's listing gives no app ID to look for"))

    def pages() -> Iterable[dict[str, Any]]:
        token: str | None = None
        for _ in range(MAX_AUDIT_PAGES):
            if cancel is not None:
                cancel.raise_if_cancelled()
            answer = (
                service.activities()
                .list(
                    userKey="all",
                    applicationName="admin",
                    eventName=INSTALL_EVENT,
                    maxResults=1000,
                    pageToken=token,
                )
                .execute(num_retries=0)
            )
            if not isinstance(answer, dict):
                raise ValueError("the answer is not a JSON object")
            yield answer
            token = answer.get("nextPageToken")
            if not token:
                return

    try:
        return find_install(pages(), app_ids)
    except HttpError as exc:
        status = getattr(exc.resp, "status", "?")
        reason = short(getattr(exc, "reason", "") or exc)
        if status in (401, 403):
            detail = say("the Reports API answered {status} ({reason}) — reading it takes an administrator "
                         "with the Reports privilege and the admin.reports.audit.readonly scope",
                         status=status, reason=reason)
        else:
            detail = say("the Reports API answered {status} ({reason})", status=status, reason=reason)
        return InstallRecord("unreadable", tuple(app_ids), detail=detail)
    except ValueError as exc:
        return InstallRecord(
            "unreadable", tuple(app_ids), detail=say("the Reports API's answer is unusable ({error})",
                                                     error=exc)
        )
    except Exception as exc:
        if not is_network_error(exc):
            raise
        return InstallRecord(
            "unreadable", tuple(app_ids), detail=say("the Reports API did not answer ({error})",
                                                     error=short(exc))
        )


# --- the setup check --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketplaceCheckSettings:
    """One Marketplace setup check: the test user, the optional user outside the install, who it is installed
    for (`org_unit` / `group`), and the vendor's side (`VendorSide`)."""

    user: str
    vendor: VendorSide
    expect_denied: str | None = None
    org_unit: str | None = None
    group: str | None = None


class _MarketplaceCheck:
    def __init__(self, settings: MarketplaceCheckSettings, sign_in: Callable[[], Any] | None) -> None:
        self.settings = settings
        self._sign_in = sign_in
        self.result: Any = None

    def functions(self) -> dict[str, Callable[[], Outcome | None]]:
        return {
            "sign_in": self.sign_in,
            "install": self.install,
            "vendor_delegation": self.vendor_delegation,
            "restriction": self.restriction,
        }

    def sign_in(self) -> Outcome:
        if self._sign_in is None:
            return warned(
                say("Not signed in: give the OAuth client file for sign-in so the console can confirm that "
                    "a super administrator of your organisation makes the install (only a super "
                    "administrator can install a Marketplace app for the domain).")
            )
        result = self.result = self._sign_in()
        data = {"admin": result.email, "status": result.status}
        if result.ok:
            return passed(
                say("{admin} signed in and is a super administrator: they can install the app for the "
                    "domain.",
                    admin=result.email),
                data,
            )
        if result.diagnosis is not None:
            detail = result.detail or result.diagnosis.cause
            if result.status == "not_admin":
                detail = say("{detail} A Marketplace app is installed for the domain by a super "
                             "administrator: "
                             "an install by anyone else is refused.", detail=detail)
            return failed(result.diagnosis, detail, data)
        return warned(say("The sign-in did not complete ({status}): {detail}", status=result.status,
                          detail=result.detail), data)

    def install(self) -> Outcome:
        if self.result is None or not self.result.ok:
            return skipped(
                say("Not looked up: the audit log is read with the signed-in super administrator's token.")
            )
        record: InstallRecord | None = getattr(self.result, "install", None)
        vendor = self.settings.vendor
        data: dict[str, Any] = {"app_ids": list(vendor.app_ids)}
        if record is None:
            return warned(
                say("The audit log was not read; whether the app is installed cannot be verified from "
                    "your side."),
                data,
            )
        data.update(status=record.status, app_id=record.app_id, time=record.time, actor=record.actor)
        if record.recorded:
            app = record.app_name or record.app_id
            if record.actor:
                detail = say("The Admin audit log records the app ({app}) added to the domain on {time} by "
                             "{actor}. The log does not say whether it is still installed, or for which "
                             "organisational units or groups.", app=app, time=record.time, actor=record.actor)
            else:
                detail = say("The Admin audit log records the app ({app}) added to the domain on {time} "
                             "by an "
                             "administrator. The log does not say whether it is still installed, or for "
                             "which "
                             "organisational units or groups.", app=app, time=record.time)
            return passed(detail, data)
        if record.status == "not_recorded":
            return warned(
                say("The Admin audit log holds no install event for this app (app ID {app_ids}): either "
                    "it is "
                    "not installed, or it was installed before the oldest event the log keeps. The install "
                    "cannot be verified from your side: see the app in the Admin console ({link}).",
                    app_ids=", ".join(vendor.app_ids), link=LINK_MARKETPLACE_APPS),
                data,
            )
        return warned(
            say("The Admin audit log could not be read: {detail}. The install cannot be verified from your "
                "side: see the app in the Admin console ({link}).", detail=record.detail,
                link=LINK_MARKETPLACE_APPS),
            data,
        )

    def vendor_delegation(self) -> Outcome:
        vendor = self.settings.vendor
        return warned(
            vendor.only_vendor_can_test(self.settings.user),
            {
                "tested": False,
                "who_can_test": vendor.region_label,
                "dashboard_url": vendor.dashboard_url,
                "client_id": vendor.client_id,
            },
        )

    def restriction(self) -> Outcome:
        outside = self.settings.expect_denied
        if not outside:
            return skipped(say("Not applicable: no user outside the install was named."))
        where = self.settings.org_unit or self.settings.group or say("the organisational units or "
                                                                     "groups chosen")
        return skipped(
            say("Not tested by this console: whether {user} (outside {where}) is refused is also a delegated "
                "token request as the vendor's client. {vendor}", user=outside, where=where,
                vendor=self.settings.vendor.only_vendor_can_test(outside)),
            {"tested": False, "account": outside},
        )


def check_settings_for(settings: dict[str, Any], target: str,
                       expect_denied: str | None = None) -> MarketplaceCheckSettings:
    """The Marketplace check of a saved (or being set up) application's `settings` for `target`."""
    return MarketplaceCheckSettings(target, VendorSide.from_settings(settings), expect_denied,
                                    settings.get("org_unit"), settings.get("group"))


def run_marketplace_check(
    settings: MarketplaceCheckSettings,
    *,
    sign_in: Callable[[], Any] | None = None,
    observer: Callable[[StepResult], None] | None = None,
    cancel: CancelToken | None = None,
    on_step_started: Callable[[str], None] | None = None,
) -> Report:
    """The Marketplace setup check of `settings.user`. `sign_in()` runs the administrator's sign-in (blocking,
    returning a `google.signin.SignInResult` whose `install` is read from the audit log); None: not signed
    in."""
    run = CheckRun(
        PROVIDER,
        settings.user,
        MARKETPLACE_STEPS,
        on_step=observer,
        on_step_started=on_step_started,
        cancel=cancel or CancelToken(),
    )
    return run.execute(_MarketplaceCheck(settings, sign_in).functions())


def org_unit_covers(install_path: str, user_path: str) -> bool:
    """True when an install for organisational unit `install_path` reaches a user in `user_path`
    (the unit itself and the units below it; "/" is everyone)."""
    top = "/" + install_path.strip().strip("/")
    path = "/" + (user_path or "/").strip().strip("/")
    return top == "/" or path == top or path.startswith(top + "/")


__all__ = [
    "INSTALL_EVENT",
    "LINK_MARKETPLACE_ACCESS_HELP",
    "LINK_MARKETPLACE_APPS",
    "MARKETPLACE_STEPS",
    "REPORTS",
    "REPORTS_AUDIT_READONLY",
    "InstallRecord",
    "MarketplaceCheckSettings",
    "VendorSide",
    "find_install",
    "org_unit_covers",
    "read_install",
    "run_marketplace_check",
]
