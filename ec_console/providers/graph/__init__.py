"""Exchange Online through Microsoft Graph: app-only access via MSAL, scoped by RBAC for Applications.

`check` runs the connectivity check, `errors` reads refusals, `credentials` loads the application's
certificate, `transport` is the check's HTTP session (trust, timeout, answer cap, throttling).
"""

from ec_console.providers.graph.check import (
    CLOUDS,
    GraphSettings,
    graph_steps,
    run_graph_check,
)
from ec_console.providers.graph.credentials import CertificateProblem, ClientCertificate, load_certificate

__all__ = [
    "CLOUDS",
    "CertificateProblem",
    "ClientCertificate",
    "GraphSettings",
    "graph_steps",
    "load_certificate",
    "run_graph_check",
]
