"""Probing many Exchange Online mailboxes through Microsoft Graph: one sign-in, JSON batching, group members.

`GraphProbeSession` serves the dashboard (link, relink, check all, the revoke verification):

- **One sign-in** per session, through the check's own `authenticate` step (MSAL client credentials, the
  same diagnoses): a refusal there is the application's problem and answers every probe of the session.
- **A probe** is the check's `read_calendar`: `calendarView` of the next 7 days with
  `$select=start,end,showAs,isAllDay` only, with the check's verdicts (`errors.graph_code`).
- **JSON batching** (learn.microsoft.com/graph/json-batching): told the run's mailboxes (`expect`), the
  session sends the first probe's mailbox together with the next ones not yet read, at most
  `BATCH_LIMIT` (20) requests in one `POST /v1.0/$batch`, keeps their answers, and hands each out when its
  probe comes. One HTTP round trip then reads up to 20 mailboxes. Each inner request is throttled on its
  own (an inner 429 with `Retry-After`): only the throttled items are sent again, after the longest
  `Retry-After` they asked for when it fits inside the timeout, at most `transport.MAX_TRIES` times in all;
  beyond that they answer `throttled` with the wait in `data.back_off` (never a profile's problem, so no
  status flips).
- **A sign-in shared between sessions** (`SignInShare`): sessions given the same share (a reconciliation's
  scope, sample and probes) use one app-only token while it stays valid (`SHARE_MARGIN_S` before its `exp`)
  instead of signing in again each.
- `list_group_members`: the scoping group's direct members (`/groups?$filter=mail eq '…'`, then
  `/groups/{id}/members/microsoft.graph.user`), which needs GroupMember.Read.All and User.ReadBasic.All.

Thread-safe (one lock: one batch in flight, the others' answers wait ready); close it at the end of a run.
Qt-free; never prints; no subject, body, location or attendee is requested or kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from requests.structures import CaseInsensitiveDict

from ec_console.checks import CancelToken, CheckCancelled, Outcome, StepStatus, passed, utc_now_iso
from ec_console.providers.graph.check import (
    CALENDAR_DAYS,
    EVENT_FIELDS,
    MAX_BLOCKS_IN_DATA,
    MAX_PAGES,
    GraphSettings,
    _block,
    _GraphCheck,
    _user_path,
    token_claims,
)
from ec_console.providers.graph.credentials import ClientCertificate
from ec_console.providers.graph.errors import graph_code
from ec_console.providers.graph.transport import MAX_TRIES, THROTTLE_STATUSES, GraphAnswer, retry_after
from ec_console.texts import say, say_n

BATCH_LIMIT = 20
SHARE_MARGIN_S = 120   # a shared token is not lent out when it expires sooner than this
PREFER_UTC = {"Prefer": 'outlook.timezone="UTC"'}
MAX_MEMBERS = 50_000


@dataclass(frozen=True)
class GraphProbe:
    """One mailbox read through Graph: `outcome` is the `read_calendar` step's (or the sign-in's, when
    `step` is `authenticate`)."""

    email: str
    outcome: Outcome
    checked_at: str
    step: str = "read_calendar"
    blocks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome.status is StepStatus.PASS


@dataclass(frozen=True)
class GroupMember:
    email: str
    name: str = ""


class GroupListingError(Exception):
    """The group's members could not be listed; `outcome` holds the diagnosis."""

    def __init__(self, outcome: Outcome, *, missing_roles: bool = False) -> None:
        super().__init__(outcome.detail)
        self.outcome = outcome
        self.missing_roles = missing_roles


class SignInShare:
    """One app-only sign-in lent to every session given this share, while its token is valid (its `exp`
    claim, less `SHARE_MARGIN_S`) and for the same application (tenant, client ID, authority, Graph).
    Holds the token in memory only, for one run (a reconciliation); never stored."""

    def __init__(self, clock: Any = time.time) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._key: tuple[str, ...] | None = None
        self._token: str | None = None
        self._roles: list[str] = []
        self._names: dict[str, Any] = {}
        self._expires = 0.0
        self.sign_ins = 0     # sign-ins made through sessions with this share
        self.lent = 0         # times the token was lent instead of a sign-in

    @staticmethod
    def _key_of(settings: GraphSettings) -> tuple[str, ...]:
        return (settings.tenant_id, settings.client_id, settings.authority_root, settings.graph_root,
                settings.scope)

    def lend(self, settings: GraphSettings, check: _GraphCheck) -> bool:
        """Give `check` the shared token when there is a valid one for these settings."""
        with self._lock:
            if (self._token is None or self._key != self._key_of(settings)
                    or self._clock() >= self._expires - SHARE_MARGIN_S):
                return False
            check.token, check.roles = self._token, list(self._roles)
            check.names.update(self._names)
            self.lent += 1
            return True

    def keep(self, settings: GraphSettings, check: _GraphCheck) -> None:
        """Keep the token `check` just signed in with."""
        exp = token_claims(check.token or "").get("exp")
        with self._lock:
            self.sign_ins += 1
            if not isinstance(exp, (int, float)):
                return
            self._key, self._token, self._roles = self._key_of(settings), check.token, list(check.roles)
            self._names = {k: v for k, v in check.names.items() if k == "sp_object_id"}
            self._expires = float(exp)


class GraphProbeSession:
    """See the module docstring. `requests_sent` counts Graph HTTP round trips (the token's not included)."""

    def __init__(self, settings: GraphSettings, credential: str | ClientCertificate,
                 share: SignInShare | None = None) -> None:
        self.settings = settings
        self._share = share
        self._credential = credential
        self._lock = threading.Lock()
        self._check: _GraphCheck | None = None
        self._sign_in_failure: Outcome | None = None
        self._upcoming: list[str] = []
        self._ready: dict[str, GraphProbe] = {}
        self.requests_sent = 0
        self.batches_sent = 0

    # -- life cycle ---------------------------------------------------------------------

    def expect(self, emails: list[str]) -> None:
        """The mailboxes this run will probe, in order: they are read ahead in batches of up to 20."""
        with self._lock:
            seen: set[str] = set()
            self._upcoming = [e for e in (x.lower() for x in emails) if not (e in seen or seen.add(e))]

    def close(self) -> None:
        with self._lock:
            if self._check is not None:
                self._check.close()
                self._check = None
            self._ready.clear()
            self._upcoming.clear()

    # -- sign-in ---------------------------------------------------------------------

    def _signed_in(self, cancel: CancelToken) -> _GraphCheck | Outcome:
        if self._sign_in_failure is not None:
            return self._sign_in_failure
        if self._check is not None and self._check.token:
            return self._check
        check = _GraphCheck(self.settings, self._credential, cancel)
        if self._share is not None and self._share.lend(self.settings, check):
            self._check = check
            return check
        try:
            outcome = check.authenticate()
        except Exception:
            check.close()
            raise
        if outcome.status is StepStatus.FAIL or not check.token:
            check.close()
            if outcome.diagnosis is not None and outcome.diagnosis.code not in (
                "throttled",
                "server_error",
                "timeout",
            ):
                self._sign_in_failure = outcome  # the application's problem: not retried in this run
            return outcome
        if self._share is not None:
            self._share.keep(self.settings, check)
        self._check = check
        return check

    # -- probes ---------------------------------------------------------------------

    def probe(self, email: str, cancel: CancelToken) -> GraphProbe:
        key = email.lower()
        with self._lock:
            ready = self._ready.pop(key, None)
            if ready is not None:
                return ready
            signed_in = self._signed_in(cancel)
            if isinstance(signed_in, Outcome):
                return GraphProbe(email, signed_in, utc_now_iso(), step="authenticate")
            batch = [key] + [e for e in self._upcoming if e != key and e not in self._ready][
                : BATCH_LIMIT - 1
            ]
            taken = set(batch)
            self._upcoming = [e for e in self._upcoming if e not in taken]
            try:
                answers = self._read(signed_in, batch, cancel)
            except CheckCancelled:
                self._upcoming = batch[1:] + self._upcoming
                raise
            for other in batch[1:]:
                self._ready[other] = answers[other]
            mine = answers[key]
            return replace(mine, email=email)

    def _read(self, check: _GraphCheck, emails: list[str], cancel: CancelToken) -> dict[str, GraphProbe]:
        check.cancel = cancel
        if len(emails) == 1:
            return {emails[0]: self._read_one(check, emails[0])}
        return self._read_batch(check, emails, cancel)

    def _view_query(self) -> dict[str, str]:
        start = datetime.now(UTC).replace(microsecond=0)
        end = start + timedelta(days=CALENDAR_DAYS)
        return {
            "startDateTime": _iso(start),
            "endDateTime": _iso(end),
            "$select": EVENT_FIELDS,
            "$top": "100",
        }

    def _read_one(self, check: _GraphCheck, email: str) -> GraphProbe:
        checked_at = utc_now_iso()
        url = check._url(_user_path(email) + "/calendarView", self._view_query())
        self.requests_sent += 1
        answer = check._call("GET", "", url=url, headers=PREFER_UTC)
        if isinstance(answer, Outcome):
            return GraphProbe(email, answer, checked_at)
        return self._conclude(check, email, answer, checked_at)

    def _read_batch(
        self, check: _GraphCheck, emails: list[str], cancel: CancelToken
    ) -> dict[str, GraphProbe]:
        checked_at = utc_now_iso()
        query = urlencode(self._view_query(), safe="$,:")
        pending = {str(n): email for n, email in enumerate(emails, start=1)}
        done: dict[str, GraphProbe] = {}
        for attempt in range(1, MAX_TRIES + 1):
            body = {
                "requests": [
                    {
                        "id": item,
                        "method": "GET",
                        "url": f"{_user_path(email)[len('/v1.0') :]}/calendarView?{query}",
                        "headers": dict(PREFER_UTC),
                    }
                    for item, email in pending.items()
                ]
            }
            self.requests_sent += 1
            self.batches_sent += 1
            outer = check._call("POST", "/v1.0/$batch", json_body=body)
            if isinstance(outer, Outcome):
                done.update({email: GraphProbe(email, outer, checked_at) for email in pending.values()})
                return done
            responses = outer.body.get("responses") if outer.ok and isinstance(outer.body, dict) else None
            if not isinstance(responses, list):
                outcome = (
                    check._refusal(outer, lambda **v: say("Microsoft Graph refused the batch request: HTTP "
                                                          "{status} ({code})", **v))
                    if not outer.ok
                    else check._fail(
                        "server_error",
                        say("Microsoft Graph's batch answer holds no responses"),
                        error="no 'responses' list in the batch answer",
                    )
                )
                done.update({email: GraphProbe(email, outcome, checked_at) for email in pending.values()})
                return done
            throttled: dict[str, GraphAnswer] = {}
            for item in responses:
                if not isinstance(item, dict) or str(item.get("id")) not in pending:
                    continue
                email = pending[str(item["id"])]
                status = item.get("status") if isinstance(item.get("status"), int) else 0
                headers = CaseInsensitiveDict(
                    item.get("headers") if isinstance(item.get("headers"), dict) else {}
                )
                answer = GraphAnswer(status, item.get("body"), headers, attempt)  # type: ignore[arg-type]
                if status in THROTTLE_STATUSES:
                    throttled[str(item["id"])] = answer
                else:
                    done[email] = self._conclude(check, email, answer, checked_at)
            missing = [i for i in pending if i not in throttled and pending[i] not in done]
            for item in missing:
                done[pending[item]] = GraphProbe(
                    pending[item],
                    check._fail(
                        "server_error",
                        say("Microsoft Graph's batch answer left this mailbox out"),
                        error="no answer for the request in the batch",
                    ),
                    checked_at,
                )
            if not throttled:
                return done
            waits = [retry_after(a.headers) for a in throttled.values()]
            wait = max((w for w in waits if w is not None), default=None)
            if attempt == MAX_TRIES or wait is None or wait > self.settings.timeout:
                for item, answer in throttled.items():
                    email = pending[item]
                    done[email] = GraphProbe(
                        email,
                        check._refusal(
                            answer, lambda **v: say("Microsoft Graph is limiting the application's requests: "
                                                    "HTTP {status} ({code})", **v), email
                        ),
                        checked_at,
                    )
                return done
            cancel.sleep(wait)
            cancel.raise_if_cancelled()
            pending = {item: pending[item] for item in throttled}
        return done  # pragma: no cover - the loop always returns

    def _conclude(self, check: _GraphCheck, email: str, answer: GraphAnswer, checked_at: str) -> GraphProbe:
        """The verdict on one calendarView answer (its further pages followed one by one)."""
        if not answer.ok:
            return GraphProbe(
                email, check._refusal(answer, _unreadable(email), email), checked_at
            )
        blocks: list[dict[str, Any]] = []
        pages = 0
        current: GraphAnswer = answer
        while True:
            body = current.body if isinstance(current.body, dict) else {}
            events = body.get("value")
            if not isinstance(events, list):
                return GraphProbe(
                    email,
                    check._fail(
                        "server_error",
                        say("Microsoft Graph's answer holds no list of events"),
                        error="no 'value' list in the calendar view",
                    ),
                    checked_at,
                )
            blocks.extend(_block(e) for e in events if isinstance(e, dict))
            pages += 1
            link = body.get("@odata.nextLink")
            if not isinstance(link, str) or pages >= MAX_PAGES:
                break
            if not link.startswith(self.settings.graph_root + "/"):
                return GraphProbe(
                    email,
                    check._fail(
                        "server_error",
                        say("Microsoft Graph pointed the next page at another host"),
                        error="a next page outside the Graph root",
                    ),
                    checked_at,
                )
            self.requests_sent += 1
            following = check._call("GET", "", url=link, headers=PREFER_UTC)
            if isinstance(following, Outcome):
                return GraphProbe(email, following, checked_at)
            if not following.ok:
                return GraphProbe(
                    email,
                    check._refusal(following, _unreadable(email), email),
                    checked_at,
                )
            current = following
        blocks.sort(key=lambda b: (b["start"], b["end"]))
        detail = say_n(
            "{n} busy block in the next {days} days (times and free/busy status only; no subjects, bodies, "
            "locations or attendees fetched)",
            "{n} busy blocks in the next {days} days (times and free/busy status only; no subjects, bodies, "
            "locations or attendees fetched)", len(blocks), days=CALENDAR_DAYS)
        data = {"count": len(blocks), "days": CALENDAR_DAYS, "blocks": blocks[:MAX_BLOCKS_IN_DATA]}
        return GraphProbe(email, passed(detail, data), checked_at, blocks=blocks)

    # -- the scoping group ---------------------------------------------------------------------

    def _directory_check(self, cancel: CancelToken) -> _GraphCheck:
        """The signed-in check a directory read goes through (hold the lock); GroupListingError with the
        sign-in's outcome when the sign-in fails."""
        signed_in = self._signed_in(cancel)
        if isinstance(signed_in, Outcome):
            raise GroupListingError(signed_in)
        signed_in.cancel = cancel
        return signed_in

    def list_group_members(self, group: str, cancel: CancelToken) -> list[GroupMember]:
        """The direct members of the group with this address (or display name) that have a mail address."""
        with self._lock:
            check = self._directory_check(cancel)
            field_name = "mail" if "@" in group else "displayName"
            literal = group.replace("'", "''")
            self.requests_sent += 1
            found = check._call(
                "GET",
                "/v1.0/groups",
                {"$filter": f"{field_name} eq '{literal}'", "$select": "id,displayName,mail"},
            )
            if isinstance(found, Outcome):
                raise GroupListingError(found)
            if not found.ok:
                raise GroupListingError(
                    self._directory_refusal(check, found, group), missing_roles=found.status == 403
                )
            groups = found.body.get("value") if isinstance(found.body, dict) else None
            if not isinstance(groups, list) or not groups or not isinstance(groups[0], dict):
                missing = say("Microsoft Graph found no group {group}", group=group)
                raise GroupListingError(_plain_failure(missing))
            group_id = str(groups[0].get("id") or "")
            url: str | None = check._url(
                f"/v1.0/groups/{quote(group_id, safe='')}/members/microsoft.graph.user",
                {"$select": "id,mail,userPrincipalName,displayName", "$top": "999"},
            )
            members: list[GroupMember] = []
            unnamed = 0
            while url and len(members) < MAX_MEMBERS:
                self.requests_sent += 1
                page = check._call("GET", "", url=url)
                if isinstance(page, Outcome):
                    raise GroupListingError(page)
                if not page.ok:
                    raise GroupListingError(
                        self._directory_refusal(check, page, group), missing_roles=page.status == 403
                    )
                body = page.body if isinstance(page.body, dict) else {}
                for user in body.get("value") or []:
                    if not isinstance(user, dict):
                        continue
                    mail = user.get("mail") or user.get("userPrincipalName")
                    if isinstance(mail, str) and "@" in mail:
                        name = user.get("displayName")
                        members.append(GroupMember(mail.lower(), name if isinstance(name, str) else ""))
                    else:
                        unnamed += 1
                link = body.get("@odata.nextLink")
                url = (
                    link
                    if isinstance(link, str) and link.startswith(self.settings.graph_root + "/")
                    else None
                )
            if unnamed and not members:
                raise GroupListingError(
                    _plain_failure(
                        say("Microsoft Graph listed the group's members without their addresses: the "
                            "application lacks the directory permission User.ReadBasic.All")
                    ),
                    missing_roles=True,
                )
            return members

    def list_users(self, cancel: CancelToken, limit: int = MAX_MEMBERS) -> list[GroupMember]:
        """The tenant's users with a mail address (`GET /users`, pages of 999 followed by `@odata.nextLink`;
        at most `limit`). Needs User.ReadBasic.All (or User.Read.All, Directory.Read.All)."""
        with self._lock:
            check = self._directory_check(cancel)
            url: str | None = check._url("/v1.0/users", {"$select": "id,mail,userPrincipalName,displayName",
                                                          "$top": "999"})
            users: list[GroupMember] = []
            while url and len(users) < limit:
                self.requests_sent += 1
                page = check._call("GET", "", url=url)
                if isinstance(page, Outcome):
                    raise GroupListingError(page)
                if not page.ok:
                    refusal = self._directory_refusal(check, page, None)
                    raise GroupListingError(refusal, missing_roles=page.status == 403)
                body = page.body if isinstance(page.body, dict) else {}
                for user in body.get("value") or []:
                    mail = user.get("mail") if isinstance(user, dict) else None
                    if isinstance(mail, str) and "@" in mail:
                        name = user.get("displayName")
                        users.append(GroupMember(mail.lower(), name if isinstance(name, str) else ""))
                link = body.get("@odata.nextLink")
                ours = isinstance(link, str) and link.startswith(self.settings.graph_root + "/")
                url = link if ours else None
            return users[:limit]

    def _directory_refusal(self, check: _GraphCheck, answer: GraphAnswer, group: str | None) -> Outcome:
        """A refused directory read: of the members of `group`, or of the tenant's users (`group` None)."""
        shown = answer.error_code or f"HTTP {answer.status}"
        if answer.status == 403:
            if group is None:
                return _plain_failure(say("Microsoft Graph refused to list the users of the tenant "
                                          "({code}): the "
                                          "application lacks the directory permission User.ReadBasic.All",
                                          code=shown))
            return _plain_failure(say("Microsoft Graph refused to list the group {group} ({code}): the "
                                      "application lacks the directory permissions GroupMember.Read.All and "
                                      "User.ReadBasic.All", group=group, code=shown))
        code = graph_code(answer.status, answer.error_code, answer.error_message)
        if code in (
            "mailbox_not_found",
            "mailbox_access_denied",
            "mailbox_not_enabled",
            "access_policy_denied",
        ):
            code = "server_error"
        if group is None:
            detail = say("Microsoft Graph could not list the users of the tenant ({code})", code=shown)
        else:
            detail = say("Microsoft Graph could not list the group {group} ({code})", group=group, code=shown)
        return check._fail(
            code,
            detail,
            error=f"HTTP {answer.status} {answer.error_code}".strip(),
        )


def _unreadable(email: str) -> Callable[..., str]:
    return lambda **v: say("The calendar of {mailbox} could not be read: HTTP {status} ({code})",
                           mailbox=email, **v)


def _plain_failure(detail: str) -> Outcome:
    return Outcome(StepStatus.FAIL, detail)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


__all__ = ["BATCH_LIMIT", "GraphProbe", "GraphProbeSession", "GroupListingError", "GroupMember"]
