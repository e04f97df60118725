"""What the streamed-list test and its bench share (tests/test_streaming_lists.py,
bench/bench_streaming_lists.py): a stdout that keeps nothing, and a registry of `count` linked profiles."""

from __future__ import annotations

import io
from typing import Any


class Sink(io.TextIOBase):
    """A stdout that keeps nothing (so only the command's own memory is measured)."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def seed(count: int, registry: Any = None) -> None:
    """One application and `count` linked profiles (one bulk load) in `registry`, else region us's file."""
    from ec_console.registry import Registry

    if registry is None:
        with Registry.for_region("us") as opened:
            seed(count, opened)
        return
    app = registry.add_application("Room booking", "exchange", "contoso.com")
    registry.bulk_load_profiles((app.id, f"user{n:07d}@contoso.com", f"Person Number {n:07d}", "linked",
                                 "2026-11-23T22:18:09Z", "pass", None) for n in range(count))


def export_csv(registry: Any = None) -> None:
    """The profile CSV export of every profile (`table_csv.iter_profiles`) into a `Sink`."""
    from ec_console.registry import ProfileQuery, Registry
    from ec_console.table_csv import iter_profiles, write_table

    if registry is None:
        with Registry.for_region("us") as opened:
            export_csv(opened)
        return
    rows = ([p.email, p.display_name] for p in iter_profiles(registry, ProfileQuery()))
    write_table(["Email", "Name"], rows, Sink())
