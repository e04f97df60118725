"""Small wording helpers shared by the CLI, the reports and the GUI: counts with the right plural."""

from __future__ import annotations

PROVIDER_LABELS = {"exchange": "Exchange", "google": "Google Workspace", "graph": "Microsoft 365 (Graph)"}


def provider_label(provider: str) -> str:
    """An application's platform as the console names it in lists ("Microsoft 365 (Graph)" for `graph`)."""
    return PROVIDER_LABELS.get(provider, provider.title())


def count(n: int, one: str, many: str) -> str:
    """`n` with the noun that fits it, thousands separated: "1 profile", "0 profiles", "1,204 profiles"."""
    return f"{n:,} {one if n == 1 else many}"
