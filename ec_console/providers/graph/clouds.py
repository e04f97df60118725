"""Microsoft's national clouds for Graph: each one's sign-in authority and Graph root (GRAPH_NOTES.md;
learn.microsoft.com/graph/deployments). A module of its own, with no imports, so the command line can list
the choices without loading MSAL."""

from __future__ import annotations

CLOUDS: dict[str, tuple[str, str]] = {
    "global": ("https://login.microsoftonline.com", "https://graph.microsoft.com"),
    "usgov": ("https://login.microsoftonline.us", "https://graph.microsoft.us"),
    "usgovdod": ("https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    "china": ("https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}

__all__ = ["CLOUDS"]
