"""Exchange's scope for reconciliation: the scoping group's *direct* members through EWS ExpandDL.

Nested groups are not followed: the management scope's MemberOfGroup filter does not follow them either, so
their members are outside the scope (a note says which groups were left out; ExpandDL itself "is not
recursive", https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/expanddl).

The directory, for the leak sample, is read with EWS FindPeople where the server has it (Exchange 2013 and
later): the global address list (`DistinguishedFolderId Id="directory"`) searched with a query string per
leading letter or digit — the GAL cannot be browsed without one — as the application's test mailbox
(impersonated: FindPeople runs in a mailbox's context), each query paged through `IndexedPageItemView` until
`TotalNumberOfPeopleInView` is reached
(https://learn.microsoft.com/exchange/client-developer/web-service-reference/findpeople-operation). A query
whose pages stop short of that total, or run past `FIND_PEOPLE_MAX_PAGES`, makes the listing incomplete.
Where FindPeople is refused (an older server: ErrorInvalidServerVersion or a schema validation fault; no
impersonation; any error answer) the reason is noted and the directory is read with ResolveNames instead
(ambiguous name resolution against Active
Directory, as the service account), one query per leading letter or digit. ResolveNames answers at most 100
candidates a query ("the first 100 that are encountered",
https://learn.microsoft.com/previous-versions/office/developer/exchange-server-2010/bb408804(v=exchg.140)):
when a query is capped the listing is marked incomplete, and a draw from it is not a random sample.
"""

from __future__ import annotations

import logging
import string
import threading
import warnings
from typing import Any

from ec_console.checks import CancelToken
from ec_console.providers.scope import DirectoryListing, DirectoryUnreadable, ScopeMembers, scoping_group
from ec_console.texts import say

PREFIXES = tuple(string.ascii_lowercase + string.digits)
MAX_CANDIDATES = 100   # ResolveNames answers at most this many per query
FIND_PEOPLE_PAGE = 100        # personas asked for a FindPeople page (the documented example's size)
FIND_PEOPLE_MAX_PAGES = 100   # pages read for one query before the listing is called incomplete
_M = "{http://schemas.microsoft.com/exchange/services/2006/messages}"
_T = "{http://schemas.microsoft.com/exchange/services/2006/types}"
_S = "{http://schemas.xmlsoap.org/soap/envelope/}"


class FindPeopleRefused(Exception):
    """The server does not offer FindPeople to this caller (`reason`, in plain words: a `say()` text)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _find_people_body(mailbox: str, query: str, offset: int) -> bytes:
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" '
        'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">'
        '<s:Header><t:RequestServerVersion Version="Exchange2013"/>'
        "<t:ExchangeImpersonation><t:ConnectingSID>"
        f"<t:PrimarySmtpAddress>{escape(mailbox)}</t:PrimarySmtpAddress>"
        "</t:ConnectingSID></t:ExchangeImpersonation></s:Header>"
        "<s:Body><m:FindPeople><m:PersonaShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
        '<t:FieldURI FieldURI="persona:DisplayName"/><t:FieldURI FieldURI="persona:EmailAddress"/>'
        '<t:FieldURI FieldURI="persona:PersonaType"/></t:AdditionalProperties></m:PersonaShape>'
        f'<m:IndexedPageItemView BasePoint="Beginning" MaxEntriesReturned="{FIND_PEOPLE_PAGE}" '
        f'Offset="{offset}"/>'
        '<m:ParentFolderId><t:DistinguishedFolderId Id="directory"/></m:ParentFolderId>'
        f"<m:QueryString>{escape(query)}</m:QueryString></m:FindPeople></s:Body></s:Envelope>"
    ).encode()


def read_find_people_page(text: bytes) -> tuple[list[tuple[str, str]], int]:
    """(address, name) of the mailboxes ("Person" personas) of one FindPeople answer, and its
    TotalNumberOfPeopleInView. FindPeopleRefused for a SOAP fault or an error answer (its code)."""
    from exchangelib.util import ParseError, to_xml

    try:
        root = to_xml(text)
    except ParseError as exc:
        raise FindPeopleRefused(say("the answer to FindPeople is not XML ({error})",
                                    error=str(exc))) from None
    fault = root.find(f"{_S}Body/{_S}Fault")
    if fault is not None:
        code = (fault.findtext("faultcode") or "").rsplit(":", 1)[-1] or say("a SOAP fault")
        raise FindPeopleRefused(say("the server answered FindPeople with {code}", code=code))
    answer = root.find(f"{_S}Body/{_M}FindPeopleResponse")
    if answer is None:
        raise FindPeopleRefused(say("the server's answer to FindPeople has no FindPeopleResponse"))
    if answer.get("ResponseClass") != "Success":
        code = answer.findtext(f"{_M}ResponseCode") or ""
        raise FindPeopleRefused(say("the server answered FindPeople with {code}", code=code))
    people = []
    for persona in answer.iterfind(f"{_M}People/{_T}Persona"):
        kind = persona.findtext(f"{_T}PersonaType")
        address = (persona.findtext(f"{_T}EmailAddress/{_T}EmailAddress") or "").strip().lower()
        if kind in (None, "Person") and "@" in address:
            people.append((address, persona.findtext(f"{_T}DisplayName") or ""))
    try:
        total = int(answer.findtext(f"{_M}TotalNumberOfPeopleInView") or "")
    except ValueError:
        raise FindPeopleRefused(say("the answer to FindPeople gives no TotalNumberOfPeopleInView")) from None
    return people, total


def find_people_directory(protocol: Any, mailbox: str, cancel: CancelToken,
                          timeout: float) -> tuple[dict[str, str], bool]:
    """The GAL's mailboxes through FindPeople as `mailbox` (impersonated): (address -> name, complete)."""
    from ec_console.checks import CheckCancelled

    accounts: dict[str, str] = {}
    complete = True
    session = protocol.get_session()
    try:
        for prefix in PREFIXES:
            offset, pages = 0, 0
            while True:
                if cancel.cancelled:
                    raise CheckCancelled()
                body = _find_people_body(mailbox, prefix, offset)
                response = session.post(protocol.service_endpoint, data=body,
                                        headers={"Content-Type": "text/xml; charset=utf-8",
                                                 "X-AnchorMailbox": mailbox},
                                        timeout=timeout, allow_redirects=False)
                if response.status_code not in (200, 500):
                    raise FindPeopleRefused(say("the server answered FindPeople with HTTP {status}",
                                                status=response.status_code))
                people, total = read_find_people_page(response.content)
                pages += 1
                accounts.update(people)
                offset += FIND_PEOPLE_PAGE
                if offset >= total:
                    break
                if pages >= FIND_PEOPLE_MAX_PAGES or not people and offset < total and pages > 1:
                    complete = False   # stopped short of the total the server gave
                    break
    finally:
        protocol.release_session(session)
    return accounts, complete


class _QuietAmbiguity(logging.Filter):
    """Drops exchangelib's "Multiple results were found." on the thread listing the directory: for a
    one-letter query several matches are the point (ErrorNameResolutionMultipleResults is a warning)."""

    local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        quiet = getattr(self.local, "active", False)
        return not (quiet and "Multiple results were found" in record.getMessage())


_QUIET = _QuietAmbiguity()
logging.getLogger("exchangelib.services.common").addFilter(_QUIET)


def _settings(application: Any) -> Any:
    from ec_console.providers.base import ExchangeAdapter

    s = application.settings
    mailbox = s.get("test_mailbox") or f"postmaster@{application.domain}"
    return ExchangeAdapter.settings_for(application, mailbox)


class ExchangeScope:
    def members(self, application: Any, secret: str, cancel: CancelToken,
                group: str | None = None) -> ScopeMembers:
        from ec_console.providers.exchange.check import ScopeError, enumerate_scope

        group = scoping_group(application, group)
        try:
            listing = enumerate_scope(_settings(application), secret, group)
        except ScopeError as exc:
            raise DirectoryUnreadable(exc.diagnosis, exc.detail) from None
        notes: list[str] = [say("Only the group's direct members are in the scope: the management scope does "
                                "not follow nested groups, and neither does this list.")]
        notes += [say("{member} is a group nested in {group}: its members are outside the scope",
                      member=g.address or g.name, group=group) for g in listing.nested_groups]
        return ScopeMembers(say("the direct members of {group} (EWS ExpandDL)", group=group),
                            {m.address: m.name for m in listing.mailboxes if m.address}, notes)

    def directory(self, application: Any, secret: str, cancel: CancelToken) -> DirectoryListing | None:
        from ec_console.checks import CheckCancelled
        from ec_console.providers.exchange.check import ScopeError, _ExchangeCheck, _prepare, diagnosis_for

        settings = _settings(application)
        check = _ExchangeCheck(settings, secret, cancel)
        accounts: dict[str, str] = {}
        complete = True
        notes: tuple[str, ...] = ()
        try:
            _prepare(check)
            protocol = check._protocol()
            try:
                from exchangelib.version import EXCHANGE_2013

                build = protocol.version.build  # ResolveNames needs the server version first, too
                why_not = (say("the server is older than Exchange 2013") if build < EXCHANGE_2013 else
                           say("the application does not use impersonation (FindPeople runs as a mailbox)")
                           if not settings.impersonation else "")
                if not why_not:
                    try:
                        accounts, complete = find_people_directory(protocol, settings.mailbox, cancel,
                                                                   settings.timeout)
                        return DirectoryListing(accounts, say("the global address list (EWS FindPeople)"),
                                                complete)
                    except FindPeopleRefused as exc:
                        why_not = exc.reason
                notes = (say("EWS FindPeople was not used ({reason}): the directory was read with "
                             "ResolveNames, which answers at most 100 names a query.", reason=why_not),)
                for prefix in PREFIXES:
                    if cancel.cancelled:
                        raise CheckCancelled()
                    _QUIET.local.active = True
                    try:
                        with warnings.catch_warnings(record=True) as caught:
                            warnings.simplefilter("always")
                            found = protocol.resolve_names([prefix], search_scope="ActiveDirectory")
                    finally:
                        _QUIET.local.active = False
                    if len(found) >= MAX_CANDIDATES or any("at most" in str(w.message) for w in caught):
                        complete = False   # this query was capped at 100 candidates
                    for entry in found:
                        if isinstance(entry, Exception) or getattr(entry, "mailbox_type", None) != "Mailbox":
                            continue       # no match for this letter, or a group / contact / public folder
                        address = (getattr(entry, "email_address", None) or "").lower()
                        if "@" in address:
                            accounts[address] = getattr(entry, "name", None) or ""
            except Exception as exc:  # noqa: BLE001
                if isinstance(exc, CheckCancelled) or not check._expected(exc):
                    raise
                diagnosis, detail = diagnosis_for(exc, check.ctx)
                raise DirectoryUnreadable(diagnosis, say("EWS ResolveNames could not list the directory: "
                                                         "{detail}; give a list with --sample-from",
                                                         detail=detail)) from None
        except ScopeError as exc:
            raise DirectoryUnreadable(exc.diagnosis, exc.detail) from None
        finally:
            check.close()
        return DirectoryListing(accounts, say("the directory's mailboxes (EWS ResolveNames)"), complete,
                                notes)
