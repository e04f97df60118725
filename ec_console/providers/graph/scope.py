"""Microsoft Graph's scope for reconciliation: `/groups/{id}/members` of the application's scoping group
(paged through `@odata.nextLink`), and the tenant's users (`/users`) to draw the leak sample from. Given a
`SignInShare` (a reconciliation passes its own), both reads and the probes after them sign in once."""

from __future__ import annotations

from typing import Any

from ec_console.checks import CancelToken
from ec_console.providers.scope import DirectoryListing, DirectoryUnreadable, ScopeMembers, scoping_group
from ec_console.texts import say

PERMISSIONS_HINT = say("Grant the application GroupMember.Read.All and User.ReadBasic.All (Microsoft Entra "
                    "admin center: App registrations, the app, API permissions, Microsoft Graph, Application "
                    "permissions, then Grant admin consent)")


def _session(application: Any, secret: str, share: Any) -> tuple[Any, Any]:
    from ec_console.providers.base import GraphAdapter

    session = GraphAdapter().probe_session(application, secret, concurrency=1, share=share)
    return session, getattr(session, "session", None)


def _unreadable(exc: Any) -> DirectoryUnreadable:
    detail = exc.outcome.detail
    if exc.missing_roles:
        detail = say("{detail}. {hint}", detail=detail, hint=PERMISSIONS_HINT)
    return DirectoryUnreadable(exc.outcome.diagnosis, detail)


class GraphScope:
    def __init__(self, share: Any = None) -> None:
        self.share = share   # a graph.probe.SignInShare: one sign-in for the scope, the sample and the probes

    def members(self, application: Any, secret: str, cancel: CancelToken,
                group: str | None = None) -> ScopeMembers:
        from ec_console.providers.graph.probe import GroupListingError

        group = scoping_group(application, group)
        wrapper, session = _session(application, secret, self.share)
        try:
            if session is None or not hasattr(session, "list_group_members"):
                failure = wrapper.probe(application.settings.get("test_mailbox") or "", cancel)
                raise DirectoryUnreadable(failure.diagnosis, failure.detail)
            members = session.list_group_members(group, cancel)
        except GroupListingError as exc:
            raise _unreadable(exc) from None
        finally:
            wrapper.close()
        notes = [say("Only the group's direct members are in the scope: RBAC for Applications does not apply "
                     "the management scope to members of nested groups.")]
        return ScopeMembers(say("the direct members of {group} (Microsoft Graph)", group=group),
                            {m.email: m.name for m in members}, notes)

    def directory(self, application: Any, secret: str, cancel: CancelToken) -> DirectoryListing | None:
        from ec_console.providers.graph.probe import GroupListingError

        wrapper, session = _session(application, secret, self.share)
        try:
            if session is None or not hasattr(session, "list_users"):
                failure = wrapper.probe(application.settings.get("test_mailbox") or "", cancel)
                raise DirectoryUnreadable(failure.diagnosis, failure.detail)
            users = session.list_users(cancel)
        except GroupListingError as exc:
            raise _unreadable(exc) from None
        finally:
            wrapper.close()
        return DirectoryListing({u.email: u.name for u in users},
                                say("the tenant's users (Microsoft Graph /users)"))
