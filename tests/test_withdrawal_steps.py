"""The platform steps that withdraw an Exchange application's grant name the service account in the form
each cmdlet documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ec_console.providers.base import ExchangeAdapter


@dataclass
class _App:
    name: str = "Contoso EWS"
    provider: str = "exchange"
    domain: str = "contoso.com"
    settings: dict[str, Any] = field(default_factory=dict)


def _disable_step(username: str) -> str:
    steps = ExchangeAdapter().withdrawal_steps(_App(settings={"username": username, "scope_group": "Cal"}))
    [step] = [s for s in steps if "Disable-ADAccount" in s]
    return step.split("Disable-ADAccount", 1)[1]


# Disable-ADAccount -Identity takes "an account by its distinguished name, GUID, security identifier (SID), or
# Security Accounts Manager (SAM) account name", or an account object (for example from Get-ADUser) --
# https://learn.microsoft.com/en-us/powershell/module/activedirectory/disable-adaccount . Neither
# DOMAIN\user nor a UPN is one of those forms.
@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("CONTOSO\\svc-calendar", " -Identity svc-calendar"),               # the SAM account name
        ("svc-calendar", " -Identity svc-calendar"),
        ("svc-calendar@contoso.com",                                       # an ADUser object found by UPN
         " -Identity (Get-ADUser -Filter \"UserPrincipalName -eq 'svc-calendar@contoso.com'\")"),
    ],
)
def test_disable_adaccount_gets_a_sam_account_name_or_an_account_object(username, expected):
    tail = _disable_step(username)
    assert tail == expected
    assert "\\" not in tail
