"""`ec-console profiles list` (table and JSON) and the profile CSV export stream from one registry cursor:
their memory does not grow with the registry, and their output is what the whole-list writers produce."""

from __future__ import annotations

import io
import json
import sys
import tracemalloc

import pytest

from ec_console import cli
from ec_console.commands.common import print_table
from ec_console.registry import ProfileQuery, Registry
from ec_console.table_csv import iter_profiles, write_table


class Sink(io.TextIOBase):
    """A stdout that keeps nothing (so only the command's own memory is measured)."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def seed(count: int) -> None:
    with Registry.for_region("us") as registry:
        app = registry.add_application("Room booking", "exchange", "contoso.com")
        registry.bulk_load_profiles((app.id, f"user{n:06d}@contoso.com", f"Person Number {n:06d}", "linked",
                                     "2026-11-23T22:18:09Z", "pass", None) for n in range(count))


def peak_bytes(work) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        work()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def export_csv() -> None:
    with Registry.for_region("us") as registry:
        rows = ([p.email, p.display_name] for p in iter_profiles(registry, ProfileQuery()))
        write_table(["Email", "Name"], rows, Sink())


@pytest.mark.parametrize("what", ["list-json", "list-table", "csv-export"])
def test_memory_does_not_grow_with_the_registry(what, monkeypatch, tmp_path):
    def run() -> None:
        if what == "csv-export":
            export_csv()
            return
        args = ["profiles", "list", "--region", "us"] + (["--json"] if what == "list-json" else [])
        with monkeypatch.context() as patch:
            patch.setattr(sys, "stdout", Sink())
            assert cli.main(args) == 0

    peaks = []
    for count in (2_000, 40_000):
        monkeypatch.setenv("EC_CONSOLE_HOME", str(tmp_path / str(count)))
        seed(count)
        with Registry.for_region("us") as registry:
            assert registry.count_profiles() == count
        run()  # warm: imports and caches are not the command's working memory
        peaks.append(peak_bytes(run))
    # Holding the rows (or only their ids) grows with them: about 4x (the export's id list) to 20x (the
    # whole list) here for twenty times the rows. Streaming stays flat, give or take a few hundred
    # kilobytes of the interpreter's own (measured up to 1.6x of the small run's peak on a fresh checkout).
    assert peaks[1] < 2 * peaks[0], peaks


def test_streamed_outputs_are_what_the_whole_list_writers_print(capsys):
    seed(1_203)  # more than two cursor batches, not a multiple of one
    with Registry.for_region("us") as registry:
        everything = registry.list_profiles(ProfileQuery(sort="display_name", descending=True))
    assert cli.main(["profiles", "list", "--region", "us", "--sort", "display_name", "--desc", "--json"]) == 0
    out = capsys.readouterr().out
    expected = [{"id": p.id, "email": p.email, "display_name": p.display_name,
                 "application": p.application_name, "provider": p.provider, "status": p.status,
                 "last_checked_at": p.last_checked_at,
                 "last_result": p.last_result, "last_diagnosis": p.last_diagnosis} for p in everything]
    assert out == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"

    assert cli.main(["profiles", "list", "--region", "us", "--sort", "display_name", "--desc"]) == 0
    out = capsys.readouterr().out
    table = io.StringIO()
    print_table([[p.email, p.display_name, p.application_name, p.status, p.last_checked_at or "never",
                  p.last_result or "-"] for p in everything],
                ["EMAIL", "NAME", "APPLICATION", "STATUS", "LAST CHECKED", "RESULT"], table)
    assert out == table.getvalue()

    assert cli.main(["profiles", "list", "--region", "us", "--search", "nobody-has-this", "--json"]) == 0
    assert capsys.readouterr().out == "[]\n"
    assert cli.main(["profiles", "list", "--region", "us", "--limit", "2", "--json"]) == 0
    assert [p["email"] for p in json.loads(capsys.readouterr().out)] == ["user000000@contoso.com",
                                                                        "user000001@contoso.com"]
