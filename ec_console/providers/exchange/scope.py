"""Exchange's scope for reconciliation: the scoping group's *direct* members through EWS ExpandDL.

Nested groups are not followed: the management scope's MemberOfGroup filter does not follow them either, so
their members are outside the scope (a note says which groups were left out; ExpandDL itself "is not
recursive", https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/expanddl).

The directory, for the leak sample, is read with EWS ResolveNames (ambiguous name resolution against Active
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

PREFIXES = tuple(string.ascii_lowercase + string.digits)
MAX_CANDIDATES = 100   # ResolveNames answers at most this many per query


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
        notes = ["Only the group's direct members are in the scope: the management scope does not follow "
                 "nested groups, and neither does this list."]
        notes += [f"{g.address or g.name} is a group nested in {group}: its members are outside the scope"
                  for g in listing.nested_groups]
        return ScopeMembers(f"the direct members of {group} (EWS ExpandDL)",
                            {m.address: m.name for m in listing.mailboxes if m.address}, notes)

    def directory(self, application: Any, secret: str, cancel: CancelToken) -> DirectoryListing | None:
        from ec_console.checks import CheckCancelled
        from ec_console.providers.exchange.check import ScopeError, _ExchangeCheck, _prepare, diagnosis_for

        check = _ExchangeCheck(_settings(application), secret, cancel)
        accounts: dict[str, str] = {}
        complete = True
        try:
            _prepare(check)
            protocol = check._protocol()
            try:
                protocol.version  # noqa: B018 - ResolveNames needs the server version first
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
                raise DirectoryUnreadable(diagnosis, "EWS ResolveNames could not list the directory: "
                                          f"{detail}; give a list with --sample-from") from None
        except ScopeError as exc:
            raise DirectoryUnreadable(exc.diagnosis, exc.detail) from None
        finally:
            check.close()
        return DirectoryListing(accounts, "the directory's mailboxes (EWS ResolveNames)", complete)
