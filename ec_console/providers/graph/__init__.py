"""Exchange Online through Microsoft Graph: app-only access via MSAL, scoped by RBAC for Applications.

`check` runs the connectivity check, `errors` reads refusals, `credentials` loads the application's
certificate, `transport` is the check's HTTP session (trust, timeout, answer cap, throttling), `clouds` the
national clouds. The names below load their module on first use (PEP 562), so building the command line or
starting the window does not import MSAL.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ec_console.providers.graph.clouds import CLOUDS

_LAZY = {
    "GraphSettings": "check",
    "graph_steps": "check",
    "run_graph_check": "check",
    "CertificateProblem": "credentials",
    "ClientCertificate": "credentials",
    "is_certificate_text": "credentials",
    "load_certificate": "credentials",
    "parse_certificate": "credentials",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CLOUDS",
    "CertificateProblem",
    "ClientCertificate",
    "GraphSettings",
    "graph_steps",
    "is_certificate_text",
    "load_certificate",
    "parse_certificate",
    "run_graph_check",
]
