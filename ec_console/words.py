"""Small wording helpers shared by the CLI, the reports and the GUI: counts with the right plural."""

from __future__ import annotations


def count(n: int, one: str, many: str) -> str:
    """`n` with the noun that fits it, thousands separated: "1 profile", "0 profiles", "1,204 profiles"."""
    return f"{n:,} {one if n == 1 else many}"
