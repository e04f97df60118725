"""Exchange's scope for reconciliation: the scoping group's *direct* members through EWS ExpandDL.

Nested groups are not followed: the management scope's MemberOfGroup filter does not follow them either, so
their members are outside the scope (a note says which groups were left out). The directory is not listed:
the leak sample comes from the mailboxes the admin names (`--sample-from`, `--expect-denied`).
"""

from __future__ import annotations

from typing import Any

from ec_console.checks import CancelToken
from ec_console.providers.scope import DirectoryUnreadable, ScopeMembers


class ExchangeScope:
    def members(self, application: Any, secret: str, cancel: CancelToken,
                group: str | None = None) -> ScopeMembers:
        from ec_console.providers.base import ExchangeAdapter
        from ec_console.providers.exchange.check import ScopeError, enumerate_scope

        s = application.settings
        group = group or s.get("scope_group_address") or s.get("scope_group")
        if not group:
            raise DirectoryUnreadable(None, f"The application {application.name!r} has no scoping group "
                                            "saved; name it with --scope-group")
        settings = ExchangeAdapter.settings_for(application, s.get("test_mailbox")
                                                or f"postmaster@{application.domain}")
        try:
            listing = enumerate_scope(settings, secret, group)
        except ScopeError as exc:
            raise DirectoryUnreadable(exc.diagnosis, exc.detail) from None
        notes = ["Only the group's direct members are in the scope: the management scope does not follow "
                 "nested groups, and neither does this list."]
        notes += [f"{g.address or g.name} is a group nested in {group}: its members are outside the scope"
                  for g in listing.nested_groups]
        return ScopeMembers(f"the direct members of {group} (EWS ExpandDL)",
                            {m.address: m.name for m in listing.mailboxes if m.address}, notes)

    def directory(self, application: Any, secret: str, cancel: CancelToken) -> dict[str, str] | None:
        return None  # EWS offers no directory listing: the admin gives the sample (--sample-from)
