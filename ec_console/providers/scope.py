"""Where an application's scope comes from, per platform, for reconciliation (ec_console/reconcile.py).

One small interface, `ScopeSource`, implemented in each platform's package (`providers/<platform>/scope.py`):

- `members(application, secret, cancel, group=None)`: the accounts the directory says the application may
  reach (the scope), as `ScopeMembers`;
- `directory(application, secret, cancel)`: the accounts of the directory (to draw the leak sample from), as a
  `DirectoryListing` that says whether it is complete (only a complete listing gives a random sample), or
  None when the platform offers no listing the console may use (the admin then gives a list).

Both raise `DirectoryUnreadable` (with the diagnosis when there is one) rather than guess: a reconciliation
that cannot read a set says so. Qt-free; every call blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ec_console.checks import CancelToken, Diagnosis
from ec_console.texts import say


@dataclass(frozen=True)
class ScopeMembers:
    """The scope as the directory states it: addresses (lower case) with display names, plus notes."""

    source: str                       # what was read, in plain words ("the direct members of ...")
    members: dict[str, str]           # address -> display name
    notes: list[str] = field(default_factory=list)
    # Where the platform itself fixes who the application reaches and the console can list it but not probe
    # it (a Google Marketplace install turned on for an organisational unit or group): those accounts
    # (address -> name), in plain words where they come from, and why the real reach cannot be read. Leaks
    # are then the accounts of `reach` outside `members`, not a probed sample.
    reach: dict[str, str] | None = None
    reach_source: str = ""
    reach_unread: str = ""


@dataclass(frozen=True)
class DirectoryListing:
    """The directory's accounts (address -> display name); `complete` False when the platform capped the
    listing (EWS ResolveNames answers at most 100 names a query), so a draw from it is not random."""

    accounts: dict[str, str]
    source: str
    complete: bool = True
    notes: tuple[str, ...] = ()       # how the listing was made (a source not used, and why)


class DirectoryUnreadable(Exception):
    """A set could not be read (permission missing, group not found, throttled ...): never guessed."""

    def __init__(self, diagnosis: Diagnosis | None, detail: str) -> None:
        super().__init__(detail)
        self.diagnosis = diagnosis
        self.detail = detail


def scoping_group(application: Any, group: str | None) -> str:
    """The group to reconcile against: the one given, else the application's saved one; refused when there
    is neither (the scope cannot be told without it)."""
    settings = application.settings
    chosen = group or settings.get("scope_group_address") or settings.get("scope_group")
    if not chosen:
        raise DirectoryUnreadable(None, say("The application {name} has no scoping group saved: give the "
                                            "group to reconcile against (Scope group in the Reconcile "
                                            "window, --scope-group on the command line)",
                                            name=repr(application.name)))
    return chosen


class ScopeSource(Protocol):
    def members(self, application: Any, secret: str, cancel: CancelToken,
                group: str | None = None) -> ScopeMembers: ...

    def directory(self, application: Any, secret: str, cancel: CancelToken) -> DirectoryListing | None: ...


def scope_source(provider: str, share: Any = None) -> ScopeSource:
    """The scope source of `provider` ("exchange", "graph", "google"); `share` (Graph: a
    `graph.probe.SignInShare`) lets its reads sign in once with the probes after them."""
    if provider == "exchange":
        from ec_console.providers.exchange.scope import ExchangeScope

        return ExchangeScope()
    if provider == "graph":
        from ec_console.providers.graph.scope import GraphScope

        return GraphScope(share)
    if provider == "google":
        from ec_console.providers.google.scope import GoogleScope

        return GoogleScope()
    raise ValueError(f"no scope source for provider {provider!r}")
