"""The Microsoft 365 side of the sandbox: the identity platform as MSAL meets it, and Microsoft Graph v1.0.

See sandbox.py (`GraphSandbox`) and docs/sandbox-graph.md.
"""

from ec_console.sandbox.graph.sandbox import GraphSandbox, GraphSandboxInfo

__all__ = ["GraphSandbox", "GraphSandboxInfo"]
