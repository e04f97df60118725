"""Set-up shared by the tests that run against the EWS sandbox with a registry (no tests here).

- `sandbox_fixture(scope, **switches)`: a `sandbox` fixture (an `ec_console.sandbox.Sandbox`, its
  organisation's `switches` set, e.g. `throttle_back_off_ms=50`); a test module takes one with
  `sandbox = sandbox_fixture("module", ...)`, or per test (`"function"`) where a test changes the
  organisation for good (a withdrawal).
- `org`: that sandbox's organisation; every switch a test flips (in scope, extra grant, behaviour) is put
  back afterwards.
- `registry` (the "us" region's) and `store` (an in-memory credential store).
- `ews_spec` / `add_ews_application`: the sandbox's service account added as an application through the core
  (its setup check must pass).
- `withdraw_impersonation(sandbox)`: what an administrator does at the platform to withdraw the grant (the
  service account loses ApplicationImpersonation); use it with a per-test sandbox.

Its fixtures reach every test module through `pytest_plugins` in tests/conftest.py (a module's own fixture
of the same name wins); the helpers are imported. Used by tests/test_reconcile.py, test_ui_reconcile.py,
test_monitor_sandbox.py, test_ui_link.py (through test_ui_dashboard_support.py) and
test_revoke_verification.py.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ec_console import dashboard
from ec_console.checks import StepStatus
from ec_console.registry import Registry
from ec_console.sandbox import Sandbox
from ec_console.sandbox.org import Impersonation
from ec_console.secrets import MemoryStore

APP_NAME = "Sandbox EWS"


def sandbox_fixture(scope: str = "module", **switches: Any) -> Any:
    """A `sandbox` fixture of `scope` whose organisation has `switches` set."""

    @pytest.fixture(scope=scope, name="sandbox")
    def _sandbox() -> Any:
        with Sandbox() as sb:
            for name, value in switches.items():
                setattr(sb.org, name, value)
            yield sb

    return _sandbox


@pytest.fixture
def org(sandbox: Any) -> Any:
    """The sandbox's organisation; every switch a test flips is put back afterwards."""
    org = sandbox.org
    saved = {a: (m.in_scope, m.extra_grant, m.behaviour) for a, m in org.mailboxes.items()}
    yield org
    for address, (in_scope, extra, behaviour) in saved.items():
        box = org.mailboxes[address]
        box.in_scope, box.extra_grant, box.behaviour = in_scope, extra, behaviour


@pytest.fixture
def registry() -> Any:
    with Registry.for_region("us") as reg:
        yield reg


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def ews_spec(sandbox: Any, name: str = APP_NAME, timeout: float = 10,
             denied: bool = True) -> dashboard.ApplicationSpec:
    """The sandbox's service account as an application: its scoping group, test mailbox and (`denied`) a
    mailbox outside the scope."""
    info = sandbox.info()
    return dashboard.ApplicationSpec(
        name, "exchange", info.domain,
        {"ews_url": info.ews_url, "username": info.username, "ca_file": info.ca_file,
         "scope_group": info.scope_group, "scope_group_address": info.scope_group_address,
         "timeout": timeout},
        info.mailbox_in_scope, expect_denied=info.mailbox_out_of_scope if denied else None)


def add_ews_application(sandbox: Any, registry: Registry, store: Any, name: str = APP_NAME,
                        timeout: float = 10, denied: bool = True) -> Any:
    """Add the sandbox's application through the core (its setup check passes); its `AddOutcome`."""
    outcome = dashboard.add_application(registry, ews_spec(sandbox, name, timeout, denied),
                                        sandbox.info().password, store=store)
    assert outcome.report.result is StepStatus.PASS, outcome.report.to_dict()
    return outcome


def withdraw_impersonation(sandbox: Any) -> None:
    """The administrator's step at the platform: the service account loses ApplicationImpersonation."""
    org = sandbox.org
    username = sandbox.info().username
    for index, account in enumerate(org.accounts):
        if account.down_level == username:
            org.accounts[index] = dataclasses.replace(account, impersonation=Impersonation.NONE)
            return
    raise AssertionError("the sandbox's service account was not found")
