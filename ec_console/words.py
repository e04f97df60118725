"""Small wording helpers shared by the CLI, the reports and the GUI: counts with the right plural."""

from __future__ import annotations

from ec_console.i18n import format_number, ngettext

PROVIDER_LABELS = {"exchange": "Exchange", "google": "Google Workspace", "graph": "Microsoft 365 (Graph)"}


def provider_label(provider: str) -> str:
    """An application's platform as the console names it in lists ("Microsoft 365 (Graph)" for `graph`)."""
    return PROVIDER_LABELS.get(provider, provider.title())


def count(n: int, one: str, many: str) -> str:
    """`n` with the noun that fits it, thousands separated: "1 profile", "0 profiles", "1,204 profiles".

    The noun goes through `ngettext` (extracted with the keyword `count:2,3`), so a catalog can give the
    plural its language needs ("1.204 Profile" in German); the number follows the current language.
    """
    return f"{format_number(n)} {ngettext(one, many, n)}"
